"""Child resource names and the AWS limits they must fit (pure).

Every child of the component is named ``<component name><suffix>``; the suffixes live
here, once, and the concern modules take them from here. Pulumi auto-names a resource
``<logical name>-<7 random characters>``, so the physical name is 8 characters longer
than the logical one. A component name that would push a physical name over its AWS
limit is refused at construction, naming the longest that fits, instead of failing at
``pulumi up``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AUTONAME_SUFFIX_LENGTH",
    "LIMITS",
    "NameLimit",
    "Suffix",
    "longest_component_name",
    "name_length_problem",
]

#: ``-`` plus 7 random characters, appended by Pulumi's default auto-naming.
AUTONAME_SUFFIX_LENGTH = 8


class Suffix:
    """Logical-name suffixes of the component's children (``<name><suffix>``)."""

    CLUSTER = ""
    SECURITY_GROUP = "-tasks"
    SECRET = "-api-credential"
    WORKER_LOGS = "-worker"
    FLOW_RUN_LOGS = "-flow-runs"
    WORKER_EXECUTION_ROLE = "-worker-execution"
    WORKER_TASK_ROLE = "-worker-task"
    FLOW_RUN_EXECUTION_ROLE = "-flow-run-execution"
    FLOW_RUN_TASK_ROLE = "-flow-run-task"
    WORKER_EXECUTION_POLICY = "-worker-execution-secret"
    WORKER_TASK_POLICY = "-worker-task"
    FLOW_RUN_EXECUTION_POLICY = "-flow-run-execution"
    TASK_DEFINITION = "-worker"
    SERVICE = "-worker"
    WORK_POOL = "-work-pool"
    OBSERVER_QUEUE = "-observer"
    OBSERVER_DEAD_LETTER_QUEUE = "-observer-dlq"
    OBSERVER_QUEUE_POLICY = "-observer"
    OBSERVER_RULE = "-observer"
    OBSERVER_TARGET = "-observer"
    DEAD_LETTER_ALARM = "-observer-dead-letters"
    OBSERVER_BEHIND_ALARM = "-observer-behind"
    WORKER_RUNNING_ALARM = "-worker-running"
    FLOW_IMAGES = "-flow-images"
    READINESS_GATE = "-worker-ready"
    DRAIN = "-drain"
    FLOW_DELIVERY = "-flows"
    CAPACITY_PROVIDERS = "-capacity-providers"
    EC2_INSTANCE_ROLE = "-ec2-instance"
    EC2_INSTANCE_POLICY = "-ec2-instance"
    EC2_INSTANCE_PROFILE = "-ec2-instance"
    EC2_LAUNCH_TEMPLATE = "-flow-runs-ec2"
    EC2_AUTO_SCALING_GROUP = "-flow-runs-ec2"
    EC2_CAPACITY_PROVIDER = "-flow-runs-ec2"
    SCALING_TARGET = "-worker"
    CPU_SCALING_POLICY = "-worker-cpu"
    MEMORY_SCALING_POLICY = "-worker-memory"


@dataclass(frozen=True)
class NameLimit:
    """Auto-named children of one AWS type and the longest physical name AWS accepts."""

    what: str
    limit: int
    suffixes: tuple[str, ...]

    def longest_component_name(self) -> int:
        """The longest component name whose children of this type all fit."""
        return self.limit - AUTONAME_SUFFIX_LENGTH - max(len(s) for s in self.suffixes)


LIMITS: tuple[NameLimit, ...] = (
    NameLimit(
        "IAM role",
        64,
        (
            Suffix.WORKER_EXECUTION_ROLE,
            Suffix.WORKER_TASK_ROLE,
            Suffix.FLOW_RUN_EXECUTION_ROLE,
            Suffix.FLOW_RUN_TASK_ROLE,
            Suffix.EC2_INSTANCE_ROLE,
        ),
    ),
    NameLimit(
        "IAM role policy",
        128,
        (
            Suffix.WORKER_EXECUTION_POLICY,
            Suffix.WORKER_TASK_POLICY,
            Suffix.FLOW_RUN_EXECUTION_POLICY,
            Suffix.EC2_INSTANCE_POLICY,
        ),
    ),
    NameLimit("SQS queue", 80, (Suffix.OBSERVER_QUEUE, Suffix.OBSERVER_DEAD_LETTER_QUEUE)),
    NameLimit("EventBridge rule", 64, (Suffix.OBSERVER_RULE,)),
    NameLimit(
        "CloudWatch alarm",
        255,
        (Suffix.DEAD_LETTER_ALARM, Suffix.OBSERVER_BEHIND_ALARM, Suffix.WORKER_RUNNING_ALARM),
    ),
    NameLimit("ECS cluster", 255, (Suffix.CLUSTER,)),
    NameLimit("ECS service", 255, (Suffix.SERVICE,)),
    NameLimit(
        "Application Auto Scaling policy",
        255,
        (Suffix.CPU_SCALING_POLICY, Suffix.MEMORY_SCALING_POLICY),
    ),
    NameLimit("security group", 255, (Suffix.SECURITY_GROUP,)),
    NameLimit("IAM instance profile", 128, (Suffix.EC2_INSTANCE_PROFILE,)),
    NameLimit("EC2 launch template", 128, (Suffix.EC2_LAUNCH_TEMPLATE,)),
    NameLimit("auto scaling group", 255, (Suffix.EC2_AUTO_SCALING_GROUP,)),
    NameLimit("ECS capacity provider", 255, (Suffix.EC2_CAPACITY_PROVIDER,)),
)


def longest_component_name() -> int:
    """The longest component name for which every auto-named child fits its limit."""
    return min(limit.longest_component_name() for limit in LIMITS)


def name_length_problem(name: str) -> str | None:
    """Why ``name`` is too long for the children's AWS names, or None."""
    for limit in LIMITS:
        if len(name) > limit.longest_component_name():
            longest = max(limit.suffixes, key=len)
            physical = len(name) + len(longest) + AUTONAME_SUFFIX_LENGTH
            return (
                f"{name!r} ({len(name)} characters) makes the {limit.what} name "
                f"'{name}{longest}-<7 random>' {physical} characters, over AWS's "
                f"{limit.limit}; use a component name of at most "
                f"{longest_component_name()} characters"
            )
    return None
