"""``aws:secretsmanager/secret:Secret``: a Secrets Manager secret (the Prefect credential)."""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base


class Secret(base.ResourceType):
    token = "aws:secretsmanager/secret:Secret"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 512)
        out["arn"] = (
            f"arn:aws:secretsmanager:{ctx.region}:{ctx.account_id}:secret:"
            f"{out['name']}-{base.stable_hex(res.urn, 6)}"
        )
        return out["arn"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 512)
        kw: dict[str, Any] = {"Name": name, "Tags": base.tag_list(props.get("tags"))}
        if props.get("description"):
            kw["Description"] = props["description"]
        if props.get("kmsKeyId"):
            kw["KmsKeyId"] = props["kmsKeyId"]
        got = emulator.client("secretsmanager").create_secret(**kw)
        out["arn"] = got["ARN"]
        return got["ARN"], out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("secretsmanager").delete_secret(
            SecretId=item.id, ForceDeleteWithoutRecovery=True
        )

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        emulator.client("secretsmanager").describe_secret(SecretId=item.id)
        return True

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        return [
            f"name: {res.outputs.get('name')}",
            f"encryption: {p.get('kmsKeyId') or 'AWS-managed key (aws/secretsmanager)'}",
        ]


TYPE = Secret()
