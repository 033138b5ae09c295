"""EC2 capacity for flow runs, as plain values (pure): the ECS-optimized AMI, the instance
types the stack knows, the container agent's configuration, the instance role's policy,
and the auto scaling group's tags.

Facts from AWS:

- The ECS-optimized Amazon Linux 2023 AMI is published as public SSM parameters, one per
  architecture (:data:`ECS_OPTIMIZED_AMI_PARAMETERS`). The launch template names the
  parameter (``resolve:ssm:<parameter>``) instead of an AMI id: EC2 resolves it at each
  launch, so new instances get the current AMI, the plan needs no data source call and
  does not change each time AWS publishes an AMI.
- What the ECS container agent calls (the managed policy AmazonEC2ContainerServiceforEC2Role
  grants it on ``*``), with the resources the service authorization reference allows:
  RegisterContainerInstance, DeregisterContainerInstance and the Submit*StateChange(s)
  actions take the cluster ARN; Poll and StartTelemetrySession take container-instance
  ARNs and the ``ecs:cluster`` key; DiscoverPollEndpoint takes no resource. Image pulls
  from ECR and awslogs use the task's execution role (every flow run has one: the pool's
  template sets it; ``ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE`` in the agent's
  configuration), so the instance role gets neither ECR nor logs permissions.
- Managed scaling needs the ``AmazonECSManaged`` tag on the group (ECS adds it; declaring
  it keeps Pulumi from removing it); managed termination protection needs the group's
  scale-in protection on.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from .iam import Document, Statement, document

__all__ = [
    "DEFAULT_INSTANCE_TYPES",
    "ECS_OPTIMIZED_AMI_PARAMETERS",
    "INSTANCE_SIZES",
    "InstanceSize",
    "ami_image_id",
    "auto_scaling_group_tags",
    "container_instance_policy",
    "default_instance_type",
    "ec2_trust_policy",
    "fit_problems",
    "instance_architecture",
    "instance_size",
    "provider_name_problem",
    "user_data",
    "user_data_base64",
]

EC2_SERVICE = "ec2.amazonaws.com"

#: Public SSM parameters holding the current ECS-optimized Amazon Linux 2023 AMI id.
ECS_OPTIMIZED_AMI_PARAMETERS = {
    "X86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    "ARM64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
}

#: The instance type used when ``flow_run_ec2_instance_type`` is not given: general
#: purpose, 2 vCPUs and 8 GiB, fits two default flow runs (1 vCPU, 2 GiB); 6th
#: generation for the widest regional availability.
DEFAULT_INSTANCE_TYPES = {"X86_64": "m6i.large", "ARM64": "m6g.large"}

#: The tag ECS puts on an auto scaling group a capacity provider with managed scaling uses.
ECS_MANAGED_TAG = "AmazonECSManaged"

#: The share of an instance's memory assumed free for tasks: the kernel and the agent
#: keep the rest (an m4.large's 8192 MiB register as 7985; AWS Batch advises a 5% buffer).
USABLE_MEMORY_FRACTION = 0.9

#: Words capacity provider names must not start with (CreateCapacityProvider).
RESERVED_PROVIDER_PREFIXES = ("aws", "ecs", "fargate")


@dataclass(frozen=True)
class InstanceSize:
    """What an instance type offers tasks: vCPUs and memory."""

    vcpus: int
    memory_mib: int

    @property
    def cpu_units(self) -> int:
        return self.vcpus * 1024

    @property
    def usable_memory_mib(self) -> int:
        return int(self.memory_mib * USABLE_MEMORY_FRACTION)


# Families by memory per vCPU (GiB): compute 2, general purpose 4, memory 8.
_FAMILIES: dict[int, tuple[str, ...]] = {
    2: ("c5", "c6i", "c7i", "c6a", "c7a", "c6g", "c7g", "c8g"),
    4: ("m5", "m6i", "m7i", "m6a", "m7a", "m6g", "m7g", "m8g"),
    8: ("r5", "r6i", "r7i", "r6a", "r7a", "r6g", "r7g", "r8g"),
}
_SIZES = {"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48}
# Burstable families: vCPUs and GiB per size.
_BURSTABLE = {
    "micro": (2, 1),
    "small": (2, 2),
    "medium": (2, 4),
    "large": (2, 8),
    "xlarge": (4, 16),
    "2xlarge": (8, 32),
}


def _table() -> dict[str, InstanceSize]:
    table: dict[str, InstanceSize] = {}
    for gib_per_vcpu, families in _FAMILIES.items():
        for family in families:
            sizes = dict(_SIZES)
            if family.endswith(("g", "7a")):  # Graviton and 7th-gen AMD have a medium
                sizes["medium"] = 1
            for size, vcpus in sizes.items():
                table[f"{family}.{size}"] = InstanceSize(vcpus, vcpus * gib_per_vcpu * 1024)
    for family in ("t3", "t3a", "t4g"):
        for size, (vcpus, gib) in _BURSTABLE.items():
            table[f"{family}.{size}"] = InstanceSize(vcpus, gib * 1024)
    return table


#: Instance types whose size the stack knows (others are accepted with a warning).
INSTANCE_SIZES: dict[str, InstanceSize] = _table()

# Graviton families carry a ``g`` right after the generation digit (m7g, c6gn, t4g, r8gd,
# im4gn, is4gen, g5g); a1 is the first Graviton.
_GRAVITON_FAMILY = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)$")
INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")


def instance_architecture(instance_type: str) -> str:
    """``ARM64`` for Graviton instance types, else ``X86_64`` (by the family's name)."""
    family = instance_type.split(".", 1)[0]
    return "ARM64" if _GRAVITON_FAMILY.match(family) else "X86_64"


def instance_size(instance_type: str) -> InstanceSize | None:
    """The vCPUs and memory of ``instance_type``, or None when the stack does not know it."""
    return INSTANCE_SIZES.get(instance_type)


def default_instance_type(architecture: str) -> str:
    """The instance type used for ``architecture`` when none is given."""
    return DEFAULT_INSTANCE_TYPES.get(architecture, DEFAULT_INSTANCE_TYPES["X86_64"])


def ami_image_id(architecture: str) -> str:
    """The launch template's ``image_id``: the ECS-optimized AMI's SSM parameter, resolved
    by EC2 at each launch."""
    return f"resolve:ssm:{ECS_OPTIMIZED_AMI_PARAMETERS[architecture]}"


def fit_problems(*, cpu: int, memory: int, instance_type: str) -> tuple[str | None, str | None]:
    """``(error, warning)`` about a task of ``cpu`` units and ``memory`` MiB on one
    instance of ``instance_type`` (both None when it fits or the type is unknown)."""
    size = instance_size(instance_type)
    if size is None:
        return None, None
    if cpu > size.cpu_units or memory > size.memory_mib:
        return (
            f"a flow run of {cpu} CPU units and {memory} MiB does not fit on a "
            f"{instance_type} ({size.cpu_units} CPU units, {size.memory_mib} MiB)",
            None,
        )
    if memory > size.usable_memory_mib:
        return None, (
            f"a flow run of {memory} MiB may not fit on a {instance_type}: of its "
            f"{size.memory_mib} MiB the kernel and the ECS agent keep some (about "
            f"{size.usable_memory_mib} MiB are left for tasks)"
        )
    return None, None


def provider_name_problem(component_name: str) -> str | None:
    """Why a capacity provider named after ``component_name`` would be refused, or None."""
    lowered = component_name.lower()
    for prefix in RESERVED_PROVIDER_PREFIXES:
        if lowered.startswith(prefix):
            return (
                f"{component_name!r} names the EC2 capacity provider, and AWS refuses "
                f"capacity provider names that start with {prefix!r}; rename the "
                "component or turn flow_run_ec2_capacity off"
            )
    return None


def user_data(cluster_name: str) -> str:
    """The instance's user data: the container agent's configuration.

    The agent joins ``cluster_name``; flow-run tasks (awsvpc) can't reach the instance
    metadata service, so they can't take the instance role's credentials; awslogs uses
    each task's execution role.
    """
    config = "\n".join(
        [
            f"ECS_CLUSTER={cluster_name}",
            "ECS_AWSVPC_BLOCK_IMDS=true",
            "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true",
        ]
    )
    return f"#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\n{config}\nEOF\n"


def user_data_base64(cluster_name: str) -> str:
    """:func:`user_data`, base64-encoded as launch templates take it."""
    return base64.b64encode(user_data(cluster_name).encode()).decode()


def ec2_trust_policy() -> Document:
    """Trust for EC2 (the instance profile's role)."""
    return document(
        {
            "Sid": "Ec2Instances",
            "Effect": "Allow",
            "Principal": {"Service": EC2_SERVICE},
            "Action": "sts:AssumeRole",
        }
    )


def container_instance_policy(
    *, partition: str, region: str, account_id: str, cluster_arn: str, cluster_name: str
) -> Document:
    """What the ECS container agent on an instance calls, in this cluster only."""
    instances = f"arn:{partition}:ecs:{region}:{account_id}:container-instance/{cluster_name}/*"
    statements: list[Statement] = [
        {
            "Sid": "JoinCluster",
            "Effect": "Allow",
            "Action": [
                "ecs:RegisterContainerInstance",
                "ecs:DeregisterContainerInstance",
                "ecs:SubmitContainerStateChange",
                "ecs:SubmitTaskStateChange",
                "ecs:SubmitAttachmentStateChanges",
            ],
            "Resource": cluster_arn,
        },
        {
            "Sid": "PollAsContainerInstance",
            "Effect": "Allow",
            "Action": ["ecs:Poll", "ecs:StartTelemetrySession"],
            "Resource": instances,
            "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
        },
        {
            # The only action on "*": AWS offers no resource for it.
            "Sid": "FindPollEndpoint",
            "Effect": "Allow",
            "Action": "ecs:DiscoverPollEndpoint",
            "Resource": "*",
        },
    ]
    return document(*statements)


def auto_scaling_group_tags(tags: dict[str, str], name: str) -> list[dict[str, Any]]:
    """The group's tags, each put on its instances too: the stack's, ``Name``, and the
    tag managed scaling needs."""
    every = {**tags, "Name": name, ECS_MANAGED_TAG: "true"}
    return [
        {"key": key, "value": value, "propagate_at_launch": True}
        for key, value in sorted(every.items())
    ]
