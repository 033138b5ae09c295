"""IAM policy documents for the worker and its flow runs, as plain dicts.

Pure functions: they take ARNs and names, return documents, and are tested
directly. Least privilege follows the AWS service authorization reference: only the
calls that accept no resource scoping are granted on ``*`` (ecs:DescribeTaskDefinition
for the worker, ecr:GetAuthorizationToken for an execution role that pulls from ECR).
No role gets an AWS managed policy: AmazonECSTaskExecutionRolePolicy grants logs and
ECR on ``*``; the execution roles get inline statements for the stack's own log groups,
secret and repositories instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"

Document = dict[str, Any]


def document(*statements: dict[str, Any]) -> Document:
    """A policy document holding ``statements``."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def ecs_tasks_trust_policy(*, partition: str, region: str, account_id: str) -> Document:
    """Trust for ECS tasks of this account only (guards against the confused deputy)."""
    return document(
        {
            "Sid": "EcsTasksOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": ECS_TASKS_SERVICE},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:ecs:{region}:{account_id}:*"},
            },
        }
    )


Statement = dict[str, Any]


def read_secret_statements(
    *, secret_arn: str, region: str, kms_key_arn: str | None = None
) -> list[Statement]:
    """Read the one Prefect secret (and decrypt it through Secrets Manager, with a
    customer-managed key): what an execution role needs to inject it into a container."""
    statements: list[Statement] = [
        {
            "Sid": "ReadPrefectApiSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": secret_arn,
        }
    ]
    if kms_key_arn:
        statements.append(
            {
                "Sid": "DecryptPrefectApiSecret",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": kms_key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                },
            }
        )
    return statements


#: A container secret's ``valueFrom`` that names a Secrets Manager secret: its ARN,
#: optionally followed by ``:<json-key>:<version-stage>:<version-id>`` (each part may be
#: empty; ECS's syntax). Group ``arn`` is the secret's own ARN, what IAM matches.
SECRETS_MANAGER_VALUE_FROM = re.compile(
    r"^(?P<arn>arn:(?P<partition>aws[a-z-]*):(?P<service>secretsmanager):(?P<region>[a-z0-9-]+)"
    r":(?P<account>\d{12}):secret:[A-Za-z0-9/_+=.@-]+)(:[^:]*:[^:]*:[^:]*)?$"
)
#: A container secret's ``valueFrom`` that names an SSM Parameter Store parameter.
SSM_PARAMETER_VALUE_FROM = re.compile(
    r"^(?P<arn>arn:(?P<partition>aws[a-z-]*):(?P<service>ssm):(?P<region>[a-z0-9-]+)"
    r":(?P<account>\d{12}):parameter/[A-Za-z0-9/_.-]+)$"
)


def secret_source(value_from: str) -> re.Match[str] | None:
    """The parsed ``valueFrom`` of a container secret (group ``arn``: what IAM matches;
    ``service``: ``secretsmanager`` or ``ssm``), or None when it is neither form."""
    return SECRETS_MANAGER_VALUE_FROM.match(value_from) or SSM_PARAMETER_VALUE_FROM.match(
        value_from
    )


def read_container_secrets_statements(
    *, value_froms: Sequence[str], kms_key_arns: Sequence[str] = ()
) -> list[Statement]:
    """Read exactly the secrets and parameters ``value_froms`` name (container ``secrets``
    other than the Prefect credential): what an execution role needs to inject them.

    ``secretsmanager:GetSecretValue`` on each secret's ARN (a ``:json-key::`` suffix
    dropped) and ``ssm:GetParameters`` on each parameter's ARN. ``kms:Decrypt`` only on
    the given customer-managed keys, and only through the services that hold the values:
    values encrypted with the AWS-managed keys (``aws/secretsmanager``, ``aws/ssm``)
    need no KMS permission of the caller. None given: no statement.
    """
    found = [m for m in map(secret_source, value_froms) if m is not None]
    secrets = sorted({m["arn"] for m in found if m["service"] == "secretsmanager"})
    parameters = sorted({m["arn"] for m in found if m["service"] == "ssm"})
    statements: list[Statement] = []
    if secrets:
        statements.append(
            {
                "Sid": "ReadContainerSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secrets,
            }
        )
    if parameters:
        statements.append(
            {
                "Sid": "ReadContainerParameters",
                "Effect": "Allow",
                "Action": "ssm:GetParameters",
                "Resource": parameters,
            }
        )
    if statements and kms_key_arns:
        via = sorted({f"{m['service']}.{m['region']}.amazonaws.com" for m in found})
        statements.append(
            {
                "Sid": "DecryptContainerSecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": sorted(set(kms_key_arns)),
                "Condition": {"StringEquals": {"kms:ViaService": via}},
            }
        )
    return statements


