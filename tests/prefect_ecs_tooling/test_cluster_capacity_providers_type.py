"""``aws:ecs/clusterCapacityProviders:ClusterCapacityProviders`` in the tooling: the offline
plan's fake and details, and a round trip through moto (PutClusterCapacityProviders,
read back from moto's side, the association emptied at delete)."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs_tooling.aws_types import resource_type
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.plan import resource_details
from prefect_ecs_tooling.runner import RecordedResource
from prefect_ecs_tooling.sandbox.emulator import MotoAws

pytestmark = pytest.mark.emulator

TOKEN = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
INPUTS = {
    "clusterName": "prefect-abc1234",
    "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
    "defaultCapacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
}


def res(type_: str, name: str, inputs: dict[str, Any]) -> RecordedResource:
    urn = f"urn:pulumi:dev::prefect-ecs::prefect-ecs:index:PrefectEcsWorker${type_}::{name}"
    return RecordedResource(type_, name, urn, None, True, inputs)


def test_fake_id_is_the_cluster_name() -> None:
    rid, out = resource_type(TOKEN).fake(res(TOKEN, "w-capacity-providers", INPUTS), FakeAws())
    assert rid == "prefect-abc1234" and out["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]


def test_details() -> None:
    assert resource_details(res(TOKEN, "w-capacity-providers", INPUTS)) == [
        "cluster: prefect-abc1234",
        "capacityProviders: FARGATE, FARGATE_SPOT",
        "default strategy: FARGATE weight 1 base 0",
    ]


def test_round_trip_in_moto(aws: MotoAws) -> None:
    ecs = aws.client("ecs")
    aws.register(res("aws:ecs/cluster:Cluster", "prefect", {"name": "prefect-abc1234"}))
    rid, _ = aws.register(res(TOKEN, "w-capacity-providers", INPUTS))
    assert rid == "prefect-abc1234"
    (got,) = ecs.describe_clusters(clusters=[rid])["clusters"]
    assert got["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert got["defaultCapacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
    association = aws.created[-1]
    aws.delete(association)
    assert not resource_type(TOKEN).exists(association, aws)
    (got,) = ecs.describe_clusters(clusters=[rid])["clusters"]
    assert not got.get("capacityProviders")
    aws.delete(aws.created[0])
    aws.created.clear()
