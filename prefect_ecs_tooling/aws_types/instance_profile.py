"""``aws:iam/instanceProfile:InstanceProfile``: the profile of the flow-run EC2 instances."""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base


class InstanceProfile(base.ResourceType):
    token = "aws:iam/instanceProfile:InstanceProfile"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 128)
        path = out.get("path") or "/"
        out["arn"] = f"arn:aws:iam::{ctx.account_id}:instance-profile{path}{out['name']}"
        out["uniqueId"] = f"AIPA{base.stable_hex(res.urn, 17).upper()}"
        return out["name"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 128)
        iam = emulator.client("iam")
        profile = iam.create_instance_profile(
            InstanceProfileName=name,
            Path=props.get("path") or "/",
            Tags=base.tag_list(props.get("tags")),
        )["InstanceProfile"]
        if props.get("role"):
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=props["role"])
        out["arn"] = profile["Arn"]
        out["uniqueId"] = profile["InstanceProfileId"]
        return name, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        # As the provider: remove the role first (IAM refuses to delete a profile with one).
        iam = emulator.client("iam")
        profile = iam.get_instance_profile(InstanceProfileName=item.id)["InstanceProfile"]
        for role in profile.get("Roles", []):
            iam.remove_role_from_instance_profile(
                InstanceProfileName=item.id, RoleName=role["RoleName"]
            )
        iam.delete_instance_profile(InstanceProfileName=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        emulator.client("iam").get_instance_profile(InstanceProfileName=item.id)
        return True

    def details(self, res: RecordedResource) -> list[str]:
        return [f"name: {res.outputs.get('name')}", f"role: {base.plan_inputs(res).get('role')}"]


TYPE = InstanceProfile()
