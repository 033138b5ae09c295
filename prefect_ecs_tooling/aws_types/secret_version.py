"""``aws:secretsmanager/secretVersion:SecretVersion``: the secret's value."""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from ._base import Created, Emulator, FakeContext, ResourceType, plan_inputs, secret_or, stable_hex


class SecretVersion(ResourceType):
    token = "aws:secretsmanager/secretVersion:SecretVersion"

    def fake(self, res: RecordedResource, ctx: FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["versionId"] = stable_hex(res.urn, 32)
        out["arn"] = out.get("secretId")
        return f"{out.get('secretId')}|{out['versionId']}", out

    def create(self, res: RecordedResource, emulator: Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        got = emulator.client("secretsmanager").put_secret_value(
            SecretId=props["secretId"], SecretString=props.get("secretString", "")
        )
        out["versionId"] = got["VersionId"]
        out["arn"] = got["ARN"]
        out["versionStages"] = got.get("VersionStages", ["AWSCURRENT"])
        return f"{props['secretId']}|{got['VersionId']}", out

    def delete(self, item: Created, emulator: Emulator) -> None:
        pass  # goes with its secret (the provider only drops it from the state)

    def exists(self, item: Created, emulator: Emulator) -> bool:
        return False  # lives and dies with its secret, which is checked on its own

    def details(self, res: RecordedResource) -> list[str]:
        return [f"secretString: {secret_or(plan_inputs(res).get('secretString'))}"]


TYPE = SecretVersion()
