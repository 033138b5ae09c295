"""The component's arguments, declared once: one :class:`Arg` row each.

A row holds the argument's name, kind, default and doc. Everything else is derived from
it: the stack config key (``worker_cpu`` -> ``workerCpu``), the config type and the
Pulumi.yaml schema, the :class:`~prefect_ecs.PrefectEcsWorkerArgs` TypedDict and its
docstrings (generated into ``worker_args.py``), the README's config table, the type
check every value gets, and the defaults the component applies. ``make generate``
rewrites the generated files; a test fails when one of them is stale.

To add an argument: add a row here, run ``make generate``, read the value in the
concern module that uses it, and add its semantic rule (if any) to ``validation.py``.
"""

from __future__ import annotations

import copy
import enum
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ARGS",
    "ARGS_BY_NAME",
    "DEFAULTS",
    "DEFAULT_WORKER_IMAGE",
    "Arg",
    "Kind",
    "arg_to_config_key",
    "config_key_to_arg",
]

#: prefect-aws image with Prefect and prefect-aws preinstalled, pinned to the versions
#: this package is tested with (no ``pip install`` at container start).
DEFAULT_WORKER_IMAGE = "prefecthq/prefect-aws:0.7.12-python3.12-prefect3.9.1"


class Kind(enum.Enum):
    """What an argument's value is: decides its Python type, config type and type check."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    STRING_LIST = "list of strings"
    STRING_MAP = "mapping of string to string"
    JSON_OBJECT = "mapping of name to JSON value"

    @property
    def python_type(self) -> str:
        """The value type inside ``pulumi.Input[...]`` in the generated TypedDict."""
        return _PYTHON_TYPES[self]

    @property
    def config_type(self) -> str:
        """The Pulumi.yaml config type (objects travel as JSON strings)."""
        return _CONFIG_TYPES[self]


_PYTHON_TYPES = {
    Kind.STRING: "str",
    Kind.INTEGER: "int",
    Kind.BOOLEAN: "bool",
    Kind.STRING_LIST: "Sequence[pulumi.Input[str]]",
    Kind.STRING_MAP: "Mapping[str, pulumi.Input[str]]",
    Kind.JSON_OBJECT: "Mapping[str, Any]",
}
_CONFIG_TYPES = {
    Kind.STRING: "string",
    Kind.INTEGER: "integer",
    Kind.BOOLEAN: "boolean",
    Kind.STRING_LIST: "array",
    Kind.STRING_MAP: "string",
    Kind.JSON_OBJECT: "string",
}


@dataclass(frozen=True)
class Arg:
    """One argument of :class:`~prefect_ecs.PrefectEcsWorker`.

    ``default`` None means the argument is absent unless given; ``default_doc`` then says
    what the component does instead (for example "the default VPC"). ``structural``
    arguments decide which resources exist, so they must be plain ``bool`` (an Output
    would be known only after the resources are declared). ``secret`` arguments are read
    from secret stack config and stored only in Secrets Manager.
    """

    name: str
    kind: Kind
    doc: str
    default: Any = None
    default_doc: str | None = None
    required: bool = False
    secret: bool = False
    structural: bool = False
    config_hint: str | None = None
    """Extra words for the stack config description (how to set it)."""

    @property
    def config_key(self) -> str:
        """The stack config key (camelCase of the name)."""
        return arg_to_config_key(self.name)

    def default_value(self) -> Any:
        """A fresh copy of the default (mutable defaults are never shared)."""
        return copy.deepcopy(self.default)

    def default_text(self) -> str:
        """The default as the docs state it."""
        if self.required:
            return "Required."
        if self.default_doc is not None:
            return f"Default: {self.default_doc}."
        if isinstance(self.default, bool):
            return f"Default: ``{self.default}``."
        return f"Default: ``{self.default!r}``."

    def docstring(self) -> str:
        """The argument's docstring in the generated TypedDict."""
        return f"{self.doc} {self.default_text()}"

    def config_description(self) -> str:
        """The argument's description in Pulumi.yaml (arguments named by config key)."""
        text = config_words(self.doc)
        if self.kind in (Kind.STRING_MAP, Kind.JSON_OBJECT):
            text += " A JSON object."
        if self.config_hint:
            text += f" {self.config_hint}"
        return text


def arg_to_config_key(arg: str) -> str:
    """``worker_cpu`` -> ``workerCpu``."""
    head, *rest = arg.split("_")
    return head + "".join(part.capitalize() for part in rest)


