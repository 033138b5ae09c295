"""The ECS job variables the stack wires itself, and the argument that sets each (pure).

One declaration used by the rule over ``work_pool_job_variables`` (which refuses them,
naming the argument to set instead), by the job template builder (which refuses them in
``job_variables``) and by the policy pack (which checks a pool's credential variables
against its worker's secret). The pack runs in its own virtual environment without this
package, so it ships a byte-for-byte copy of this file
(``policy_pack/prefect_ecs_policies/wired_variables.py``); a test keeps the two equal.
Edit this one and copy it over.

Every other variable of prefect-aws's template (``cpu``, ``memory``, ``image``, ``env``,
``command``, ``labels``, ``launch_type``, ``capacity_provider_strategy``,
``container_name``, ``name``, ``match_latest_revision_in_family``,
``auto_deregister_task_definition``) is the pool's or a deployment's to choose; the rules
check the values of some of them.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CREDENTIAL_VARIABLES", "WIRED_JOB_VARIABLES", "Wired"]


class Wired(NamedTuple):
    """What the stack does with a variable, and the fix (double-backquoted argument
    names, which the stack's messages turn into config keys where the user wrote those)."""

    why: str
    fix: str


_CREDENTIAL = Wired(
    "the stack points flow runs at the worker's own credential secret (prefect-aws then "
    "injects it as an ECS secret); any other value, null included, leaves flow runs "
    "without the credential or with another one",
    "set the credential with ``prefect_api_key``, ``prefect_auth_string`` or "
    "``prefect_api_secret_arn``; pass other secrets with ``flow_run_secrets``",
)
_LOGS = Wired(
    "flow-run logs go to the stack's flow-run log group: the only group the flow-run "
    "execution role may write, the one the crash observer reads, with the stack's retention",
    "set the retention with ``log_retention_days``",
)
_NETWORK = Wired(
    "the pool's template sends the stack's subnets, security groups and public-IP choice "
    "in the task run request; this variable would make the worker look the VPC up "
    "(ec2:DescribeVpcs/DescribeSubnets, which its role does not have) on every flow run",
    "set ``vpc_id``, ``subnet_ids``, ``security_group_ids`` and ``assign_public_ip`` instead",
)

#: Job variables whose defaults the stack sets (or keeps unset) itself: variable ->
#: what the stack does with it, and what to set instead.
WIRED_JOB_VARIABLES: dict[str, Wired] = {
    "cluster": Wired(
        "the worker may run flow-run tasks only in the stack's cluster (its RunTask grant "
        "has an ecs:cluster condition)",
        "set ``cluster_arn`` instead",
    ),
    "execution_role_arn": Wired(
        "the worker may pass only the stack's flow-run execution role (iam:PassRole), "
        "which reads the stack's secrets and images and writes its log group",
        "give it more to read with ``flow_run_secrets`` and ``flow_run_image_repository_arns``",
    ),
    "task_role_arn": Wired(
        "the worker may pass only the stack's flow-run task role (iam:PassRole)",
        "set ``flow_run_task_role_arn``, or attach policies with "
        "``flow_run_task_role_policy_arns``",
    ),
    "aws_credentials": Wired(
        "the worker calls ECS as its task role, scoped to this cluster and pool; an "
        "AwsCredentials block would replace that identity with keys stored in Prefect",
        "leave it unset: the stack builds the worker's role from its cluster and pool",
    ),
    "prefect_api_key_secret_arn": _CREDENTIAL,
    "prefect_api_auth_string_secret_arn": _CREDENTIAL,
    "configure_cloudwatch_logs": _LOGS,
    "cloudwatch_logs_options": _LOGS,
    "cloudwatch_logs_prefix": Wired(
        "it has no effect: the stack's cloudwatch_logs_options set awslogs-stream-prefix, "
        "which prefect-aws applies after it",
        "leave it unset",
    ),
    "family": Wired(
        "the worker may run only the families prefect-aws generates for its pool "
        "(prefect_<pool>_<id>); a custom family would be denied at RunTask",
        "leave it unset",
    ),
    "task_definition_arn": Wired(
        "the worker may run only its pool's own task definitions; an existing task "
        "definition would be denied at RunTask",
        "leave it unset",
    ),
    "network_configuration": _NETWORK,
    "vpc_id": _NETWORK,
}

#: The job variables that carry the Prefect credential's secret ARN, and the environment
#: variable prefect-aws injects from it in flow-run containers.
CREDENTIAL_VARIABLES: dict[str, str] = {
    "prefect_api_key_secret_arn": "PREFECT_API_KEY",
    "prefect_api_auth_string_secret_arn": "PREFECT_API_AUTH_STRING",
}
