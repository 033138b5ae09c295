"""Where flow runs and the worker run: the flow runs' architecture, Fargate Spot for flow
runs and for the worker, and the pool's ``launch_type`` / ``capacity_provider_strategy``
job variables against the stack's choice (the EC2 capacity's own rules are in
:mod:`.ec2_capacity`, including its refusal of ``cluster_arn``).

What AWS offers (:mod:`prefect_ecs.documents.capacity`): a strategy holds Fargate
providers or Auto Scaling group providers, never both; RunTask takes a launch type or a
strategy, never both; only providers associated with the cluster can be used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..documents.capacity import FARGATE, FARGATE_PROVIDERS, FARGATE_SPOT, SIGTERM_BEHAVIOR_ENV
from ..validation import ConfigWarning, Problem, RuleInput
from ._registry import rule

__all__ = ["FLOW_RUN_ARCHITECTURES"]

FLOW_RUN_ARCHITECTURES = ("X86_64", "ARM64")
SPOT = "flow_run_fargate_spot"
WORKER_SPOT = "worker_fargate_spot"
EC2 = "flow_run_ec2_capacity"
ARCH = "flow_run_cpu_architecture"
VARIABLES = "work_pool_job_variables"


@rule(ARCH)
def flow_run_architecture(v: RuleInput) -> Iterator[Problem]:
    arch = v[ARCH]
    if arch is not None and arch not in FLOW_RUN_ARCHITECTURES:
        yield (ARCH, f"{arch!r} is not one of {', '.join(FLOW_RUN_ARCHITECTURES)}")


@rule(SPOT, EC2)
def spot_or_ec2(v: RuleInput) -> Iterator[Problem]:
    if v[SPOT] is True and v[EC2] is True:
        yield (
            SPOT,
            f"can't be on together with {v.label(EC2)}: an ECS capacity provider strategy "
            "holds either Fargate providers or Auto Scaling group providers, never both; "
            "choose one",
        )


@rule(SPOT, ARCH, "create_work_pool")
def flow_run_options_need_the_pool(v: RuleInput) -> Iterator[Problem]:
    if v["create_work_pool"] is not False:
        return
    if v[SPOT] is True:
        yield (
            SPOT,
            f"sets the pool's template, which the stack does not manage when "
            f"{v.label('create_work_pool')} is off; set capacity_provider_strategy "
            f"[{{capacityProvider: {FARGATE_SPOT}}}] and env {SIGTERM_BEHAVIOR_ENV}=reschedule "
            "in that pool instead, or let the stack create it",
        )
    if v.given(ARCH) and v[ARCH] not in (None, "X86_64"):
        yield (
            ARCH,
            f"sets the pool's task definition, which the stack does not manage when "
            f"{v.label('create_work_pool')} is off; set it in that pool instead",
        )


@rule(WORKER_SPOT)
def worker_on_spot(v: RuleInput) -> Iterator[Problem]:
    if v[WORKER_SPOT] is True:
        yield ConfigWarning(
            WORKER_SPOT,
            "the worker runs on Fargate Spot: when AWS reclaims the capacity (two minutes' "
            "notice), no worker polls the pool until ECS has started a replacement, about a "
            "minute or more, and flow runs wait; run two workers or leave the worker "
            "on-demand (flow runs can be on Spot with "
            f"{v.label(SPOT)})",
        )


def _providers(strategy: Any) -> list[str] | None:
    if not isinstance(strategy, list) or not all(isinstance(i, Mapping) for i in strategy):
        return None
    return [str(i.get("capacityProvider")) for i in strategy]


@rule(VARIABLES, "create_work_pool", SPOT, EC2, WORKER_SPOT)
def job_variables_placement(v: RuleInput) -> Iterator[Problem]:
    """``launch_type`` / ``capacity_provider_strategy`` in ``work_pool_job_variables``:
    not against the stack's strategy, nor a way around its options."""
    variables = v[VARIABLES]
    if v["create_work_pool"] is False or not isinstance(variables, Mapping):
        return
    chosen = [k for k in ("launch_type", "capacity_provider_strategy") if k in variables]
    if not chosen:
        return
    options = [f for f in (SPOT, EC2) if v[f] is True]
    if options:
        yield (
            VARIABLES,
            f"{' and '.join(chosen)} can't be set: {' and '.join(v.label(f) for f in options)} "
            "decides where flow runs run (the pool's capacity provider strategy, with no "
            "launch type); a deployment may still choose its own",
        )
        return
    launch_type = variables.get("launch_type")
    strategy = variables.get("capacity_provider_strategy")
    own_cluster = not v.given("cluster_arn")
    if launch_type is not None and strategy is not None:
        yield (
            VARIABLES,
            "give launch_type or capacity_provider_strategy, not both: ECS's RunTask takes one "
            "(prefect-aws drops the launch type when a strategy is given)",
        )
        return
    if launch_type == FARGATE_SPOT or FARGATE_SPOT in (_providers(strategy) or []):
        yield (
            VARIABLES,
            f"run flow runs on Fargate Spot with {v.label(SPOT)} instead: it also sets "
            f"{SIGTERM_BEHAVIOR_ENV}=reschedule, so an interrupted run is rescheduled, not "
            "crashed" + ("" if own_cluster else ", and it works with the given cluster"),
        )
        return
    elif launch_type == "EC2" and own_cluster:
        yield (
            VARIABLES,
            f"launch_type EC2: the cluster the stack creates has no EC2 instances; use "
            f"{v.label(EC2)}",
        )
    elif launch_type not in (None, FARGATE, "EC2", FARGATE_SPOT):
        yield (VARIABLES, f"launch_type {launch_type!r} is not one the stack supports")
    providers = _providers(strategy)
    if strategy is None:
        return
    if not providers:
        yield (
            VARIABLES,
            "capacity_provider_strategy must be a non-empty list of "
            "{capacityProvider, weight, base} objects",
        )
        return
    fargate = [p in FARGATE_PROVIDERS for p in providers]
    if any(fargate) and not all(fargate):
        yield (
            VARIABLES,
            "capacity_provider_strategy mixes Fargate and Auto Scaling group providers, "
            "which ECS does not allow",
        )
    elif own_cluster and not (all(fargate) and v[WORKER_SPOT] is True):
        yield (
            VARIABLES,
            f"capacity_provider_strategy names {', '.join(providers)}: the cluster the stack "
            "creates has no capacity providers associated unless "
            f"{v.label(SPOT)} or {v.label(EC2)} is on; use those",
        )
