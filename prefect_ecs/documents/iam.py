"""IAM policy documents for the worker and its flow runs, as plain dicts.

Pure functions: they take ARNs and names, return documents, and are tested
directly. Least privilege follows the AWS service authorization reference for ECS:
only the calls that accept no resource scoping are granted on ``*``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"
TASK_EXECUTION_MANAGED_POLICY = "service-role/AmazonECSTaskExecutionRolePolicy"

Document = dict[str, Any]


def document(*statements: dict[str, Any]) -> Document:
    """A policy document holding ``statements``."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def managed_policy_arn(partition: str, name: str = TASK_EXECUTION_MANAGED_POLICY) -> str:
    """ARN of an AWS managed policy in ``partition``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


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


def write_log_streams_statement(*, log_group_arn: str) -> Statement:
    """Write log streams of one log group (what the awslogs driver does for a task)."""
    return {
        "Sid": "WriteFlowRunLogs",
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
    return f"prefect_{pool_name}_{UUID_PATTERN}"


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
    extra_statements: Sequence[Statement] = (),
) -> Document:
    """What the prefect-aws ECS worker calls, scoped to this cluster, pool and its roles.

    ``extra_statements`` (what optional features need the worker to do) come last.
    """
    ecs = f"arn:{partition}:ecs:{region}:{account_id}"
    family_arns = f"{ecs}:task-definition/{flow_run_family_pattern(pool_name)}:*"
    task_arns = f"{ecs}:task/{cluster_name}/*"
    in_cluster = {"ArnEquals": {"ecs:cluster": cluster_arn}}
    return document(
        {
            "Sid": "RunFlowRunTasksInCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": family_arns,
            "Condition": in_cluster,
        },
        {
            "Sid": "WatchAndStopFlowRunTasksInCluster",
            "Effect": "Allow",
            "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
            "Resource": task_arns,
            "Condition": in_cluster,
        },
        {
            # These four actions support no resource-level permissions (AWS service
            # authorization reference): "*" is the only resource AWS accepts.
            "Sid": "ManageFlowRunTaskDefinitions",
            "Effect": "Allow",
            "Action": [
                "ecs:RegisterTaskDefinition",
                "ecs:DescribeTaskDefinition",
                "ecs:DeregisterTaskDefinition",
                "ecs:ListTaskDefinitions",
            ],
            "Resource": "*",
        },
        {
            "Sid": "TagOnlyWhileCreating",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": [family_arns, task_arns],
            "Condition": {
                "StringEquals": {"ecs:CreateAction": ["RunTask", "RegisterTaskDefinition"]}
            },
        },
        {
            "Sid": "PassFlowRunRolesToEcsTasks",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [flow_run_execution_role_arn, flow_run_task_role_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": ECS_TASKS_SERVICE}},
        },
        {
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": ["ec2:DescribeVpcs", "ec2:DescribeSubnets"],
            "Resource": "*",
        },
        {
            "Sid": "ReadFlowRunLogs",
            "Effect": "Allow",
            "Action": "logs:GetLogEvents",
            "Resource": f"{flow_run_log_group_arn}:log-stream:*",
        },
        *extra_statements,
    )


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
