"""``aws:iam/rolePolicyAttachment:RolePolicyAttachment``: a managed policy attached to a role."""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base


class RolePolicyAttachment(base.ResourceType):
    token = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        return f"{out.get('role')}-{base.stable_hex(res.urn, 26)}", out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        emulator.client("iam").attach_role_policy(
            RoleName=props["role"], PolicyArn=props["policyArn"]
        )
        return f"{props['role']}-{base.stable_hex(res.urn, 26)}", out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("iam").detach_role_policy(
            RoleName=item.props["role"], PolicyArn=item.props["policyArn"]
        )

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        att = emulator.client("iam").list_attached_role_policies(RoleName=item.props["role"])
        return item.props["policyArn"] in {a["PolicyArn"] for a in att["AttachedPolicies"]}

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        return [f"attach {p.get('policyArn')} to {p.get('role')}"]


TYPE = RolePolicyAttachment()
