"""`make plan` shows each capacity option's resources and what it costs (issue 12's
"done when"): an example stack by name, and stack files by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefect_ecs_tooling.plan import make_plan, render_plan
from tests.support import ROOT

pytestmark = pytest.mark.mocks

DEV = (ROOT / "Pulumi.dev.yaml").read_text()


def _plan(stack: str) -> str:
    return render_plan(make_plan(ROOT, stack))


def _with(tmp_path: Path, name: str, *lines: str) -> str:
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(DEV.rstrip() + "\n" + "".join(f"  prefect-ecs:{line}\n" for line in lines))
    return str(path)


def test_the_dev_stack_has_none_of_the_options_and_the_new_default_worker() -> None:
    text = _plan("dev")
    for kind in ("ClusterCapacityProviders", "appautoscaling", "autoscaling/group"):
        assert kind not in text
    assert "worker: $7.21 (1 x 0.25 vCPU / 0.5 GB ARM64 Fargate, 730 h)" in text


def test_spot_arm64_example_by_name() -> None:
    """An example stack plans by name, like `make sandbox STACK=spot-arm64`."""
    text = _plan("spot-arm64")
    assert "+ aws:ecs/clusterCapacityProviders:ClusterCapacityProviders" in text
    assert "capacityProviders: FARGATE, FARGATE_SPOT" in text
    assert '"capacityProvider": "FARGATE_SPOT"' in text
    assert "fargateSpot (the pool default):" in text


def test_ec2_capacity_resources_and_rate(tmp_path: Path) -> None:
    text = _plan(_with(tmp_path, "ec2", "flowRunEc2Capacity: true", "assignPublicIp: false"))
    for kind in (
        "aws:iam/instanceProfile:InstanceProfile",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:autoscaling/group:Group",
        "aws:ecs/capacityProvider:CapacityProvider",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    ):
        assert f"+ {kind}" in text, kind
    assert "ec2 (the pool default): $" in text and "per m6i.large instance-hour" in text


def test_worker_autoscaling_resources_and_the_most_it_costs(tmp_path: Path) -> None:
    text = _plan(_with(tmp_path, "scaled", "workerAutoscaling: true", "workerMaxCount: 4"))
    assert "+ aws:appautoscaling/target:Target" in text
    assert text.count("+ aws:appautoscaling/policy:Policy") == 2
    assert "at the most workers" in text


def test_worker_on_spot_warns_and_costs_less(tmp_path: Path) -> None:
    on_demand = _plan("dev")
    spot = _plan(_with(tmp_path, "wspot", "workerFargateSpot: true"))
    assert "workerFargateSpot" in spot and "warning" in spot
    assert "worker: $7.21" in on_demand and "worker: $7.21" not in spot
