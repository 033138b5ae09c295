"""The EC2 capacity for flow runs (``flow_run_ec2_capacity``): the instance type against
the flow runs' architecture and size, the group's sizes, managed scaling's target, and
the cluster it needs. Every rule is silent while the option is off."""

from __future__ import annotations

from collections.abc import Iterator

from ..documents.ec2_capacity import (
    INSTANCE_TYPE,
    default_instance_type,
    fit_problems,
    instance_architecture,
    instance_size,
)
from ..validation import ConfigWarning, Problem, RuleInput, _is_int
from ._registry import rule

ON = "flow_run_ec2_capacity"
TYPE = "flow_run_ec2_instance_type"


def _instance_type(v: RuleInput) -> str | None:
    """The instance type the stack uses: the given one, else the architecture's default."""
    given = v[TYPE]
    if given is not None:
        return given if isinstance(given, str) else None
    arch = v["flow_run_cpu_architecture"] or "X86_64"
    return default_instance_type(arch) if isinstance(arch, str) else None


@rule(ON, TYPE, "flow_run_cpu_architecture")
def ec2_instance_type(v: RuleInput) -> Iterator[Problem]:
    if v[ON] is not True:
        return
    instance_type = _instance_type(v)
    if instance_type is None:
        return
    if not INSTANCE_TYPE.match(instance_type):
        yield (TYPE, f"{instance_type!r} is not an EC2 instance type such as m6i.large")
        return
    arch = v["flow_run_cpu_architecture"] or "X86_64"
    built_for = instance_architecture(instance_type)
    if arch in ("X86_64", "ARM64") and built_for != arch:
        yield (
            TYPE,
            f"{instance_type} is {built_for} but {v.label('flow_run_cpu_architecture')} is {arch}: flow "
            f"runs could never be placed on it; use a {arch} type (for example "
            f"{default_instance_type(arch)}) or set {v.label('flow_run_cpu_architecture')} to {built_for}",
        )
    if instance_size(instance_type) is None:
        yield ConfigWarning(
            TYPE,
            f"{instance_type} is not in the table of instance sizes this stack knows, so "
            f"it can't check that flow runs fit on it; make sure {v.label('flow_run_cpu')} "
            f"and {v.label('flow_run_memory')} do",
        )


@rule(ON, TYPE, "flow_run_cpu_architecture", "flow_run_cpu", "flow_run_memory")
def ec2_flow_run_fits(v: RuleInput) -> Iterator[Problem]:
    cpu, memory = v["flow_run_cpu"], v["flow_run_memory"]
    instance_type = _instance_type(v)
    if v[ON] is not True or instance_type is None or not (_is_int(cpu) and _is_int(memory)):
        return
    error, warning = fit_problems(cpu=cpu, memory=memory, instance_type=instance_type)
    if error:
        yield (
            "flow_run_cpu",
            f"{error}: it would wait for capacity forever; choose a larger "
            f"{v.label(TYPE)} or smaller {v.label('flow_run_cpu')} / "
            f"{v.label('flow_run_memory')}",
        )
    elif warning:
        yield ConfigWarning("flow_run_memory", warning)


@rule(ON, TYPE, "flow_run_cpu_architecture", "flow_run_max_cpu", "flow_run_max_memory")
def ec2_largest_flow_run_fits(v: RuleInput) -> Iterator[Problem]:
    cpu, memory = v["flow_run_max_cpu"], v["flow_run_max_memory"]
    instance_type = _instance_type(v)
    if v[ON] is not True or instance_type is None or not (_is_int(cpu) and _is_int(memory)):
        return
    if not (v.given("flow_run_max_cpu") or v.given("flow_run_max_memory")):
        return  # the defaults are Fargate's largest guardrail, not a choice to warn about
    error, _ = fit_problems(cpu=cpu, memory=memory, instance_type=instance_type)
    if error:
        yield ConfigWarning(
            "flow_run_max_cpu",
            f"the largest flow run allowed does not fit on the EC2 capacity ({error}); a "
            "deployment asking for that much must choose Fargate with its "
            "capacity_provider_strategy job variable",
        )


@rule(ON, "flow_run_ec2_min_size", "flow_run_ec2_max_size")
def ec2_group_sizes(v: RuleInput) -> Iterator[Problem]:
    low, high = v["flow_run_ec2_min_size"], v["flow_run_ec2_max_size"]
    if v[ON] is not True or not (_is_int(low) and _is_int(high)):
        return
    if low < 0:
        yield ("flow_run_ec2_min_size", f"must be 0 or more, got {low}")
    if high < 1:
        yield ("flow_run_ec2_max_size", f"must be at least 1, got {high}: no flow run could run")
    elif low > high:
        yield (
            "flow_run_ec2_min_size",
            f"{low} is more than {v.label('flow_run_ec2_max_size')} {high}; lower it or "
            "raise the maximum",
        )


@rule(ON, "flow_run_ec2_target_capacity_percent")
def ec2_target_capacity(v: RuleInput) -> Iterator[Problem]:
    target = v["flow_run_ec2_target_capacity_percent"]
    if v[ON] is True and _is_int(target) and not 1 <= target <= 100:
        yield (
            "flow_run_ec2_target_capacity_percent",
            f"must be 1..100 (ECS managed scaling's target capacity), got {target}",
        )


@rule(ON)
def ec2_capacity_needs_own_cluster(v: RuleInput) -> Iterator[Problem]:
    if v[ON] is True and v.given("cluster_arn"):
        yield (
            ON,
            "needs a cluster the component creates: the capacity provider must be associated "
            "with the cluster, and the association lists every provider of the cluster, so "
            f"the component can't own it for a given cluster; remove {v.label('cluster_arn')} "
            "or turn this off",
        )


@rule(ON, "assign_public_ip")
def ec2_flow_runs_get_no_public_ip(v: RuleInput) -> Iterator[Problem]:
    if v[ON] is True and v["assign_public_ip"] is True:
        yield ConfigWarning(
            "assign_public_ip",
            "flow-run tasks placed on EC2 instances get no public IP (awsvpc tasks on EC2 "
            "never do), only the instances themselves: without NAT or VPC endpoints in the "
            "subnets those flow runs can't pull images or reach Prefect",
        )
