"""``aws:autoscaling/group:Group``: the flow-run EC2 instances' auto scaling group."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


class AutoScalingGroup(base.ResourceType):
    token = "aws:autoscaling/group:Group"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        name = out["name"] = base.physical_name(res, 255)
        uid = base.stable_hex(res.urn, 32)
        uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
        out["arn"] = (
            f"arn:aws:autoscaling:{ctx.region}:{ctx.account_id}:autoScalingGroup:{uid}"
            f":autoScalingGroupName/{name}"
        )
        out.setdefault("desiredCapacity", whole_floats_to_ints(out.get("minSize", 0)))
        return name, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 255)
        template = props.get("launchTemplate") or {}
        kw: dict[str, Any] = {
            "AutoScalingGroupName": name,
            "MinSize": whole_floats_to_ints(props["minSize"]),
            "MaxSize": whole_floats_to_ints(props["maxSize"]),
            "LaunchTemplate": {
                "LaunchTemplateId": template["id"],
                "Version": str(whole_floats_to_ints(template.get("version") or "$Default")),
            },
            "VPCZoneIdentifier": ",".join(props.get("vpcZoneIdentifiers") or []),
            "NewInstancesProtectedFromScaleIn": bool(props.get("protectFromScaleIn")),
            "Tags": [
                {
                    "Key": t["key"],
                    "Value": str(t["value"]),
                    "PropagateAtLaunch": bool(t.get("propagateAtLaunch")),
                    "ResourceId": name,
                    "ResourceType": "auto-scaling-group",
                }
                for t in props.get("tags") or []
            ],
        }
        if props.get("desiredCapacity") is not None:
            kw["DesiredCapacity"] = whole_floats_to_ints(props["desiredCapacity"])
        autoscaling = emulator.client("autoscaling")
        autoscaling.create_auto_scaling_group(**kw)
        (group,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
            "AutoScalingGroups"
        ]
        out["arn"] = group["AutoScalingGroupARN"]
        out["desiredCapacity"] = group["DesiredCapacity"]
        return name, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("autoscaling").delete_auto_scaling_group(
            AutoScalingGroupName=item.id, ForceDelete=bool(item.props.get("forceDelete"))
        )

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        got = emulator.client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[item.id]
        )
        return bool(got["AutoScalingGroups"])

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        tags = {t["key"]: t["value"] for t in p.get("tags") or []}
        return [
            f"size: {p.get('minSize')}..{p.get('maxSize')}",
            f"subnets: {base.short(p.get('vpcZoneIdentifiers'))}",
            f"launchTemplate: {base.short(p.get('launchTemplate'))}",
            f"protectFromScaleIn: {p.get('protectFromScaleIn')}",
            f"forceDelete: {p.get('forceDelete')}",
            f"AmazonECSManaged tag: {'AmazonECSManaged' in tags}",
        ]


TYPE = AutoScalingGroup()
