"""The cost estimate from plain values (pure): the price table, each monthly line, the
flow-run hourly rates, and the plan's rendering of it."""

from __future__ import annotations

import re

import pytest

from prefect_ecs.documents import cost
from prefect_ecs.documents.cost import estimate, fargate_hourly, render_estimate
from prefect_ecs.documents.fargate import monthly_cost

pytestmark = pytest.mark.pure

SMALL_ARM = {"worker_cpu": 256, "worker_memory": 512, "worker_architecture": "ARM64"}


def _lines(est: cost.CostEstimate) -> dict[str, float]:
    return {line.item: line.usd for line in est.monthly}


def test_price_table_is_dated_and_sourced() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}", cost.PRICES_AS_OF)
    assert cost.PRICE_REGION == "us-east-1"
    for key in ("fargate", "fargate_spot", "public_ipv4", "sqs", "cloudwatch", "ec2", "ebs"):
        assert cost.SOURCES[key].startswith("https://aws.amazon.com/")
    # The EC2 capacity's default instance types are priced.
    assert {"m6i.large", "m6g.large"} <= set(cost.EC2_HOUR)


def test_default_worker_costs_the_target() -> None:
    # Issue 12: 0.25 vCPU / 0.5 GB ARM64 all month is $7.21; 0.5 vCPU / 1 GB ARM64 $14.42.
    assert _lines(estimate(**SMALL_ARM, observer=False))["worker"] == 7.21
    assert (
        _lines(estimate(worker_cpu=512, worker_memory=1024, worker_architecture="ARM64"))["worker"]
        == monthly_cost(512, 1024, architecture="ARM64")
        == 14.42
    )


def test_worker_count_and_spot() -> None:
    on_demand = _lines(estimate(**SMALL_ARM, worker_count=2))["worker"]
    spot = estimate(**SMALL_ARM, worker_count=2, worker_spot=True)
    assert on_demand == 14.42
    assert _lines(spot)["worker"] == pytest.approx(on_demand * 0.3, abs=0.01)
    assert any("70% off" in n for n in spot.notes)
    assert _lines(estimate(**SMALL_ARM, worker_count=0))["worker"] == 0


def test_public_ips_secret_observer_and_alarms() -> None:
    est = estimate(**SMALL_ARM, public_ips=1, secrets=1, observer=True, alarms=3)
    lines = _lines(est)
    assert lines["public IPv4"] == 3.65  # $0.005/h x 730 h
    assert lines["secret"] == 0.40
    assert lines["alarms"] == 0.30
    # 180 long polls an hour, 730 h: 131,400 requests at $0.40 a million.
    assert lines["observer queue"] == 0.05
    assert est.monthly_usd == pytest.approx(7.21 + 3.65 + 0.40 + 0.05 + 0.30, abs=0.001)
    bare = _lines(estimate(**SMALL_ARM, observer=False))
    assert set(bare) == {"worker"}


def test_autoscaling_range() -> None:
    est = estimate(**SMALL_ARM, worker_count=1, worker_max_count=3, public_ips=1)
    assert est.monthly_max_usd == pytest.approx(
        est.monthly_usd + 2 * 7.21 + 2 * 3.65 + 2 * 0.05, abs=0.02
    )
    assert "monthlyTotalAtMaxWorkers" in est.as_output()
    assert "monthlyTotalAtMaxWorkers" not in estimate(**SMALL_ARM).as_output()


def test_flow_run_rates_per_capacity() -> None:
    est = estimate(**SMALL_ARM, flow_run_cpu=1024, flow_run_memory=2048)
    rates = est.flow_run_hourly
    assert rates["fargate"]["usd"] == pytest.approx(0.04048 + 2 * 0.004445, abs=1e-5)
    assert rates["fargateSpot"]["usd"] == pytest.approx(rates["fargate"]["usd"] * 0.3, abs=1e-5)
    assert rates["fargate"]["default"] and not rates["fargateSpot"]["default"]
    assert "ec2" not in rates
    arm = estimate(**SMALL_ARM, flow_run_architecture="ARM64", flow_run_spot=True)
    assert arm.flow_run_hourly["fargate"]["usd"] == pytest.approx(
        fargate_hourly(1024, 2048, "ARM64"), abs=1e-5
    )
    assert arm.flow_run_hourly["fargateSpot"]["default"]
    # A public IP per flow-run task is part of its hourly cost.
    public = estimate(**SMALL_ARM, flow_run_public_ip=True).flow_run_hourly["fargate"]["usd"]
    assert public == pytest.approx(rates["fargate"]["usd"] + 0.005, abs=1e-5)


def test_ec2_rate_and_minimum_size() -> None:
    est = estimate(
        **SMALL_ARM, ec2_instance_type="m6g.large", ec2_min_size=1, ec2_flow_runs_per_instance=2
    )
    ec2 = est.flow_run_hourly["ec2"]
    volume = 0.08 * 30 / 730
    assert ec2["usd"] == pytest.approx(0.077 + volume, abs=1e-5)
    assert ec2["usdPerFlowRun"] == pytest.approx((0.077 + volume) / 2, abs=1e-5)
    assert ec2["default"] and not est.flow_run_hourly["fargate"]["default"]
    assert _lines(est)["flow-run EC2 instances"] == pytest.approx(0.077 * 730 + 2.40, abs=0.01)
    # Scaled to zero: a rate only.
    assert "flow-run EC2 instances" not in _lines(
        estimate(**SMALL_ARM, ec2_instance_type="m6i.large")
    )


def test_unknown_ec2_type_is_left_out_with_a_note() -> None:
    est = estimate(**SMALL_ARM, ec2_instance_type="x9z.huge", ec2_min_size=2)
    assert "ec2" not in est.flow_run_hourly
    assert "flow-run EC2 instances" not in _lines(est)
    assert any("x9z.huge" in n for n in est.notes)


def test_output_is_plain_json_and_renders() -> None:
    import json

    out = estimate(**SMALL_ARM, public_ips=1, secrets=1, alarms=3, ec2_instance_type="m6g.large",
                   ec2_flow_runs_per_instance=3).as_output()  # fmt: skip
    assert json.loads(json.dumps(out)) == out
    assert out["currency"] == "USD" and out["pricesAsOf"] == cost.PRICES_AS_OF
    text = "\n".join(render_estimate(out))
    assert f"about ${out['monthlyTotal']:.2f}/month" in text
    assert "worker: $7.21 (1 x 0.25 vCPU / 0.5 GB ARM64 Fargate, 730 h)" in text
    assert "fargate (the pool default)" not in text  # EC2 is the default with EC2 capacity
    assert "ec2 (the pool default)" in text and "3 on an instance" in text
