"""``aws:iam/role:Role``: an IAM role (worker execution/task, flow-run execution/task)."""

from __future__ import annotations

from typing import Any

from prefect_ecs.documents.iam import describe_document
from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


class Role(base.ResourceType):
    token = "aws:iam/role:Role"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 64)
        path = out.get("path") or "/"
        out["arn"] = f"arn:aws:iam::{ctx.account_id}:role{path}{out['name']}"
        out["uniqueId"] = f"AROA{base.stable_hex(res.urn, 17).upper()}"
        return out["name"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 64)
        kw: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": props["assumeRolePolicy"],
            "Path": props.get("path") or "/",
            "Tags": base.tag_list(props.get("tags")),
        }
        if props.get("description"):
            kw["Description"] = props["description"]
        if props.get("maxSessionDuration"):
            kw["MaxSessionDuration"] = whole_floats_to_ints(props["maxSessionDuration"])
        role = emulator.client("iam").create_role(**kw)["Role"]
        out["arn"] = role["Arn"]
        out["uniqueId"] = role["RoleId"]
        return name, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("iam").delete_role(RoleName=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        emulator.client("iam").get_role(RoleName=item.id)
        return True

    def details(self, res: RecordedResource) -> list[str]:
        trust = describe_document(base.plan_inputs(res).get("assumeRolePolicy", "{}"))
        return [f"name: {res.outputs.get('name')}"] + [f"trust: {line}" for line in trust]


TYPE = Role()
