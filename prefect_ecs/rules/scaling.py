"""The worker's scaling and deployments: autoscaling bounds and targets, the desired count
inside them, and the deployment percents ECS accepts and can make progress with."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..validation import ConfigWarning, Problem, RuleInput, _is_int
from ._registry import rule

__all__ = ["AUTOSCALING_FIELDS", "DEPLOYMENT_MAXIMUM", "DEPLOYMENT_MINIMUM", "stuck_count"]

#: The arguments that only mean something with ``worker_autoscaling`` on.
AUTOSCALING_FIELDS = (
    "worker_min_count",
    "worker_max_count",
    "worker_cpu_target_percent",
    "worker_memory_target_percent",
)
#: ECS's range for a REPLICA service's minimumHealthyPercent.
DEPLOYMENT_MINIMUM = (0, 100)
#: maximumPercent: below 100 a deployment of one worker could never start its
#: replacement; above 200 (ECS's default) only more than double the workers run at once.
DEPLOYMENT_MAXIMUM = (100, 200)


def stuck_count(counts: range | list[int], minimum: int, maximum: int) -> int | None:
    """The first desired count at which a rolling deployment can neither start a new task
    nor stop an old one: ECS rounds the maximum down and the minimum up, and needs room
    for one task between them."""
    for count in counts:
        if count >= 1 and math.floor(count * maximum / 100) <= math.ceil(count * minimum / 100):
            return count
    return None


@rule("worker_autoscaling")
def autoscaling_fields_need_autoscaling(v: RuleInput) -> Iterator[Problem]:
    if v["worker_autoscaling"] is True:
        return
    for field in AUTOSCALING_FIELDS:
        if v.given(field):
            yield (
                field,
                f"applies to autoscaling, which {v.label('worker_autoscaling')} turns on; "
                "turn it on or remove this",
            )


@rule("worker_min_count", "worker_max_count")
def autoscaling_bounds(v: RuleInput) -> Iterator[Problem]:
    low, high = v["worker_min_count"], v["worker_max_count"]
    if _is_int(low) and low < 1:
        yield (
            "worker_min_count",
            f"{low} must be >= 1: target tracking scales on the workers' own CPU and "
            "memory, so from zero workers it would never scale out again",
        )
    if _is_int(low) and _is_int(high) and high < low:
        yield ("worker_max_count", f"{high} is below {v.label('worker_min_count')} ({low})")


@rule("worker_cpu_target_percent", "worker_memory_target_percent")
def autoscaling_targets(v: RuleInput) -> Iterator[Problem]:
    for field in ("worker_cpu_target_percent", "worker_memory_target_percent"):
        target = v[field]
        if _is_int(target) and not 1 <= target <= 100:
            yield (field, f"{target} is outside 1..100 (a utilization percent)")


@rule("worker_autoscaling", "worker_desired_count", "worker_min_count", "worker_max_count")
def desired_count_within_bounds(v: RuleInput) -> Iterator[Problem]:
    count, low, high = v["worker_desired_count"], v["worker_min_count"], v["worker_max_count"]
    if v["worker_autoscaling"] is not True or not all(_is_int(n) for n in (count, low, high)):
        return
    if not low <= count <= high:
        yield (
            "worker_desired_count",
            f"{count} is outside {v.label('worker_min_count')}..{v.label('worker_max_count')} "
            f"({low}..{high}); autoscaling would move it there at once",
        )


@rule("worker_deployment_minimum_percent", "worker_deployment_maximum_percent")
def deployment_percents(v: RuleInput) -> Iterator[Problem]:
    for field, (low, high) in (
        ("worker_deployment_minimum_percent", DEPLOYMENT_MINIMUM),
        ("worker_deployment_maximum_percent", DEPLOYMENT_MAXIMUM),
    ):
        value = v[field]
        if _is_int(value) and not low <= value <= high:
            yield (field, f"{value} is outside {low}..{high}")


@rule(
    "worker_deployment_minimum_percent",
    "worker_deployment_maximum_percent",
    "worker_desired_count",
    "worker_autoscaling",
    "worker_min_count",
    "worker_max_count",
)
def deployment_progress(v: RuleInput) -> Iterator[Problem]:
    minimum = v["worker_deployment_minimum_percent"]
    maximum = v["worker_deployment_maximum_percent"]
    count = v["worker_desired_count"]
    if not all(_is_int(n) for n in (minimum, maximum, count)):
        return
    if not (DEPLOYMENT_MINIMUM[0] <= minimum <= 100 and 100 <= maximum <= DEPLOYMENT_MAXIMUM[1]):
        return  # deployment_percents says why
    counts = [count]
    low, high = v["worker_min_count"], v["worker_max_count"]
    if v["worker_autoscaling"] is True and _is_int(low) and _is_int(high):
        counts += range(max(low, 1), min(high, 1000) + 1)
    stuck = stuck_count(sorted(set(counts)), minimum, maximum)
    if stuck is not None:
        yield ConfigWarning(
            "worker_deployment_maximum_percent",
            f"with {stuck} worker task(s), {maximum}% (rounded down) and "
            f"{v.label('worker_deployment_minimum_percent')} {minimum}% (rounded up) leave no "
            "room for a replacement: a deployment can neither start a new task nor stop an "
            "old one. Raise this or lower the minimum",
        )
    if minimum == 0 and any(n >= 1 for n in counts):
        yield ConfigWarning(
            "worker_deployment_minimum_percent",
            "0 lets ECS stop every worker before its replacement runs: for that minute no "
            "worker polls the pool, and flow runs scheduled meanwhile start late",
        )
