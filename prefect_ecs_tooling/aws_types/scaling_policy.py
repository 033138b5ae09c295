"""``aws:appautoscaling/policy:Policy``: an Application Auto Scaling policy (the worker
service's target tracking on average CPU and memory, with ``worker_autoscaling``)."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base

#: The provider's own limit of a policy name (auto-named ``<logical name>-<7>``).
NAME_LIMIT = 255


def policy_arn(region: str, account_id: str, res: RecordedResource, name: str) -> str:
    """A scaling policy ARN in AWS's shape, stable per URN."""
    props = res.props
    return (
        f"arn:aws:autoscaling:{region}:{account_id}:scalingPolicy:"
        f"{base.stable_hex(res.urn, 8)}-{base.stable_hex(name, 4)}-0000-0000-"
        f"{base.stable_hex(res.urn + name, 12)}:resource/{props.get('serviceNamespace')}/"
        f"{props.get('resourceId')}:policyName/{name}"
    )


def target_tracking(config: dict[str, Any]) -> dict[str, Any]:
    """``TargetTrackingScalingPolicyConfiguration`` of PutScalingPolicy for Pulumi's input."""
    c = whole_floats_to_ints(config)
    out: dict[str, Any] = {"TargetValue": float(c["targetValue"])}
    spec = c.get("predefinedMetricSpecification")
    if spec:
        out["PredefinedMetricSpecification"] = {
            "PredefinedMetricType": spec["predefinedMetricType"],
            **({"ResourceLabel": spec["resourceLabel"]} if spec.get("resourceLabel") else {}),
        }
    for key, field in (
        ("scaleInCooldown", "ScaleInCooldown"),
        ("scaleOutCooldown", "ScaleOutCooldown"),
        ("disableScaleIn", "DisableScaleIn"),
    ):
        if c.get(key) is not None:
            out[field] = c[key]
    return out


def _key(props: dict[str, Any], name: str) -> dict[str, str]:
    return {
        "PolicyName": name,
        "ServiceNamespace": props["serviceNamespace"],
        "ResourceId": props["resourceId"],
        "ScalableDimension": props["scalableDimension"],
    }


class ScalingPolicy(base.ResourceType):
    token = "aws:appautoscaling/policy:Policy"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        name = out["name"] = base.physical_name(res, NAME_LIMIT)
        out["arn"] = policy_arn(ctx.region, ctx.account_id, res, name)
        out["alarmArns"] = []
        return name, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, NAME_LIMIT)
        kw: dict[str, Any] = {**_key(props, name)}
        if props.get("policyType"):
            kw["PolicyType"] = props["policyType"]
        if props.get("targetTrackingScalingPolicyConfiguration"):
            kw["TargetTrackingScalingPolicyConfiguration"] = target_tracking(
                props["targetTrackingScalingPolicyConfiguration"]
            )
        got = emulator.client("application-autoscaling").put_scaling_policy(**kw)
        out["arn"] = got["PolicyARN"]
        out["alarmArns"] = [a["AlarmARN"] for a in got.get("Alarms", [])]
        return name, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        key = _key(item.props, item.id)
        emulator.client("application-autoscaling").delete_scaling_policy(**key)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        key = _key(item.props, item.id)
        got = emulator.client("application-autoscaling").describe_scaling_policies(
            PolicyNames=[key["PolicyName"]],
            ServiceNamespace=key["ServiceNamespace"],
            ResourceId=key["ResourceId"],
            ScalableDimension=key["ScalableDimension"],
        )
        return bool(got["ScalingPolicies"])

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        c = p.get("targetTrackingScalingPolicyConfiguration") or {}
        metric = (c.get("predefinedMetricSpecification") or {}).get("predefinedMetricType")
        return [
            f"name: {res.outputs.get('name')}",
            f"{p.get('policyType')} on {p.get('resourceId')}: {metric} at {c.get('targetValue')}"
            f" (cooldown out {c.get('scaleOutCooldown')}s, in {c.get('scaleInCooldown')}s)",
        ]


TYPE = ScalingPolicy()
