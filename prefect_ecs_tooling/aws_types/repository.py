"""``aws:ecr/repository:Repository``: an ECR repository (where the flow image is pushed)."""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base

#: ECR's longest repository name.
MAX_NAME = 256


def repository_name(res: RecordedResource) -> str:
    """``name`` as given, else the auto-name lowercased (ECR takes no capitals)."""
    if res.props.get("name"):
        return str(res.props["name"])
    return base.physical_name(res, MAX_NAME).lower()[:MAX_NAME]


def repository_outputs(name: str, region: str, account_id: str) -> dict[str, str]:
    """The outputs the provider reads back for repository ``name``."""
    return {
        "name": name,
        "arn": f"arn:aws:ecr:{region}:{account_id}:repository/{name}",
        "repositoryUrl": f"{account_id}.dkr.ecr.{region}.amazonaws.com/{name}",
        "registryId": account_id,
    }


def create_arguments(name: str, props: dict[str, Any]) -> dict[str, Any]:
    """``CreateRepository``'s arguments for Pulumi's inputs."""
    kw: dict[str, Any] = {"repositoryName": name}
    if props.get("imageTagMutability"):
        kw["imageTagMutability"] = props["imageTagMutability"]
    filters = props.get("imageTagMutabilityExclusionFilters")
    if filters:
        kw["imageTagMutabilityExclusionFilters"] = [
            {"filterType": f["filterType"], "filter": f["filter"]} for f in filters
        ]
    scanning = props.get("imageScanningConfiguration")
    if scanning is not None:
        kw["imageScanningConfiguration"] = {"scanOnPush": bool(scanning.get("scanOnPush"))}
    for config in props.get("encryptionConfigurations") or []:  # at most one (the schema's)
        encryption = {"encryptionType": config.get("encryptionType") or "AES256"}
        if config.get("kmsKey"):
            encryption["kmsKey"] = config["kmsKey"]
        kw["encryptionConfiguration"] = encryption
    if props.get("tags"):
        kw["tags"] = base.tag_list(props["tags"])
    return kw


class Repository(base.ResourceType):
    token = "aws:ecr/repository:Repository"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        name = repository_name(res)
        out = {**res.inputs, **repository_outputs(name, ctx.region, ctx.account_id)}
        return name, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        name = repository_name(res)
        got = emulator.client("ecr").create_repository(**create_arguments(name, res.props))
        repo = got["repository"]
        out = dict(res.inputs)
        out["name"] = repo["repositoryName"]
        out["arn"] = repo["repositoryArn"]
        out["repositoryUrl"] = repo["repositoryUri"]
        out["registryId"] = repo["registryId"]
        return name, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        # As the provider: DeleteRepository with force only when forceDelete is set (a
        # repository that still holds images is refused otherwise, in moto as on AWS).
        force = bool(item.props.get("forceDelete"))
        emulator.client("ecr").delete_repository(repositoryName=item.id, force=force)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        got = emulator.client("ecr").describe_repositories(repositoryNames=[item.id])
        return any(r["repositoryName"] == item.id for r in got["repositories"])

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        scanning = p.get("imageScanningConfiguration") or {}
        mutability = p.get("imageTagMutability") or "MUTABLE (default)"
        filters = p.get("imageTagMutabilityExclusionFilters") or []
        if filters:
            mutability += " except " + ", ".join(str(f.get("filter")) for f in filters)
        return [
            f"name: {res.outputs.get('name')}",
            f"tags: {mutability}  scanOnPush: {bool(scanning.get('scanOnPush'))}",
            f"encryption: {describe_encryption(p.get('encryptionConfigurations'))}"
            f"  forceDelete: {bool(p.get('forceDelete'))}",
        ]


def describe_encryption(configs: Any) -> str:
    """``KMS <key>``, ``KMS (AWS-managed key)`` or ``AES256`` (ECR's default)."""
    if not configs:
        return "AES256 (default)"
    config = configs[0]
    kind = config.get("encryptionType") or "AES256"
    if kind == "KMS":
        return (
            f"KMS {base.secret_or(config['kmsKey'])}" if config.get("kmsKey") else "KMS (aws/ecr)"
        )
    return str(kind)


TYPE = Repository()
