"""``aws:ecs/capacityProvider:CapacityProvider``: the EC2 capacity provider of flow runs."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


def auto_scaling_group_provider(props: dict[str, Any]) -> dict[str, Any]:
    """Pulumi's ``autoScalingGroupProvider`` as ECS's."""
    given = props.get("autoScalingGroupProvider") or {}
    provider: dict[str, Any] = {"autoScalingGroupArn": given["autoScalingGroupArn"]}
    for key in ("managedTerminationProtection", "managedDraining"):
        if given.get(key):
            provider[key] = given[key]
    scaling = given.get("managedScaling")
    if scaling:
        provider["managedScaling"] = {
            k: whole_floats_to_ints(v) for k, v in scaling.items() if v is not None
        }
    return provider


class CapacityProvider(base.ResourceType):
    token = "aws:ecs/capacityProvider:CapacityProvider"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 255)
        out["arn"] = f"arn:aws:ecs:{ctx.region}:{ctx.account_id}:capacity-provider/{out['name']}"
        return out["arn"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 255)
        got = emulator.client("ecs").create_capacity_provider(
            name=name,
            autoScalingGroupProvider=auto_scaling_group_provider(props),
            tags=base.tag_list(props.get("tags"), "key", "value"),
        )["capacityProvider"]
        out["arn"] = got["capacityProviderArn"]
        return got["capacityProviderArn"], out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("ecs").delete_capacity_provider(capacityProvider=item.outs["name"])

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        got = emulator.client("ecs").describe_capacity_providers(
            capacityProviders=[item.outs["name"]]
        )
        return any(p.get("status") == "ACTIVE" for p in got["capacityProviders"])

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res).get("autoScalingGroupProvider") or {}
        scaling = p.get("managedScaling") or {}
        return [
            f"name: {res.outputs.get('name')}",
            f"autoScalingGroup: {p.get('autoScalingGroupArn')}",
            f"managedScaling: {scaling.get('status')}, target {scaling.get('targetCapacity')}%",
            f"managedTerminationProtection: {p.get('managedTerminationProtection')}",
            f"managedDraining: {p.get('managedDraining')}",
        ]


TYPE = CapacityProvider()