def write_log_streams_statement(*, log_group_arn: str, sid: str = "WriteFlowRunLogs") -> Statement:
    """Write log streams of one log group (what the awslogs driver does for a task)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{log_group_arn}:log-stream:*",
    }


#: prefect-aws names a flow run's task definition family ``prefect_<pool>_<id>``, the id
#: being the run's deployment id or, without a deployment, its flow id: a UUID in its
#: 36-character text form either way (``ECSWorker._get_or_generate_family``, prefect-aws
#: 0.7.12). Its IAM pattern: one ``?`` per character, the hyphens literal.
UUID_PATTERN = "????????-????-????-????-????????????"


def flow_run_family_pattern(pool_name: str) -> str:
    """IAM pattern of the task definition families prefect-aws uses for ``pool_name``.

    ``?`` matches exactly one character, so the pattern matches ``prefect_<pool>_`` plus
    one UUID-shaped id and nothing longer: pool ``etl``'s pattern does not match pool
    ``etl_backfill``'s families (``prefect_etl_backfill_<uuid>`` has 45 characters after
    ``prefect_etl_``, and no hyphen where a UUID has one). A ``*`` there would let one
    pool's worker run the other's tasks in a shared cluster.
    """
    return f"{flow_run_family_prefix(pool_name)}{UUID_PATTERN}"


def flow_run_family_prefix(pool_name: str) -> str:
    """The part of the pool's flow-run families before the id: ``prefect_<pool>_``."""
    return f"prefect_{pool_name}_"


#: The tag prefect-aws puts on every flow-run task with its pool's name (the flow run's
#: labels become the task's tags: ``BaseWorker._base_flow_run_labels`` and
#: ``ECSWorker._prepare_task_run_request``).
WORK_POOL_TAG = "prefect.io/work-pool-name"


