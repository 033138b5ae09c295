"""Where flow runs and the worker run: capacity providers and strategies (pure).

AWS's rules (CapacityProviderStrategyItem, PutClusterCapacityProviders, RunTask API
references):

- A capacity provider can be used in a strategy only once it is associated with the
  cluster; ``FARGATE`` and ``FARGATE_SPOT`` exist in every account and need only the
  association.
- A strategy holds either Fargate providers or Auto Scaling group providers, never both.
- RunTask takes ``launchType`` or ``capacityProviderStrategy``, never both.
- ``FARGATE_SPOT`` runs Linux tasks, X86_64 on platform version 1.3.0 or later and ARM64
  on 1.4.0 or later.

How prefect-aws 0.7.12 builds the RunTask request from the pool's template
(``ECSWorker._prepare_task_run_request``): it drops ``launchType`` whenever the rendered
request has a ``capacityProviderStrategy``; without one, it sets ``launchType`` to
``FARGATE`` (unless the task definition requires EC2). It shapes the task definition
for Fargate (``requiresCompatibilities``, ``networkMode``) only when the request's
``launchType`` is ``FARGATE``/``FARGATE_SPOT``, so a template with a strategy and no
launch type says those itself (:func:`strategy_task_definition_fields`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "FARGATE",
    "FARGATE_PROVIDERS",
    "FARGATE_SPOT",
    "SIGTERM_BEHAVIOR_ENV",
    "SPOT_ARM64_PLATFORM_VERSION",
    "cluster_capacity_providers",
    "flow_run_strategy",
    "spot_environment",
    "strategy_platform_version",
    "strategy_task_definition_fields",
    "strategy_uses_spot",
    "worker_strategy",
]

FARGATE = "FARGATE"
FARGATE_SPOT = "FARGATE_SPOT"
FARGATE_PROVIDERS = (FARGATE, FARGATE_SPOT)

#: Read by ``prefect flow-run execute`` (prefect 3.9, ``prefect/cli/flow_run.py``
#: ``_termination_intent``; the command prefect-aws's flow-run containers run): on SIGTERM
#: (what ECS sends two minutes before a Spot interruption, and at StopTask) ``reschedule``
#: puts the run back to Scheduled instead of letting it crash.
SIGTERM_BEHAVIOR_ENV = "PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR"

#: The platform version pinned for ARM64 tasks on Fargate Spot: the first that runs
#: them. Pinned rather than ``LATEST`` (what RunTask uses when none is given, so naming
#: it would pin nothing): the requirement is stated in the request itself, and a future
#: ``LATEST`` can't change what the stack was tested with.
SPOT_ARM64_PLATFORM_VERSION = "1.4.0"


def _item(provider: str, weight: int = 1, base: int = 0) -> dict[str, Any]:
    # prefect-aws's CapacityProvider schema requires all three keys (camelCase, as RunTask).
    return {"capacityProvider": provider, "weight": weight, "base": base}


def flow_run_strategy(
    *, fargate_spot: bool, ec2_provider_name: str | None = None
) -> list[dict[str, Any]] | None:
    """The capacity provider strategy of the pool's flow runs, or None for the plain
    ``FARGATE`` launch type. Spot and EC2 together are refused by the rules (a strategy
    can't mix Fargate and Auto Scaling group providers)."""
    if fargate_spot and ec2_provider_name:
        raise ValueError(
            "a capacity provider strategy can't mix FARGATE_SPOT and an Auto Scaling group provider"
        )
    if ec2_provider_name:
        return [_item(ec2_provider_name)]
    if fargate_spot:
        return [_item(FARGATE_SPOT)]
    return None


def worker_strategy(*, fargate_spot: bool) -> list[dict[str, Any]] | None:
    """The worker service's ``capacity_provider_strategies`` (Pulumi's snake_case), or
    None for the ``FARGATE`` launch type."""
    if not fargate_spot:
        return None
    return [{"capacity_provider": FARGATE_SPOT, "weight": 1, "base": 0}]


def cluster_capacity_providers(*, ec2_provider_name: str | None = None) -> dict[str, Any]:
    """The arguments of ``aws.ecs.ClusterCapacityProviders`` for a cluster the component
    creates: both Fargate providers (and the EC2 one) associated; the default strategy
    stays on-demand ``FARGATE``, so a RunTask with neither a launch type nor a strategy
    runs where it did before the association."""
    providers = [*FARGATE_PROVIDERS, *([ec2_provider_name] if ec2_provider_name else [])]
    return {
        "capacity_providers": providers,
        "default_capacity_provider_strategies": [
            {"capacity_provider": FARGATE, "weight": 1, "base": 0}
        ],
    }


def strategy_uses_spot(strategy: Sequence[Mapping[str, Any]] | None) -> bool:
    """Whether a (RunTask-shaped) strategy may place tasks on ``FARGATE_SPOT``."""
    return any(item.get("capacityProvider") == FARGATE_SPOT for item in strategy or ())


def _is_fargate(strategy: Sequence[Mapping[str, Any]]) -> bool:
    return all(item.get("capacityProvider") in FARGATE_PROVIDERS for item in strategy)


def strategy_task_definition_fields(
    strategy: Sequence[Mapping[str, Any]] | None, cpu_architecture: str
) -> dict[str, Any]:
    """Fields the pool's task definition template needs beyond prefect-aws's.

    With a strategy the request has no launch type, so prefect-aws does not make the task
    definition Fargate-compatible: it says so itself (``requiresCompatibilities``; the
    ``awsvpc`` network mode the template's network configuration needs). ``ARM64`` adds
    the ``runtimePlatform``; ``X86_64`` (ECS's default) adds nothing, so a pool without
    these options keeps prefect-aws's template as it was.
    """
    fields: dict[str, Any] = {}
    if strategy:
        fields["requiresCompatibilities"] = [FARGATE] if _is_fargate(strategy) else ["EC2"]
        fields["networkMode"] = "awsvpc"
    if cpu_architecture != "X86_64":
        fields["runtimePlatform"] = {
            "cpuArchitecture": cpu_architecture,
            "operatingSystemFamily": "LINUX",
        }
    return fields


def strategy_platform_version(
    strategy: Sequence[Mapping[str, Any]] | None, cpu_architecture: str
) -> str | None:
    """The RunTask ``platformVersion`` to pin, or None: ARM64 on Fargate Spot needs 1.4.0."""
    if strategy_uses_spot(strategy) and cpu_architecture == "ARM64":
        return SPOT_ARM64_PLATFORM_VERSION
    return None


def spot_environment() -> dict[str, str]:
    """Flow-run environment for Spot: an interrupted run is rescheduled."""
    return {SIGTERM_BEHAVIOR_ENV: "reschedule"}
