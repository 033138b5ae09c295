"""``aws:iam/rolePolicy:RolePolicy``: an inline policy of a role."""

from __future__ import annotations

from typing import Any

from prefect_ecs.documents.iam import describe_document

from ..records import RecordedResource
from . import _base as base


class RolePolicy(base.ResourceType):
    token = "aws:iam/rolePolicy:RolePolicy"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 128)
        return f"{out.get('role')}:{out['name']}", out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 128)
        emulator.client("iam").put_role_policy(
            RoleName=props["role"], PolicyName=name, PolicyDocument=props["policy"]
        )
        return f"{props['role']}:{name}", out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("iam").delete_role_policy(
            RoleName=item.props["role"], PolicyName=item.outs["name"]
        )

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        names = emulator.client("iam").list_role_policies(RoleName=item.props["role"])
        return item.outs["name"] in names["PolicyNames"]

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        return [f"role: {p.get('role')}", *describe_document(p.get("policy", "{}"))]


TYPE = RolePolicy()
