"""The ``monthlyCostEstimate`` output under Pulumi mocks: the estimate of the settings the
component ran with (size, architecture, count, Spot, public IPs, the observer, its
alarms, the secret it made, and the flow-run capacity), plain values and Outputs alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from prefect_ecs.args import DEFAULTS
from prefect_ecs.documents.cost import PRICES_AS_OF, estimate
from prefect_ecs.worker.cost import ec2_flow_runs_per_instance
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.runner import StackConfig, StackRun, run_program
from tests.support import CLOUD_URL, RAW_API_KEY, run_component

pytestmark = pytest.mark.mocks

BASE = {"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY, "work_pool_name": "etl"}
ALARMS = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _estimate(
    args: dict[str, Any] | Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any], int]:
    """The output and the number of alarms (``args`` a callable when it makes Outputs,
    which exist only inside the program)."""
    run = _run_with_outputs(args) if callable(args) else run_component({**BASE, **args})
    return run.outputs["monthlyCostEstimate"], len(run.by_type(ALARMS))


def _run_with_outputs(args: Callable[[], dict[str, Any]]) -> StackRun:
    from prefect_ecs import PrefectEcsWorker

    def program() -> None:
        worker = PrefectEcsWorker("w", {**BASE, **args()})  # type: ignore[typeddict-item]
        pulumi.export("monthlyCostEstimate", worker.monthly_cost_estimate)
        pulumi.export("alarms", len(worker.alarms))

    config = StackConfig(
        project="test", stack="unit", values={}, secret_keys=[], encrypted_keys=[], schema={}
    )
    fake = FakeAws()
    return run_program(program, config, fake.register, fake.invoke)


def _lines(out: dict[str, Any]) -> dict[str, float]:
    return {m["item"]: m["usd"] for m in out["monthly"]}


def test_defaults() -> None:
    out, alarms = _estimate({})
    expected = estimate(
        worker_cpu=DEFAULTS["worker_cpu"],
        worker_memory=DEFAULTS["worker_memory"],
        worker_architecture=DEFAULTS["cpu_architecture"],
        secrets=1,  # the component stores the API key in a secret of its own
        alarms=alarms,
    ).as_output()
    assert out == expected
    assert out["pricesAsOf"] == PRICES_AS_OF and alarms == 3
    assert set(_lines(out)) == {"worker", "secret", "observer queue", "alarms"}
    assert out["flowRunHourly"]["fargate"]["default"]


def test_public_ip_spot_count_and_no_observer() -> None:
    out, alarms = _estimate(
        {
            "assign_public_ip": True,
            "worker_desired_count": 2,
            "worker_fargate_spot": True,
            "cpu_architecture": "X86_64",
            "worker_cpu": 512,
            "worker_memory": 1024,
            "crash_observer": False,
            "flow_run_fargate_spot": True,
            "prefect_api_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf",
            "prefect_api_key": None,
        }
    )
    lines = _lines(out)
    assert lines["worker"] == pytest.approx(2 * 18.02 * 0.3, abs=0.01)
    assert lines["public IPv4"] == 7.30  # one per worker task
    assert "observer queue" not in lines and "secret" not in lines  # an existing secret
    assert lines.get("alarms", 0) == pytest.approx(alarms * 0.10)
    hourly = out["flowRunHourly"]
    assert hourly["fargateSpot"]["default"] and "public IPv4" in hourly["fargate"]["per"]


def test_autoscaling_prices_the_minimum_and_the_maximum() -> None:
    out, _ = _estimate(
        {
            "worker_autoscaling": True,
            "worker_desired_count": 2,
            "worker_min_count": 2,
            "worker_max_count": 4,
        }
    )
    one = estimate(
        worker_cpu=DEFAULTS["worker_cpu"],
        worker_memory=DEFAULTS["worker_memory"],
        worker_architecture=DEFAULTS["cpu_architecture"],
    )
    worker = next(line.usd for line in one.monthly if line.item == "worker")
    assert _lines(out)["worker"] == pytest.approx(2 * worker, abs=0.01)
    assert out["monthlyTotalAtMaxWorkers"] > out["monthlyTotal"]


def test_ec2_capacity_rate_and_minimum() -> None:
    out, _ = _estimate(
        {
            "flow_run_ec2_capacity": True,
            "flow_run_cpu_architecture": "ARM64",
            "flow_run_ec2_min_size": 1,
        }
    )
    ec2 = out["flowRunHourly"]["ec2"]
    assert "m6g.large" in ec2["per"] and ec2["default"]
    assert ec2["flowRunsPerInstance"] == ec2_flow_runs_per_instance("m6g.large", 1024, 2048) == 2
    assert _lines(out)["flow-run EC2 instances"] > 0


def test_outputs_as_inputs() -> None:
    out, _ = _estimate(
        lambda: {
            "worker_cpu": pulumi.Output.from_input(512),
            "worker_memory": pulumi.Output.from_input(1024),
            "cpu_architecture": pulumi.Output.from_input("ARM64"),
        }
    )
    assert _lines(out)["worker"] == 14.42