def worker_task_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    cluster_arn: str,
    cluster_name: str,
    pool_name: str,
    flow_run_execution_role_arn: str,
    flow_run_task_role_arn: str,
    flow_run_log_group_arn: str,
    max_cpu: int,
    max_memory: int,
    auto_deregister: bool = False,
    extra_statements: Sequence[Statement] = (),
) -> Document:
    """Exactly what the prefect-aws 0.7.12 ECS worker calls, scoped to this cluster, pool,
    its roles and its log group. ``extra_statements`` (what optional features need, such
    as the crash observer's queue) come last.

    What AWS allows (service authorization reference, "Actions, resources, and condition
    keys for Amazon ECS"): RegisterTaskDefinition and RunTask take task-definition ARNs
    (``task-definition/<family>:<revision>``) and the ``ecs:task-cpu`` /
    ``ecs:task-memory`` keys, RunTask also ``ecs:cluster``; DescribeTasks and StopTask
    take task ARNs, ``ecs:cluster`` and ``aws:ResourceTag/<key>``; TagResource takes
    ``ecs:CreateAction``. DescribeTaskDefinition and DeregisterTaskDefinition take no
    resource: ``"*"`` is the only resource AWS accepts for them.
    """
    ecs = f"arn:{partition}:ecs:{region}:{account_id}"
    family_arns = f"{ecs}:task-definition/{flow_run_family_pattern(pool_name)}:*"
    task_arns = f"{ecs}:task/{cluster_name}/*"
    at_most = {
        "NumericLessThanEqualsIfExists": {
            "ecs:task-cpu": str(max_cpu),
            "ecs:task-memory": str(max_memory),
        }
    }
    statements: list[Statement] = [
        {
            # The worker registers a revision in the flow's family when none matches.
            "Sid": "RegisterPoolTaskDefinitions",
            "Effect": "Allow",
            "Action": "ecs:RegisterTaskDefinition",
            "Resource": family_arns,
            "Condition": at_most,
        },
        {
            "Sid": "RunPoolTasksInCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": family_arns,
            "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}, **at_most},
        },
        {
            # DescribeTasks: the observer reads a task's tags per event; StopTask: flow-run
            # cancellation. Only this pool's tasks (prefect-aws tags them with the pool).
            "Sid": "WatchAndStopPoolTasksInCluster",
            "Effect": "Allow",
            "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
            "Resource": task_arns,
            "Condition": {
                "ArnEquals": {"ecs:cluster": cluster_arn},
                "StringEquals": {f"aws:ResourceTag/{WORK_POOL_TAG}": pool_name},
            },
        },
        {
            # RunTask sends the flow run's labels as tags; task definitions are
            # registered without tags.
            "Sid": "TagTasksWhileRunning",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": task_arns,
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {
            # The only action on "*": AWS offers no resource for it. The worker reads its
            # cached or latest revision before reusing it; the observer reads the log
            # configuration of a crashed run's task definition.
            "Sid": "ReadTaskDefinitions",
            "Effect": "Allow",
            "Action": "ecs:DescribeTaskDefinition",
            "Resource": "*",
        },
        {
            "Sid": "PassFlowRunRolesToEcsTasks",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [flow_run_execution_role_arn, flow_run_task_role_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": ECS_TASKS_SERVICE}},
        },
        {
            # The observer forwards the last lines of a crashed run that never started.
            "Sid": "ReadFlowRunLogs",
            "Effect": "Allow",
            "Action": "logs:GetLogEvents",
            "Resource": f"{flow_run_log_group_arn}:log-stream:*",
        },
    ]
    if auto_deregister:
        statements.append(
            {
                # The observer deregisters tagged tasks' definitions (no resource: "*").
                "Sid": "DeregisterTaskDefinitions",
                "Effect": "Allow",
                "Action": "ecs:DeregisterTaskDefinition",
                "Resource": "*",
            }
        )
    return document(*statements, *extra_statements)


def ecr_pull_statements(repository_arns: Sequence[str]) -> list[Statement]:
    """Pull images from ``repository_arns`` (none: no statement). GetAuthorizationToken
    takes no resource; the three pull actions take repository ARNs."""
    if not repository_arns:
        return []
    return [
        {
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "EcrPull",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
            ],
            "Resource": list(repository_arns),
        },
    ]


_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repo>[^:@]+)"
)


def ecr_repository_arn(image: str, partition: str = "aws") -> str | None:
    """The ECR repository ARN of a private ECR image reference (None for others)."""
    match = _ECR_IMAGE.match(image)
    if match is None:
        return None
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repo']}"


def account_repositories(*, partition: str, region: str, account_id: str) -> list[str]:
    """Every ECR repository of one account and region (the flow-run pull default)."""
    return [f"arn:{partition}:ecr:{region}:{account_id}:repository/*"]


def describe_document(doc: Document | str) -> list[str]:
    """One readable line per statement: ``Allow a, b on r1, r2 when cond``."""
    import json

    parsed: Document = json.loads(doc) if isinstance(doc, str) else doc
    lines = []
    for st in parsed.get("Statement", []):
        actions = st.get("Action", st.get("NotAction", []))
        actions = [actions] if isinstance(actions, str) else actions
        resources = st.get("Resource", st.get("NotResource", []))
        resources = [resources] if isinstance(resources, str) else resources
        line = f"{st.get('Effect', 'Allow')} {', '.join(actions)}"
        if "Principal" in st:
            line += f" by {json.dumps(st['Principal'], sort_keys=True)}"
        if resources:
            line += f" on {', '.join(resources)}"
        for op, conds in sorted(st.get("Condition", {}).items()):
            for key, value in sorted(conds.items()):
                line += f" when {key} {op} {json.dumps(value)}"
        lines.append(line)
    return lines
