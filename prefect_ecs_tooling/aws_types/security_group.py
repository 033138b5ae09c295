"""``aws:ec2/securityGroup:SecurityGroup``: the egress-only group of the worker and flow runs."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


def ip_permissions(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pulumi's ``ingress`` / ``egress`` rules as EC2's ``IpPermissions``."""
    perms = []
    for rule in rules:
        perm: dict[str, Any] = {"IpProtocol": str(rule.get("protocol", "-1"))}
        if perm["IpProtocol"] != "-1":
            perm["FromPort"] = whole_floats_to_ints(rule.get("fromPort", 0))
            perm["ToPort"] = whole_floats_to_ints(rule.get("toPort", 0))
        desc = {"Description": rule["description"]} if rule.get("description") else {}
        perm["IpRanges"] = [{"CidrIp": c, **desc} for c in rule.get("cidrBlocks") or []]
        perm["Ipv6Ranges"] = [{"CidrIpv6": c, **desc} for c in rule.get("ipv6CidrBlocks") or []]
        perms.append(perm)
    return perms


class SecurityGroup(base.ResourceType):
    token = "aws:ec2/securityGroup:SecurityGroup"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        sid = f"sg-{base.stable_hex(res.urn, 17)}"
        out["name"] = base.physical_name(res, 255)
        out["arn"] = f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:security-group/{sid}"
        out["ownerId"] = ctx.account_id
        return sid, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        tags = props.get("tags") or {}
        ec2 = emulator.client("ec2")
        name = out["name"] = base.physical_name(res, 255)
        kw: dict[str, Any] = {
            "GroupName": name,
            "Description": props.get("description") or "Managed by Pulumi",
        }
        if props.get("vpcId"):
            kw["VpcId"] = props["vpcId"]
        if tags:
            kw["TagSpecifications"] = [
                {"ResourceType": "security-group", "Tags": base.tag_list(tags)}
            ]
        sid = ec2.create_security_group(**kw)["GroupId"]
        # Like the AWS provider: drop AWS's default allow-all egress, then add the rules.
        ec2.revoke_security_group_egress(
            GroupId=sid,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        if props.get("egress"):
            ec2.authorize_security_group_egress(
                GroupId=sid, IpPermissions=ip_permissions(props["egress"])
            )
        if props.get("ingress"):
            ec2.authorize_security_group_ingress(
                GroupId=sid, IpPermissions=ip_permissions(props["ingress"])
            )
        group = ec2.describe_security_groups(GroupIds=[sid])["SecurityGroups"][0]
        out["arn"] = f"arn:aws:ec2:{emulator.region}:{group['OwnerId']}:security-group/{sid}"
        out["ownerId"] = group["OwnerId"]
        return sid, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("ec2").delete_security_group(GroupId=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        emulator.client("ec2").describe_security_groups(GroupIds=[item.id])
        return True

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        egress = [
            f"{e.get('protocol')} to {', '.join(e.get('cidrBlocks', []) + e.get('ipv6CidrBlocks', []))}"
            for e in p.get("egress", [])
        ]
        return [
            f"vpc: {p.get('vpcId')}",
            f"ingress: {len(p.get('ingress') or [])} rules",
            f"egress: {'; '.join(egress) or 'none'}",
        ]


TYPE = SecurityGroup()
