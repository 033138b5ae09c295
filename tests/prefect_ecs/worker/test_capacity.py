"""The capacity concern under mocks: the cluster's association only when an option is on,
the pool's strategy, the worker service on Spot, and nothing for a given cluster."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs_tooling.runner import StackRun
from tests.support import run_component

pytestmark = pytest.mark.mocks

SELF = "https://prefect.example.com/api"
POOL = "pulumi-python:dynamic/prefect:WorkPool"
ASSOCIATION = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
SERVICE = "aws:ecs/service:Service"
CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/shared"


def template(run: StackRun) -> dict[str, Any]:
    result: dict[str, Any] = run.one(POOL).inputs["base_job_template"]
    return result


@pytest.fixture(scope="module")
def spot() -> StackRun:
    return run_component(
        {
            "prefect_api_url": SELF,
            "flow_run_fargate_spot": True,
            "flow_run_cpu_architecture": "ARM64",
        }
    )


def test_nothing_changes_without_an_option() -> None:
    run = run_component({"prefect_api_url": SELF})
    assert run.by_type(ASSOCIATION) == []
    t = template(run)
    assert t["variables"]["properties"]["launch_type"]["default"] == "FARGATE"
    assert "default" not in t["variables"]["properties"]["capacity_provider_strategy"]
    assert "runtimePlatform" not in t["job_configuration"]["task_definition"]
    assert run.one(SERVICE).inputs["launchType"] == "FARGATE"


def test_spot_associates_the_fargate_providers(spot: StackRun) -> None:
    association = spot.one(ASSOCIATION)
    cluster = spot.one("aws:ecs/cluster:Cluster")
    assert association.inputs["clusterName"] == cluster.outputs["name"]
    assert association.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert association.inputs["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
    assert association.name == "w-capacity-providers"


def test_spot_pool_template(spot: StackRun) -> None:
    t = template(spot)
    props = t["variables"]["properties"]
    assert "default" not in props["launch_type"]
    assert props["capacity_provider_strategy"]["default"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
    ]
    assert props["env"]["default"] == {"PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR": "reschedule"}
    task_definition = t["job_configuration"]["task_definition"]
    assert task_definition["runtimePlatform"] == {
        "cpuArchitecture": "ARM64",
        "operatingSystemFamily": "LINUX",
    }
    assert task_definition["requiresCompatibilities"] == ["FARGATE"]
    assert t["job_configuration"]["task_run_request"]["platformVersion"] == "1.4.0"


def test_pool_waits_for_the_association(spot: StackRun) -> None:
    association = spot.one(ASSOCIATION)
    assert association.urn in spot.one(POOL).dependencies


def test_worker_stays_on_demand_with_flow_run_spot(spot: StackRun) -> None:
    service = spot.one(SERVICE)
    assert service.inputs["launchType"] == "FARGATE"
    assert not service.inputs.get("capacityProviderStrategies")


def test_worker_on_spot() -> None:
    run = run_component({"prefect_api_url": SELF, "worker_fargate_spot": True})
    service = run.one(SERVICE)
    assert "launchType" not in service.inputs or service.inputs["launchType"] is None
    assert service.inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
    ]
    assert service.name == "w-worker"  # the same URN as on-demand
    assert run.one(ASSOCIATION).urn in service.dependencies
    assert any("Fargate Spot" in w for w in run.warnings)
    # Flow runs stay where they were.
    assert template(run)["variables"]["properties"]["launch_type"]["default"] == "FARGATE"


def test_a_given_cluster_is_not_associated() -> None:
    run = run_component(
        {"prefect_api_url": SELF, "cluster_arn": CLUSTER_ARN, "flow_run_fargate_spot": True}
    )
    assert run.by_type(ASSOCIATION) == []
    props = template(run)["variables"]["properties"]
    assert props["capacity_provider_strategy"]["default"][0]["capacityProvider"] == "FARGATE_SPOT"
