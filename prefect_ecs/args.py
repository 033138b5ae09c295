"""The component's arguments and their defaults: the one place each default lives.

Args are a TypedDict read with dict access so that the component can later be
hosted for other languages (``construct`` passes a plain dict with these keys).
``Pulumi.yaml`` mirrors :data:`DEFAULTS` in its config schema; a test keeps the
two in agreement.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

import pulumi

#: prefect-aws image with Prefect and prefect-aws preinstalled, pinned to the versions
#: this package is tested with (no ``pip install`` at container start).
DEFAULT_WORKER_IMAGE = "prefecthq/prefect-aws:0.7.12-python3.12-prefect3.9.1"

SecretKind = Literal["api_key", "auth_string"]


class PrefectEcsWorkerArgs(TypedDict):
    """Inputs of :class:`prefect_ecs.PrefectEcsWorker`. Only ``prefect_api_url`` is required."""

    prefect_api_url: pulumi.Input[str]
    """Prefect API URL: ``https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>``
    or ``http(s)://<host>/api`` for a self-hosted server."""
    prefect_api_key: NotRequired[pulumi.Input[str]]
    """Prefect Cloud API key (stored in Secrets Manager, never in plaintext)."""
    prefect_auth_string: NotRequired[pulumi.Input[str]]
    """Self-hosted server basic auth ``user:password`` (stored in Secrets Manager)."""
    prefect_api_secret_arn: NotRequired[pulumi.Input[str]]
    """ARN of an existing Secrets Manager secret holding the key or auth string."""
    prefect_api_secret_kind: NotRequired[pulumi.Input[str]]
    """What the existing secret holds: ``api_key`` (default) or ``auth_string``."""
    secret_kms_key_arn: NotRequired[pulumi.Input[str]]
    """Customer-managed KMS key for the secret (default: the AWS-managed key)."""
    work_pool_name: NotRequired[pulumi.Input[str]]
    vpc_id: NotRequired[pulumi.Input[str]]
    subnet_ids: NotRequired[pulumi.Input[list[str]]]
    security_group_ids: NotRequired[pulumi.Input[list[str]]]
    """Existing security groups for worker and flow runs (default: a new egress-only one)."""
    cluster_arn: NotRequired[pulumi.Input[str]]
    """Existing ECS cluster (default: a new one)."""
    container_insights: NotRequired[pulumi.Input[str]]
    """``enabled``, ``enhanced`` or ``disabled`` for a cluster this component creates."""
    worker_cpu: NotRequired[pulumi.Input[int]]
    worker_memory: NotRequired[pulumi.Input[int]]
    worker_desired_count: NotRequired[pulumi.Input[int]]
    worker_image: NotRequired[pulumi.Input[str]]
    cpu_architecture: NotRequired[pulumi.Input[str]]
    """``X86_64`` or ``ARM64`` (Graviton, about 20% cheaper)."""
    worker_environment: NotRequired[pulumi.Input[dict[str, str]]]
    """Extra non-secret environment variables for the worker container."""
    assign_public_ip: NotRequired[pulumi.Input[bool]]
    enable_execute_command: NotRequired[pulumi.Input[bool]]
    log_retention_days: NotRequired[pulumi.Input[int]]
    flow_run_cpu: NotRequired[pulumi.Input[int]]
    flow_run_memory: NotRequired[pulumi.Input[int]]
    flow_run_task_role_policy_arns: NotRequired[pulumi.Input[list[str]]]
    """Managed policies attached to the flow-run task role (default: none)."""
    create_work_pool: NotRequired[pulumi.Input[bool]]
    adopt_existing_work_pool: NotRequired[pulumi.Input[bool]]
    work_pool_job_variables: NotRequired[pulumi.Input[dict[str, Any]]]
    """Extra job-variable defaults for the work pool's base job template."""
    tags: NotRequired[pulumi.Input[dict[str, str]]]


#: Defaults for every optional argument (None: no default, the component decides).
DEFAULTS: dict[str, Any] = {
    "prefect_api_secret_kind": "api_key",
    "work_pool_name": "my-ecs-pool",
    "container_insights": "enabled",
    "worker_cpu": 512,
    "worker_memory": 1024,
    "worker_desired_count": 1,
    "worker_image": DEFAULT_WORKER_IMAGE,
    "cpu_architecture": "X86_64",
    "worker_environment": {},
    "assign_public_ip": False,
    "enable_execute_command": False,
    "log_retention_days": 30,
    "flow_run_cpu": 1024,
    "flow_run_memory": 2048,
    "flow_run_task_role_policy_arns": [],
    "create_work_pool": True,
    "adopt_existing_work_pool": False,
    "work_pool_job_variables": {},
    "tags": {},
}
