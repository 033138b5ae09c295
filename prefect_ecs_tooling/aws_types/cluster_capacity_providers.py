"""``aws:ecs/clusterCapacityProviders:ClusterCapacityProviders``: the capacity providers
associated with a cluster the component creates (Fargate Spot, EC2 capacity), and its
default strategy.

The provider's id is the cluster name; create and update are one
``PutClusterCapacityProviders`` call, which replaces the whole list, and delete puts an
empty list back. moto stores what it is given and checks none of AWS's rules (that the
EC2 provider exists, that a strategy's providers are associated, that a default strategy
does not mix Fargate and Auto Scaling group providers).
"""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base


def _strategy(items: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [
        {
            "capacityProvider": i["capacityProvider"],
            "weight": int(i.get("weight", 0)),
            "base": int(i.get("base", 0)),
        }
        for i in items or []
    ]


class ClusterCapacityProviders(base.ResourceType):
    token = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        return str(out.get("clusterName", "")), out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        cluster = str(props["clusterName"])
        emulator.client("ecs").put_cluster_capacity_providers(
            cluster=cluster,
            capacityProviders=list(props.get("capacityProviders") or []),
            defaultCapacityProviderStrategy=_strategy(
                props.get("defaultCapacityProviderStrategies")
            ),
        )
        return cluster, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("ecs").put_cluster_capacity_providers(
            cluster=item.id, capacityProviders=[], defaultCapacityProviderStrategy=[]
        )

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        clusters = emulator.client("ecs").describe_clusters(clusters=[item.id])["clusters"]
        return any(c.get("status") == "ACTIVE" and c.get("capacityProviders") for c in clusters)

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        default = ", ".join(
            f"{i.get('capacityProvider')} weight {i.get('weight')} base {i.get('base', 0)}"
            for i in p.get("defaultCapacityProviderStrategies") or []
        )
        return [
            f"cluster: {p.get('clusterName')}",
            f"capacityProviders: {', '.join(p.get('capacityProviders') or [])}",
            f"default strategy: {default}",
        ]


TYPE = ClusterCapacityProviders()
