"""``PrefectEcsWorkerArgs``: the component's arguments as a TypedDict.

The fields are generated from the argument table in ``prefect_ecs/args.py`` by ``make
generate``; edit the table, not them. Every argument but the structural switches is a
``pulumi.Input``: a plain value, an Output, a list or dict of Outputs, or an Output of a
list or dict.

No ``from __future__ import annotations`` here: the annotations are evaluated when the
class is made, so ``NotRequired`` reaches ``__required_keys__`` (multi-language component
hosts and other runtime readers rely on it).
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, TypeVar

import pulumi

# pulumi.Input is ``Union[T, Awaitable[T], "Output[T]"]``: typing.get_type_hints resolves
# that forward reference in this module's namespace, so ``Output`` and ``T`` live here.
from pulumi import Output  # noqa: F401

T = TypeVar("T")

__all__ = ["PrefectEcsWorkerArgs"]


class PrefectEcsWorkerArgs(TypedDict):
    """Arguments of :class:`prefect_ecs.PrefectEcsWorker`; only ``prefect_api_url`` is required.

    Unknown keys are refused (with a suggestion), as is a structural switch that is not a
    plain ``bool``. Values known at construction are validated before any resource is
    declared; values that are Outputs are validated when they resolve, before the
    resources that use them are created.
    """

    # BEGIN generated from prefect_ecs/args.py by `make generate`: do not edit
    prefect_api_url: pulumi.Input[str]
    """Prefect API URL: ``https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>``
    for Prefect Cloud, or ``http(s)://<host>/api`` for a self-hosted server.
    Required."""
    prefect_api_key: NotRequired[pulumi.Input[str]]
    """Prefect Cloud API key; stored in Secrets Manager and given to containers only as
    an ECS secret. At most one of ``prefect_api_key``, ``prefect_auth_string`` and
    ``prefect_api_secret_arn``. Default: none."""
    prefect_auth_string: NotRequired[pulumi.Input[str]]
    """Basic-auth ``user:password`` of a self-hosted Prefect server; stored in Secrets
    Manager like the API key. Default: none."""
    prefect_api_secret_arn: NotRequired[pulumi.Input[str]]
    """ARN of an existing Secrets Manager secret that holds the API key or auth string,
    instead of ``prefect_api_key`` / ``prefect_auth_string``. Default: a new secret
    holding the given key or auth string."""
    prefect_api_secret_kind: NotRequired[pulumi.Input[str]]
    """What ``prefect_api_secret_arn`` holds: ``api_key`` or ``auth_string``. Default:
    ``'api_key'``."""
    secret_kms_key_arn: NotRequired[pulumi.Input[str]]
    """Customer-managed KMS key ARN that encrypts the secret. Default: the AWS-managed
    key."""
    work_pool_name: NotRequired[pulumi.Input[str]]
    """Prefect work pool the worker polls and the component manages (letters, digits,
    ``-`` and ``_``; not starting with ``prefect``). Set it per stack when stacks
    share a Prefect workspace. Default: the component name (with ``ecs-`` in front if
    it starts with ``prefect``)."""
    create_work_pool: NotRequired[bool]
    """Create and manage the work pool, its job template wired to this stack. When off,
    the pool must exist already (the worker never creates it). Default: ``True``."""
    adopt_existing_work_pool: NotRequired[bool]
    """Take over a work pool of the same name that already exists, instead of failing.
    Default: ``False``."""
    work_pool_job_variables: NotRequired[pulumi.Input[Mapping[str, Any]]]
    """Extra job-variable defaults for the pool's ECS base job template, by variable
    name (for example ``{"auto_deregister_task_definition": true}``). Default:
    ``{}``."""
    vpc_id: NotRequired[pulumi.Input[str]]
    """VPC for the worker and flow runs; give it together with ``subnet_ids``. Default:
    the default VPC."""
    subnet_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Subnets for the worker and flow runs (private subnets with a NAT gateway or VPC
    endpoints recommended). Default: the default VPC's subnets."""
    security_group_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Existing security groups for the worker and flow runs. Default: a new egress-only
    security group."""
    assign_public_ip: NotRequired[pulumi.Input[bool]]
    """Give worker and flow-run tasks a public IP (needed in subnets without NAT).
    Default: ``False``."""
    cluster_arn: NotRequired[pulumi.Input[str]]
    """Existing ECS cluster ARN for the worker and flow runs. Default: a new cluster."""
    container_insights: NotRequired[pulumi.Input[str]]
    """Container Insights of a cluster the component creates: ``enabled``, ``enhanced``
    or ``disabled``. Default: ``'enabled'``."""
    worker_cpu: NotRequired[pulumi.Input[int]]
    """Worker task CPU units, a Fargate size (256, 512, 1024, ...). 256 (a quarter vCPU)
    covers what a burst of 50 flow runs was measured to use (BENCHMARKS.md). Default:
    ``256``."""
    worker_memory: NotRequired[pulumi.Input[int]]
    """Worker task memory in MiB, valid for ``worker_cpu`` on Fargate. 512 is about 3x
    the worker's measured peak under a burst of flow runs. Default: ``512``."""
    worker_desired_count: NotRequired[pulumi.Input[int]]
    """Number of worker tasks (0 stops the worker). Two or more run in different
    Availability Zones when the subnets span several (the default VPC's do). With
    ``worker_autoscaling`` the starting count, then the scaling policies' to change.
    Default: ``1``."""
    worker_autoscaling: NotRequired[bool]
    """Scale the worker service between ``worker_min_count`` and ``worker_max_count``
    with Application Auto Scaling target tracking on its average CPU and memory (what
    prefect-aws's ``ecs-worker deploy-service`` sets up). A worker mostly polls and
    submits, so one or two are usually enough; scaling helps bursts of submissions.
    Default: ``False``."""
    worker_min_count: NotRequired[pulumi.Input[int]]
    """Fewest worker tasks autoscaling keeps (with ``worker_autoscaling``). Default:
    ``1``."""
    worker_max_count: NotRequired[pulumi.Input[int]]
    """Most worker tasks autoscaling starts (with ``worker_autoscaling``). Default:
    ``10``."""
    worker_cpu_target_percent: NotRequired[pulumi.Input[int]]
    """Average CPU utilization of the worker service autoscaling keeps (with
    ``worker_autoscaling``), 1..100. Default: ``70``."""
    worker_memory_target_percent: NotRequired[pulumi.Input[int]]
    """Average memory utilization of the worker service autoscaling keeps (with
    ``worker_autoscaling``), 1..100. Default: ``80``."""
    worker_deployment_minimum_percent: NotRequired[pulumi.Input[int]]
    """Worker tasks that must keep running during a deployment, in percent of the
    desired count (rounded up), 0..100. 0 lets ECS stop every worker before its
    replacement runs. Default: ``100``."""
    worker_deployment_maximum_percent: NotRequired[pulumi.Input[int]]
    """Worker tasks that may run during a deployment, in percent of the desired count
    (rounded down), 100..200. Default: ``200``."""
    worker_image: NotRequired[pulumi.Input[str]]
    """Worker image with Prefect and prefect-aws installed, pinned to a version tag or a
    digest. Default: ``'prefecthq/prefect-aws:0.7.12-python3.12-prefect3.9.1'``."""
    cpu_architecture: NotRequired[pulumi.Input[str]]
    """CPU architecture of the worker task: ``ARM64`` (Graviton, 20% cheaper) or
    ``X86_64``. The default worker image is published for both; a ``worker_image`` of
    your own must be built for this one. Default: ``'ARM64'``."""
    worker_fargate_spot: NotRequired[bool]
    """Run the worker itself on Fargate Spot (the service gets a ``FARGATE_SPOT``
    capacity provider strategy instead of the ``FARGATE`` launch type). Cheaper, but
    an interrupted worker polls no flow runs until ECS replaces it (about a minute);
    allowed with a warning. With ``cluster_arn`` that cluster must have
    ``FARGATE_SPOT`` associated (the component manages the association only of a
    cluster it creates). Default: ``False``."""
    worker_environment: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Extra non-secret environment variables for the worker container (for example
    ``{"PREFECT_LOGGING_LEVEL": "DEBUG"}``). Default: ``{}``."""
    worker_secrets: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Environment variables of the worker container read from Secrets Manager or SSM
    Parameter Store at task start (ECS ``secrets``), by name: a secret ARN,
    optionally with ``:<json-key>::``, or a parameter ARN. The worker execution role
    may read exactly these. Default: ``{}``."""
    enable_execute_command: NotRequired[pulumi.Input[bool]]
    """Allow ECS Exec into the worker container. Default: ``False``."""
    log_retention_days: NotRequired[pulumi.Input[int]]
    """CloudWatch Logs retention of the worker and flow-run log groups, in days (1, 3,
    5, 7, 14, 30, 60, 90, ...). Default: ``30``."""
    flow_run_cpu: NotRequired[pulumi.Input[int]]
    """Default CPU units of flow-run tasks (the work pool's default). Default: ``1024``."""
    flow_run_memory: NotRequired[pulumi.Input[int]]
    """Default memory in MiB of flow-run tasks (the work pool's default). Default:
    ``2048``."""
    flow_run_cpu_architecture: NotRequired[pulumi.Input[str]]
    """CPU architecture of flow-run tasks (the pool's task definition
    ``runtimePlatform``): ``X86_64`` or ``ARM64`` (Graviton, cheaper; flow images
    must be built for it). Default: ``'X86_64'``."""
    flow_run_fargate_spot: NotRequired[bool]
    """Run flow runs on Fargate Spot: the pool's template uses a ``FARGATE_SPOT``
    capacity provider strategy (no launch type) and sets
    ``PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR=reschedule``, so a run interrupted by
    Spot is rescheduled, not crashed. With ``cluster_arn`` that cluster must have
    ``FARGATE_SPOT`` associated. A deployment may still choose ``FARGATE`` with its
    ``capacity_provider_strategy`` job variable. Default: ``False``."""
    flow_run_task_role_arn: NotRequired[pulumi.Input[str]]
    """Existing IAM role for flow-run code (the flow-run tasks' task role), instead of a
    new one. Its trust policy must allow ``ecs-tasks.amazonaws.com``. Default: a new
    role with no permissions."""
    flow_run_task_role_policy_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Managed policy ARNs attached to the flow-run task role created by the component
    (the AWS permissions of your flow code). Default: ``[]``."""
    flow_run_max_cpu: NotRequired[pulumi.Input[int]]
    """Largest CPU units a flow run may ask for (a deployment's ``cpu`` job variable):
    the worker role may register and run no task above it (IAM conditions on
    ``ecs:task-cpu``), a cost guardrail. Default: ``4096``."""
    flow_run_max_memory: NotRequired[pulumi.Input[int]]
    """Largest memory in MiB a flow run may ask for (IAM conditions on
    ``ecs:task-memory``), like ``flow_run_max_cpu``. Default: ``30720``."""
    flow_run_image_repository_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """ECR repository ARNs flow-run images are pulled from (the flow-run execution role
    may pull only from these); an empty list when every image is public. Default:
    every ECR repository of this account and region."""
    flow_run_secrets: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Environment variables of flow-run containers read from Secrets Manager or SSM
    Parameter Store (ECS ``secrets`` in the pool's task definition), like
    ``worker_secrets``; the flow-run execution role may read exactly these. Default:
    ``{}``."""
    secrets_kms_key_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Customer-managed KMS keys that encrypt the secrets and parameters of
    ``worker_secrets`` / ``flow_run_secrets``: the execution roles that read them may
    decrypt with these keys through Secrets Manager or SSM only. Default: none
    (values encrypted with the AWS-managed keys need no KMS grant)."""
    flow_run_ec2_capacity: NotRequired[bool]
    """Add EC2 capacity for flow runs: an auto scaling group of ECS-optimized instances
    (Amazon Linux 2023, the AMI of ``flow_run_cpu_architecture``) in the stack's
    subnets and security groups, with a least-privilege instance role, and an ECS
    capacity provider with managed scaling and termination protection that the pool's
    template uses. Only for a cluster the component creates. Flow-run tasks on EC2
    get no public IP: the subnets need NAT or VPC endpoints. Default: ``False``."""
    flow_run_ec2_instance_type: NotRequired[pulumi.Input[str]]
    """EC2 instance type of the flow-run instances (with ``flow_run_ec2_capacity``); its
    architecture must be ``flow_run_cpu_architecture`` (Graviton types such as
    ``m7g.large`` are ARM64) and a flow run of ``flow_run_cpu`` / ``flow_run_memory``
    must fit on one instance. Default: ``m6i.large`` for X86_64, ``m6g.large`` for
    ARM64."""
    flow_run_ec2_min_size: NotRequired[pulumi.Input[int]]
    """Fewest flow-run instances (with ``flow_run_ec2_capacity``); 0 lets the group
    scale to zero when no flow run needs it. Default: ``0``."""
    flow_run_ec2_max_size: NotRequired[pulumi.Input[int]]
    """Most flow-run instances managed scaling may start (with
    ``flow_run_ec2_capacity``), a cost guardrail. Default: ``4``."""
    flow_run_ec2_target_capacity_percent: NotRequired[pulumi.Input[int]]
    """How full managed scaling keeps the flow-run instances, 1..100 (with
    ``flow_run_ec2_capacity``): 100 starts an instance only when tasks need one; less
    keeps spare room so flow runs start without waiting for an instance. Default:
    ``100``."""
    crash_observer: NotRequired[bool]
    """Detect crashed flow runs: an SQS queue fed by an EventBridge rule with the
    cluster's ECS task state changes, read by the worker's observer, which marks a
    flow run Crashed when its task stops with an error or never starts. When off,
    such runs stay Pending or Running until someone cancels them. Default: ``True``."""
    observer_kms_key_arn: NotRequired[pulumi.Input[str]]
    """Customer-managed KMS key that encrypts the observer's queues. Its key policy must
    let ``events.amazonaws.com`` use ``kms:GenerateDataKey`` and ``kms:Decrypt``.
    Default: SQS-managed encryption (SSE-SQS)."""
    alarm_topic_arn: NotRequired[pulumi.Input[str]]
    """SNS topic ARN the alarms notify (dead-lettered events, observer behind, fewer
    worker tasks running than desired). Default: alarms without notifications (state
    visible in CloudWatch)."""
    readiness_gate: NotRequired[bool]
    """Make ``pulumi up`` wait until the worker service is stable and the work pool
    shows an ONLINE worker (a local command), failing with a diagnosis when it does
    not. Default: ``True``."""
    readiness_timeout_seconds: NotRequired[pulumi.Input[int]]
    """How long the readiness gate waits before it fails with what it saw. Default:
    ``600``."""
    drain_on_destroy: NotRequired[bool]
    """At ``pulumi destroy``, pause the pool and stop the pool's running flow-run tasks
    before the cluster is deleted (ECS refuses to delete a cluster with running
    tasks). Only for a cluster the component creates. A pool the stack does not
    create is never paused: the stack's worker service is scaled to zero instead.
    Default: ``True``."""
    flow_image_repository: NotRequired[bool]
    """Create an ECR repository for flow images (immutable tags, scan on push, a
    lifecycle policy); the flow-run execution role may pull from it. Default:
    ``False``."""
    flow_image_keep_count: NotRequired[pulumi.Input[int]]
    """How many flow images the repository keeps (older ones expire). Default: ``30``."""
    flows_directory: NotRequired[pulumi.Input[str]]
    """A directory with a prefect.yaml whose deployments ``pulumi up`` delivers
    (``prefect deploy --all`` with the pool and repository passed in), again when its
    files change, and removes at destroy. Default: no flow delivery."""
    flows_skip_image_build: NotRequired[pulumi.Input[bool]]
    """Deliver the flows without building and pushing their image (no Docker daemon).
    Default: ``False``."""
    smoke_run_deployment: NotRequired[pulumi.Input[str]]
    """A delivered deployment (``<flow>/<deployment>``) to run once after delivery,
    waiting for Completed. Default: no smoke run."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for every AWS resource the component creates (for example ``{"team":
    "data"}``). Default: ``{}``."""
    # END generated
