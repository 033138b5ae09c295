"""The scaling and deployment rules: bounds, targets, the desired count inside the bounds,
autoscaling arguments without the switch, deployment percents ECS accepts, and the
warnings for a deployment that can't progress or may stop every worker."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.args import arg_to_config_key
from prefect_ecs.rules.scaling import stuck_count
from prefect_ecs.settings import findings_now

pytestmark = pytest.mark.pure

SELF = "https://prefect.example.com/api"


def findings(**args: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    errors, warnings = findings_now({"prefect_api_url": SELF, **args})
    return list(errors), [(w.field, w.message) for w in warnings]


def errors_of(**args: Any) -> dict[str, str]:
    return dict(findings(**args)[0])


def test_defaults_are_clean() -> None:
    assert findings() == ([], [])
    assert findings(worker_autoscaling=True) == ([], [])


@pytest.mark.parametrize(
    "field",
    [
        "worker_min_count",
        "worker_max_count",
        "worker_cpu_target_percent",
        "worker_memory_target_percent",
    ],
)
def test_autoscaling_arguments_need_the_switch(field: str) -> None:
    message = errors_of(**{field: 2})[field]
    assert "worker_autoscaling" in message and "turn it on or remove this" in message


def test_min_at_least_one_and_max_not_below() -> None:
    found = errors_of(worker_autoscaling=True, worker_min_count=0, worker_desired_count=0)
    assert "must be >= 1" in found["worker_min_count"]
    found = errors_of(worker_autoscaling=True, worker_min_count=3, worker_max_count=2,
                      worker_desired_count=3)  # fmt: skip
    assert found["worker_max_count"] == "2 is below worker_min_count (3)"


@pytest.mark.parametrize("value", [0, 101])
def test_targets_are_percents(value: int) -> None:
    found = errors_of(worker_autoscaling=True, worker_memory_target_percent=value)
    assert found["worker_memory_target_percent"].startswith(f"{value} is outside 1..100")


def test_desired_count_within_bounds() -> None:
    found = errors_of(worker_autoscaling=True, worker_desired_count=5, worker_max_count=4)
    assert "outside worker_min_count..worker_max_count (1..4)" in found["worker_desired_count"]
    assert errors_of(worker_desired_count=5) == {}, "bounds apply only with autoscaling"


@pytest.mark.parametrize(
    ("field", "value", "range_"),
    [
        ("worker_deployment_minimum_percent", -1, "0..100"),
        ("worker_deployment_minimum_percent", 101, "0..100"),
        ("worker_deployment_maximum_percent", 99, "100..200"),
        ("worker_deployment_maximum_percent", 201, "100..200"),
    ],
)
def test_deployment_percent_ranges(field: str, value: int, range_: str) -> None:
    assert errors_of(**{field: value})[field] == f"{value} is outside {range_}"


def test_stuck_deployment_warns() -> None:
    errors, warnings = findings(worker_deployment_maximum_percent=100)
    assert errors == []
    ((field, message),) = warnings
    assert field == "worker_deployment_maximum_percent"
    assert "with 1 worker task(s)" in message and "neither start a new task" in message
    # Two workers, 50%..100%: one is stopped, then replaced.
    _, warnings = findings(
        worker_desired_count=2,
        worker_deployment_minimum_percent=50,
        worker_deployment_maximum_percent=100,
    )
    assert warnings == []
    # With autoscaling every count in the bounds is checked.
    _, warnings = findings(
        worker_autoscaling=True,
        worker_desired_count=2,
        worker_min_count=1,
        worker_max_count=3,
        worker_deployment_minimum_percent=50,
        worker_deployment_maximum_percent=100,
    )
    assert [f for f, _ in warnings] == ["worker_deployment_maximum_percent"]


def test_minimum_zero_warns_of_a_gap() -> None:
    errors, warnings = findings(worker_deployment_minimum_percent=0)
    assert errors == []
    ((field, message),) = warnings
    assert field == "worker_deployment_minimum_percent" and "no worker polls" in message
    assert findings(worker_deployment_minimum_percent=0, worker_desired_count=0) == ([], [])


def test_stuck_count() -> None:
    assert stuck_count([1, 2, 3], 100, 200) is None
    assert stuck_count([1, 2], 100, 150) == 1
    assert stuck_count([2, 3], 100, 150) is None
    assert stuck_count([0], 100, 100) is None
    assert stuck_count([4], 100, 100) == 4


def test_stack_config_labels() -> None:
    errors, _ = findings_now(
        {"prefect_api_url": SELF, "worker_min_count": 2},
        label=lambda f: f"prefect-ecs:{arg_to_config_key(f)}",
    )
    ((field, message),) = errors
    assert field == "prefect-ecs:workerMinCount"
    assert "prefect-ecs:workerAutoscaling turns on" in message
