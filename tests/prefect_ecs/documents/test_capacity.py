"""The capacity documents: strategies, the cluster's providers, the task definition's
fields and the pinned platform version (pure)."""

from __future__ import annotations

import pytest

from prefect_ecs.documents.capacity import (
    SIGTERM_BEHAVIOR_ENV,
    cluster_capacity_providers,
    flow_run_strategy,
    spot_environment,
    strategy_platform_version,
    strategy_task_definition_fields,
    strategy_uses_spot,
    worker_strategy,
)

pytestmark = pytest.mark.pure

SPOT = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]


def test_flow_run_strategies() -> None:
    assert flow_run_strategy(fargate_spot=False) is None
    assert flow_run_strategy(fargate_spot=True) == SPOT
    assert flow_run_strategy(fargate_spot=False, ec2_provider_name="cp-1") == [
        {"capacityProvider": "cp-1", "weight": 1, "base": 0}
    ]
    with pytest.raises(ValueError, match="can't mix"):
        flow_run_strategy(fargate_spot=True, ec2_provider_name="cp-1")


def test_worker_strategy_is_pulumis_shape() -> None:
    assert worker_strategy(fargate_spot=False) is None
    assert worker_strategy(fargate_spot=True) == [
        {"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}
    ]


def test_cluster_providers_keep_on_demand_as_default() -> None:
    assert cluster_capacity_providers() == {
        "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
        "default_capacity_provider_strategies": [
            {"capacity_provider": "FARGATE", "weight": 1, "base": 0}
        ],
    }
    assert cluster_capacity_providers(ec2_provider_name="cp-1")["capacity_providers"] == [
        "FARGATE",
        "FARGATE_SPOT",
        "cp-1",
    ]


def test_task_definition_fields() -> None:
    assert strategy_task_definition_fields(None, "X86_64") == {}
    assert strategy_task_definition_fields(None, "ARM64") == {
        "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    }
    assert strategy_task_definition_fields(SPOT, "X86_64") == {
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
    }
    ec2 = [{"capacityProvider": "cp-1", "weight": 1, "base": 0}]
    assert strategy_task_definition_fields(ec2, "X86_64")["requiresCompatibilities"] == ["EC2"]


def test_platform_version_only_for_arm64_on_spot() -> None:
    assert strategy_platform_version(SPOT, "ARM64") == "1.4.0"
    assert strategy_platform_version(SPOT, "X86_64") is None
    assert strategy_platform_version(None, "ARM64") is None
    assert strategy_uses_spot(SPOT) and not strategy_uses_spot(None)


def test_spot_environment_is_the_setting_prefect_reads() -> None:
    # prefect 3.9's `prefect flow-run execute` reads this name from the environment.
    from prefect.cli import flow_run

    assert SIGTERM_BEHAVIOR_ENV in (flow_run._termination_intent.__doc__ or "")
    assert spot_environment() == {SIGTERM_BEHAVIOR_ENV: "reschedule"}
