"""``aws:secretsmanager/secretVersion:SecretVersion``: the secret's value."""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base


class SecretVersion(base.ResourceType):
    token = "aws:secretsmanager/secretVersion:SecretVersion"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["versionId"] = base.stable_hex(res.urn, 32)
        out["arn"] = out.get("secretId")
        return f"{out.get('secretId')}|{out['versionId']}", out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        got = emulator.client("secretsmanager").put_secret_value(
            SecretId=props["secretId"], SecretString=props.get("secretString", "")
        )
        out["versionId"] = got["VersionId"]
        out["arn"] = got["ARN"]
        out["versionStages"] = got.get("VersionStages", ["AWSCURRENT"])
        return f"{props['secretId']}|{got['VersionId']}", out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        pass  # goes with its secret (the provider only drops it from the state)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        return False  # lives and dies with its secret, which is checked on its own

    def details(self, res: RecordedResource) -> list[str]:
        return [f"secretString: {base.secret_or(base.plan_inputs(res).get('secretString'))}"]


TYPE = SecretVersion()