def config_words(text: str, quote: str = "") -> str:
    """``text`` for stack users: each double-backquoted argument name becomes its config
    key; every literal is wrapped in ``quote``."""

    def word(match: re.Match[str]) -> str:
        literal = match.group(1)
        return quote + (arg_to_config_key(literal) if literal in ARGS_BY_NAME else literal) + quote

    return re.sub(r"``([^`]+)``", word, text)


def config_key_to_arg(key: str) -> str:
    """``workerCpu`` -> ``worker_cpu``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


ARGS: tuple[Arg, ...] = (
    # --- Prefect API and credential ------------------------------------------------------
    Arg(
        "prefect_api_url",
        Kind.STRING,
        "Prefect API URL: ``https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>`` "
        "for Prefect Cloud, or ``http(s)://<host>/api`` for a self-hosted server.",
        required=True,
    ),
    Arg(
        "prefect_api_key",
        Kind.STRING,
        "Prefect Cloud API key; stored in Secrets Manager and given to containers only as "
        "an ECS secret. At most one of ``prefect_api_key``, ``prefect_auth_string`` and "
        "``prefect_api_secret_arn``.",
        default_doc="none",
        secret=True,
        config_hint="Set with: pulumi config set --secret prefectApiKey <key>.",
    ),
    Arg(
        "prefect_auth_string",
        Kind.STRING,
        "Basic-auth ``user:password`` of a self-hosted Prefect server; stored in Secrets "
        "Manager like the API key.",
        default_doc="none",
        secret=True,
        config_hint="Set with: pulumi config set --secret prefectAuthString <user:password>.",
    ),
    Arg(
        "prefect_api_secret_arn",
        Kind.STRING,
        "ARN of an existing Secrets Manager secret that holds the API key or auth string, "
        "instead of ``prefect_api_key`` / ``prefect_auth_string``.",
        default_doc="a new secret holding the given key or auth string",
    ),
    Arg(
        "prefect_api_secret_kind",
        Kind.STRING,
        "What ``prefect_api_secret_arn`` holds: ``api_key`` or ``auth_string``.",
        default="api_key",
    ),
    Arg(
        "secret_kms_key_arn",
        Kind.STRING,
        "Customer-managed KMS key ARN that encrypts the secret.",
        default_doc="the AWS-managed key",
    ),
    # --- work pool -----------------------------------------------------------------------
    Arg(
        "work_pool_name",
        Kind.STRING,
        "Prefect work pool the worker polls and the component manages (letters, digits, "
        "``-`` and ``_``; not starting with ``prefect``). Set it per stack when stacks "
        "share a Prefect workspace.",
        default_doc="the component name (with ``ecs-`` in front if it starts with ``prefect``)",
    ),
    Arg(
        "create_work_pool",
        Kind.BOOLEAN,
        "Create and manage the work pool, its job template wired to this stack. When off, "
        "the pool must exist already (the worker never creates it).",
        default=True,
        structural=True,
    ),
    Arg(
        "adopt_existing_work_pool",
        Kind.BOOLEAN,
        "Take over a work pool of the same name that already exists, instead of failing.",
        default=False,
        structural=True,
    ),
    Arg(
        "work_pool_job_variables",
        Kind.JSON_OBJECT,
        "Extra job-variable defaults for the pool's ECS base job template, by variable "
        'name (for example ``{"auto_deregister_task_definition": true}``).',
        default={},
    ),
    # --- network -------------------------------------------------------------------------
    Arg(
        "vpc_id",
        Kind.STRING,
        "VPC for the worker and flow runs; give it together with ``subnet_ids``.",
        default_doc="the default VPC",
    ),
    Arg(
        "subnet_ids",
        Kind.STRING_LIST,
        "Subnets for the worker and flow runs (private subnets with a NAT gateway or VPC "
        "endpoints recommended).",
        default_doc="the default VPC's subnets",
    ),
    Arg(
        "security_group_ids",
        Kind.STRING_LIST,
        "Existing security groups for the worker and flow runs.",
        default_doc="a new egress-only security group",
    ),
    Arg(
        "assign_public_ip",
        Kind.BOOLEAN,
        "Give worker and flow-run tasks a public IP (needed in subnets without NAT).",
        default=False,
    ),
    # --- cluster -------------------------------------------------------------------------
    Arg(
        "cluster_arn",
        Kind.STRING,
        "Existing ECS cluster ARN for the worker and flow runs.",
        default_doc="a new cluster",
    ),
    Arg(
        "container_insights",
        Kind.STRING,
        "Container Insights of a cluster the component creates: ``enabled``, ``enhanced`` "
        "or ``disabled``.",
        default="enabled",
    ),
    # --- the worker ----------------------------------------------------------------------
    Arg(
        "worker_cpu",
        Kind.INTEGER,
        "Worker task CPU units, a Fargate size (256, 512, 1024, ...). 256 (a quarter vCPU) "
        "covers what a burst of 50 flow runs was measured to use (BENCHMARKS.md).",
        default=256,
    ),
    Arg(
        "worker_memory",
        Kind.INTEGER,
        "Worker task memory in MiB, valid for ``worker_cpu`` on Fargate. 512 is about 3x "
        "the worker's measured peak under a burst of flow runs.",
        default=512,
    ),
    Arg(
        "worker_desired_count",
        Kind.INTEGER,
        "Number of worker tasks (0 stops the worker). Two or more run in different "
        "Availability Zones when the subnets span several (the default VPC's do). With "
        "``worker_autoscaling`` the starting count, then the scaling policies' to change.",
        default=1,
    ),
    # --- worker scaling and deployments ---------------------------------------------------
    Arg(
        "worker_autoscaling",
        Kind.BOOLEAN,
        "Scale the worker service between ``worker_min_count`` and ``worker_max_count`` "
        "with Application Auto Scaling target tracking on its average CPU and memory "
        "(what prefect-aws's ``ecs-worker deploy-service`` sets up). A worker mostly polls "
        "and submits, so one or two are usually enough; scaling helps bursts of submissions.",
        default=False,
        structural=True,
    ),
    Arg(
        "worker_min_count",
        Kind.INTEGER,
        "Fewest worker tasks autoscaling keeps (with ``worker_autoscaling``).",
        default=1,
    ),
    Arg(
        "worker_max_count",
        Kind.INTEGER,
        "Most worker tasks autoscaling starts (with ``worker_autoscaling``).",
        default=10,
    ),
    Arg(
        "worker_cpu_target_percent",
        Kind.INTEGER,
        "Average CPU utilization of the worker service autoscaling keeps (with "
        "``worker_autoscaling``), 1..100.",
        default=70,
    ),
    Arg(
        "worker_memory_target_percent",
        Kind.INTEGER,
        "Average memory utilization of the worker service autoscaling keeps (with "
        "``worker_autoscaling``), 1..100.",
        default=80,
    ),
    Arg(
        "worker_deployment_minimum_percent",
        Kind.INTEGER,
        "Worker tasks that must keep running during a deployment, in percent of the "
        "desired count (rounded up), 0..100. 0 lets ECS stop every worker before its "
        "replacement runs.",
        default=100,
    ),
    Arg(
        "worker_deployment_maximum_percent",
        Kind.INTEGER,
        "Worker tasks that may run during a deployment, in percent of the desired count "
        "(rounded down), 100..200.",
        default=200,
    ),
    Arg(
        "worker_image",
        Kind.STRING,
        "Worker image with Prefect and prefect-aws installed, pinned to a version tag or a digest.",
        default=DEFAULT_WORKER_IMAGE,
    ),
    Arg(
        "cpu_architecture",
        Kind.STRING,
        "CPU architecture of the worker task: ``ARM64`` (Graviton, 20% cheaper) or "
        "``X86_64``. The default worker image is published for both; a ``worker_image`` of "
        "your own must be built for this one.",
        default="ARM64",
    ),
    Arg(
        "worker_fargate_spot",
        Kind.BOOLEAN,
        "Run the worker itself on Fargate Spot (the service gets a ``FARGATE_SPOT`` capacity "
        "provider strategy instead of the ``FARGATE`` launch type). Cheaper, but an "
        "interrupted worker polls no flow runs until ECS replaces it (about a minute); "
        "allowed with a warning. With ``cluster_arn`` that cluster must have ``FARGATE_SPOT`` "
        "associated (the component manages the association only of a cluster it creates).",
        default=False,
        structural=True,
    ),
    Arg(
        "worker_environment",
        Kind.STRING_MAP,
        "Extra non-secret environment variables for the worker container (for example "
        '``{"PREFECT_LOGGING_LEVEL": "DEBUG"}``).',
        default={},
    ),
    Arg(
        "worker_secrets",
        Kind.STRING_MAP,
        "Environment variables of the worker container read from Secrets Manager or SSM "
        "Parameter Store at task start (ECS ``secrets``), by name: a secret ARN, optionally "
        "with ``:<json-key>::``, or a parameter ARN. The worker execution role may read "
        "exactly these.",
        default={},
    ),
    Arg(
        "enable_execute_command",
        Kind.BOOLEAN,
        "Allow ECS Exec into the worker container.",
        default=False,
    ),
    Arg(
        "log_retention_days",
        Kind.INTEGER,
        "CloudWatch Logs retention of the worker and flow-run log groups, in days (1, 3, "
        "5, 7, 14, 30, 60, 90, ...).",
        default=30,
    ),
    # --- flow runs -----------------------------------------------------------------------
    Arg(
        "flow_run_cpu",
        Kind.INTEGER,
        "Default CPU units of flow-run tasks (the work pool's default).",
        default=1024,
    ),
    Arg(
        "flow_run_memory",
        Kind.INTEGER,
        "Default memory in MiB of flow-run tasks (the work pool's default).",
        default=2048,
    ),
    Arg(
        "flow_run_cpu_architecture",
        Kind.STRING,
        "CPU architecture of flow-run tasks (the pool's task definition ``runtimePlatform``): "
        "``X86_64`` or ``ARM64`` (Graviton, cheaper; flow images must be built for it).",
        default="X86_64",
    ),
    Arg(
        "flow_run_fargate_spot",
        Kind.BOOLEAN,
        "Run flow runs on Fargate Spot: the pool's template uses a ``FARGATE_SPOT`` capacity "
        "provider strategy (no launch type) and sets "
        "``PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR=reschedule``, so a run interrupted by "
        "Spot is rescheduled, not crashed. With ``cluster_arn`` that cluster must have "
        "``FARGATE_SPOT`` associated. A deployment may still choose ``FARGATE`` with its "
        "``capacity_provider_strategy`` job variable.",
        default=False,
        structural=True,
    ),
    Arg(
        "flow_run_task_role_arn",
        Kind.STRING,
        "Existing IAM role for flow-run code (the flow-run tasks' task role), instead of "
        "a new one. Its trust policy must allow ``ecs-tasks.amazonaws.com``.",
        default_doc="a new role with no permissions",
    ),
    Arg(
        "flow_run_task_role_policy_arns",
        Kind.STRING_LIST,
        "Managed policy ARNs attached to the flow-run task role created by the component "
        "(the AWS permissions of your flow code).",
        default=[],
    ),
    Arg(
        "flow_run_max_cpu",
        Kind.INTEGER,
        "Largest CPU units a flow run may ask for (a deployment's ``cpu`` job variable): "
        "the worker role may register and run no task above it (IAM conditions on "
        "``ecs:task-cpu``), a cost guardrail.",
        default=4096,
    ),
    Arg(
        "flow_run_max_memory",
        Kind.INTEGER,
        "Largest memory in MiB a flow run may ask for (IAM conditions on "
        "``ecs:task-memory``), like ``flow_run_max_cpu``.",
        default=30720,
    ),
    Arg(
        "flow_run_image_repository_arns",
        Kind.STRING_LIST,
        "ECR repository ARNs flow-run images are pulled from (the flow-run execution "
        "role may pull only from these); an empty list when every image is public.",
        default_doc="every ECR repository of this account and region",
    ),
    Arg(
        "flow_run_secrets",
        Kind.STRING_MAP,
        "Environment variables of flow-run containers read from Secrets Manager or SSM "
        "Parameter Store (ECS ``secrets`` in the pool's task definition), like "
        "``worker_secrets``; the flow-run execution role may read exactly these.",
        default={},
    ),
    Arg(
        "secrets_kms_key_arns",
        Kind.STRING_LIST,
        "Customer-managed KMS keys that encrypt the secrets and parameters of "
        "``worker_secrets`` / ``flow_run_secrets``: the execution roles that read them may "
        "decrypt with these keys through Secrets Manager or SSM only.",
        default_doc="none (values encrypted with the AWS-managed keys need no KMS grant)",
    ),
    # --- EC2 capacity for flow runs ------------------------------------------------------
    Arg(
        "flow_run_ec2_capacity",
        Kind.BOOLEAN,
        "Add EC2 capacity for flow runs: an auto scaling group of ECS-optimized instances "
        "(Amazon Linux 2023, the AMI of ``flow_run_cpu_architecture``) in the stack's "
        "subnets and security groups, with a least-privilege instance role, and an ECS "
        "capacity provider with managed scaling and termination protection that the pool's "
        "template uses. Only for a cluster the component creates. Flow-run tasks on EC2 get "
        "no public IP: the subnets need NAT or VPC endpoints.",
        default=False,
        structural=True,
    ),
    Arg(
        "flow_run_ec2_instance_type",
        Kind.STRING,
        "EC2 instance type of the flow-run instances (with ``flow_run_ec2_capacity``); its "
        "architecture must be ``flow_run_cpu_architecture`` (Graviton types such as "
        "``m7g.large`` are ARM64) and a flow run of ``flow_run_cpu`` / ``flow_run_memory`` "
        "must fit on one instance.",
        default_doc="``m6i.large`` for X86_64, ``m6g.large`` for ARM64",
    ),
    Arg(
        "flow_run_ec2_min_size",
        Kind.INTEGER,
        "Fewest flow-run instances (with ``flow_run_ec2_capacity``); 0 lets the group "
        "scale to zero when no flow run needs it.",
        default=0,
    ),
    Arg(
        "flow_run_ec2_max_size",
        Kind.INTEGER,
        "Most flow-run instances managed scaling may start (with "
        "``flow_run_ec2_capacity``), a cost guardrail.",
        default=4,
    ),
    Arg(
        "flow_run_ec2_target_capacity_percent",
        Kind.INTEGER,
        "How full managed scaling keeps the flow-run instances, 1..100 (with "
        "``flow_run_ec2_capacity``): 100 starts an instance only when tasks need one; "
        "less keeps spare room so flow runs start without waiting for an instance.",
        default=100,
    ),
    # --- crash observer and alarms -------------------------------------------------------
    Arg(
        "crash_observer",
        Kind.BOOLEAN,
        "Detect crashed flow runs: an SQS queue fed by an EventBridge rule with the "
        "cluster's ECS task state changes, read by the worker's observer, which marks a "
        "flow run Crashed when its task stops with an error or never starts. When off, "
        "such runs stay Pending or Running until someone cancels them.",
        default=True,
        structural=True,
    ),
    Arg(
        "observer_kms_key_arn",
        Kind.STRING,
        "Customer-managed KMS key that encrypts the observer's queues. Its key policy must "
        "let ``events.amazonaws.com`` use ``kms:GenerateDataKey`` and ``kms:Decrypt``.",
        default_doc="SQS-managed encryption (SSE-SQS)",
    ),
    Arg(
        "alarm_topic_arn",
        Kind.STRING,
        "SNS topic ARN the alarms notify (dead-lettered events, observer behind, fewer "
        "worker tasks running than desired).",
        default_doc="alarms without notifications (state visible in CloudWatch)",
    ),
    # --- the guide's remaining steps, as local commands -----------------------------------
    Arg(
        "readiness_gate",
        Kind.BOOLEAN,
        "Make ``pulumi up`` wait until the worker service is stable and the work pool shows "
        "an ONLINE worker (a local command), failing with a diagnosis when it does not.",
        default=True,
        structural=True,
    ),
    Arg(
        "readiness_timeout_seconds",
        Kind.INTEGER,
        "How long the readiness gate waits before it fails with what it saw.",
        default=600,
    ),
    Arg(
        "drain_on_destroy",
        Kind.BOOLEAN,
        "At ``pulumi destroy``, pause the pool and stop the pool's running flow-run tasks "
        "before the cluster is deleted (ECS refuses to delete a cluster with running "
        "tasks). Only for a cluster the component creates. A pool the stack does not "
        "create is never paused: the stack's worker service is scaled to zero instead.",
        default=True,
        structural=True,
    ),
    Arg(
        "flow_image_repository",
        Kind.BOOLEAN,
        "Create an ECR repository for flow images (immutable tags, scan on push, a "
        "lifecycle policy); the flow-run execution role may pull from it.",
        default=False,
        structural=True,
    ),
    Arg(
        "flow_image_keep_count",
        Kind.INTEGER,
        "How many flow images the repository keeps (older ones expire).",
        default=30,
    ),
    Arg(
        "flows_directory",
        Kind.STRING,
        "A directory with a prefect.yaml whose deployments ``pulumi up`` delivers "
        "(``prefect deploy --all`` with the pool and repository passed in), again when its "
        "files change, and removes at destroy.",
        default_doc="no flow delivery",
    ),
    Arg(
        "flows_skip_image_build",
        Kind.BOOLEAN,
        "Deliver the flows without building and pushing their image (no Docker daemon).",
        default=False,
    ),
    Arg(
        "smoke_run_deployment",
        Kind.STRING,
        "A delivered deployment (``<flow>/<deployment>``) to run once after delivery, "
        "waiting for Completed.",
        default_doc="no smoke run",
    ),
    # --- everything ----------------------------------------------------------------------
    Arg(
        "tags",
        Kind.STRING_MAP,
        'Tags for every AWS resource the component creates (for example ``{"team": "data"}``).',
        default={},
    ),
)

ARGS_BY_NAME: dict[str, Arg] = {arg.name: arg for arg in ARGS}

#: Defaults of the arguments that have one (copies: safe to mutate).
DEFAULTS: dict[str, Any] = {a.name: a.default_value() for a in ARGS if a.default is not None}
