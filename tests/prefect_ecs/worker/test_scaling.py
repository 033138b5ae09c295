"""Worker scaling and availability under Pulumi mocks: the autoscaling target and its two
target-tracking policies, the service ignoring its desired count only then, deployment
percents passed only when given, zone rebalancing, and the single-zone warning for given
subnets."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.documents.scaling import SCALE_IN_COOLDOWN_SECONDS, SCALE_OUT_COOLDOWN_SECONDS
from prefect_ecs.worker.scaling import single_zone_warning
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.runner import StackRun
from tests.support import CLOUD_URL, RAW_API_KEY, run_component

pytestmark = pytest.mark.mocks

SERVICE = "aws:ecs/service:Service"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
BASE = {"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY, "work_pool_name": "etl"}
SUBNETS = ["subnet-0000000000000000a", "subnet-0000000000000000b"]


@pytest.fixture(scope="module")
def plain() -> StackRun:
    return run_component(BASE)


@pytest.fixture(scope="module")
def scaled() -> StackRun:
    return run_component(
        {
            **BASE,
            "worker_autoscaling": True,
            "worker_desired_count": 2,
            "worker_min_count": 2,
            "worker_max_count": 4,
            "worker_cpu_target_percent": 60,
        }
    )


def test_off_by_default_service_keeps_its_count(plain: StackRun) -> None:
    assert plain.by_type(TARGET) == [] and plain.by_type(POLICY) == []
    service = plain.one(SERVICE)
    assert service.ignore_changes == []
    assert service.inputs["desiredCount"] == 1
    # ECS's deployment defaults are left to ECS (the plan of an existing stack is unchanged).
    assert "deploymentMinimumHealthyPercent" not in service.inputs
    assert "deploymentMaximumPercent" not in service.inputs
    assert service.inputs["availabilityZoneRebalancing"] == "ENABLED"


def test_target_on_the_services_desired_count(scaled: StackRun) -> None:
    target, service = scaled.one(TARGET), scaled.one(SERVICE)
    cluster = scaled.one("aws:ecs/cluster:Cluster")
    assert target.inputs["resourceId"] == (
        f"service/{cluster.outputs['name']}/{service.outputs['name']}"
    )
    assert target.inputs["scalableDimension"] == "ecs:service:DesiredCount"
    assert target.inputs["serviceNamespace"] == "ecs"
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 4)
    assert target.name == "w-worker" and target.parent == service.parent


def test_policies_track_cpu_and_memory(scaled: StackRun) -> None:
    target = scaled.one(TARGET)
    found: dict[str, Any] = {}
    for policy in scaled.by_type(POLICY):
        assert policy.inputs["policyType"] == "TargetTrackingScaling"
        assert policy.inputs["resourceId"] == target.inputs["resourceId"]
        config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
        metric = config["predefinedMetricSpecification"]["predefinedMetricType"]
        found[metric] = config["targetValue"]
        assert config["scaleOutCooldown"] == SCALE_OUT_COOLDOWN_SECONDS
        assert config["scaleInCooldown"] == SCALE_IN_COOLDOWN_SECONDS
    assert found == {
        "ECSServiceAverageCPUUtilization": 60,
        "ECSServiceAverageMemoryUtilization": 80,
    }
    assert {p.name for p in scaled.by_type(POLICY)} == {"w-worker-cpu", "w-worker-memory"}


def test_service_ignores_desired_count_only_with_autoscaling(
    plain: StackRun, scaled: StackRun
) -> None:
    assert scaled.one(SERVICE).ignore_changes == ["desiredCount"]
    # Same child, same URN: turning autoscaling on updates the service, never replaces it.
    assert scaled.one(SERVICE).urn == plain.one(SERVICE).urn


def test_target_deleted_before_the_drain(scaled: StackRun) -> None:
    drain = scaled.one("command:local:Command", "-drain")
    assert drain.urn in scaled.one(TARGET).dependencies


def test_children_exposed() -> None:
    holder: dict[str, Any] = {}

    from prefect_ecs import PrefectEcsWorker
    from prefect_ecs_tooling.runner import StackConfig, run_program

    def program() -> None:
        holder["w"] = PrefectEcsWorker("w", {**BASE, "worker_autoscaling": True})  # type: ignore[typeddict-item]

    fake = FakeAws()
    run_program(program, StackConfig("t", "unit", {}, [], [], {}), fake.register, fake.invoke)
    worker = holder["w"]
    assert worker.scaling_target is not None
    assert worker.cpu_scaling_policy is not None and worker.memory_scaling_policy is not None


def test_deployment_percents_when_given() -> None:
    run = run_component(
        {
            **BASE,
            "worker_desired_count": 2,
            "worker_deployment_minimum_percent": 50,
            "worker_deployment_maximum_percent": 100,
        }
    )
    service = run.one(SERVICE)
    assert service.inputs["deploymentMinimumHealthyPercent"] == 50
    assert service.inputs["deploymentMaximumPercent"] == 100


# ------------------------------------------------------------------- zones
class ZonedAws(FakeAws):
    """The offline fake, with given subnets in the zones of ``zones``."""

    def __init__(self, zones: dict[str, str]) -> None:
        super().__init__()
        self.zones = zones
        self.subnet_calls: list[str] = []

    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        result = super().invoke(token, args)
        if token == "aws:ec2/getSubnet:getSubnet":
            self.subnet_calls.append(args["id"])
            result["availabilityZone"] = self.zones[args["id"]]
        return result


def zoned(zones: dict[str, str], **more: Any) -> tuple[StackRun, ZonedAws]:
    fake = ZonedAws(zones)
    args = {**BASE, "vpc_id": "vpc-0123456789abcdef0", "subnet_ids": list(zones), **more}
    return run_component(args, fake=fake), fake


def zone_warnings(run: StackRun) -> list[str]:
    return [w for w in run.warnings if "Availability Zone" in w]


def test_two_workers_in_one_zone_warn() -> None:
    run, _ = zoned(dict.fromkeys(SUBNETS, "us-east-1a"), worker_desired_count=2)
    (warning,) = zone_warnings(run)
    assert warning.startswith("subnet_ids: every subnet is in one Availability Zone (us-east-1a)")


def test_autoscaling_up_to_two_in_one_zone_warns() -> None:
    run, _ = zoned(dict.fromkeys(SUBNETS, "us-east-1a"), worker_autoscaling=True)
    assert zone_warnings(run)


def test_two_zones_do_not_warn() -> None:
    run, fake = zoned({SUBNETS[0]: "us-east-1a", SUBNETS[1]: "us-east-1b"}, worker_desired_count=2)
    assert zone_warnings(run) == []
    assert sorted(fake.subnet_calls) == SUBNETS


def test_one_worker_looks_nothing_up() -> None:
    run, fake = zoned(dict.fromkeys(SUBNETS, "us-east-1a"))
    assert zone_warnings(run) == [] and fake.subnet_calls == []


def test_single_zone_warning_text() -> None:
    assert single_zone_warning(1, ["a"]) is None
    assert single_zone_warning(2, ["a", "b"]) is None
    assert "can't spread" in (single_zone_warning(3, ["a", "a"]) or "")
