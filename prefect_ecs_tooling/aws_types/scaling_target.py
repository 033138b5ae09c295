"""``aws:appautoscaling/target:Target``: an Application Auto Scaling target (the worker
service's desired count between its bounds, with ``worker_autoscaling``)."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


def target_arn(region: str, account_id: str, res: RecordedResource) -> str:
    """A scalable target ARN in AWS's shape, stable per URN."""
    return (
        f"arn:aws:application-autoscaling:{region}:{account_id}:scalable-target/"
        f"{base.stable_hex(res.urn, 28)}"
    )


def _key(props: dict[str, Any]) -> dict[str, str]:
    return {
        "ServiceNamespace": props["serviceNamespace"],
        "ResourceId": props["resourceId"],
        "ScalableDimension": props["scalableDimension"],
    }


class ScalingTarget(base.ResourceType):
    token = "aws:appautoscaling/target:Target"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["arn"] = target_arn(ctx.region, ctx.account_id, res)
        # The provider's id is the resource id (service/<cluster>/<service>).
        return str(out.get("resourceId")), out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = whole_floats_to_ints(res.props), dict(res.inputs)
        client = emulator.client("application-autoscaling")
        got = client.register_scalable_target(
            **_key(props), MinCapacity=props["minCapacity"], MaxCapacity=props["maxCapacity"]
        )
        out["arn"] = got.get("ScalableTargetARN") or target_arn(
            emulator.region, emulator.account_id, res
        )
        return str(props["resourceId"]), out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("application-autoscaling").deregister_scalable_target(**_key(item.props))

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        key = _key(item.props)
        got = emulator.client("application-autoscaling").describe_scalable_targets(
            ServiceNamespace=key["ServiceNamespace"],
            ResourceIds=[key["ResourceId"]],
            ScalableDimension=key["ScalableDimension"],
        )
        return bool(got["ScalableTargets"])

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        return [
            f"{p.get('resourceId')} {p.get('scalableDimension')}",
            f"capacity: {p.get('minCapacity')}..{p.get('maxCapacity')}",
        ]


TYPE = ScalingTarget()
