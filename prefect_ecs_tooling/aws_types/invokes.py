"""The data sources the stack calls, each in one class: what the offline plan fabricates
(``fake``) and what the emulator answers from its state (``emulate``).

Adding a data source means adding one :class:`DataSource` subclass here; ``DATA_SOURCES``
collects every subclass defined in this module.
"""

from __future__ import annotations

from typing import Any

from ._base import MOTO_ACCOUNT_ID, DataSource, Emulator, FakeContext, UnmodeledError, stable_hex

__all__ = ["DATA_SOURCES", "FAKE_SUBNET_IDS", "FAKE_VPC_ID"]

FAKE_VPC_ID = "vpc-0a1b2c3d4e5f60718"
FAKE_SUBNET_IDS = [
    "subnet-0a1b2c3d4e5f60001",
    "subnet-0a1b2c3d4e5f60002",
    "subnet-0a1b2c3d4e5f60003",
]


class GetCallerIdentity(DataSource):
    token = "aws:index/getCallerIdentity:getCallerIdentity"

    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        a = ctx.account_id
        return {
            "accountId": a,
            "arn": f"arn:aws:iam::{a}:user/plan",
            "id": a,
            "userId": "AIDAPLANPLANPLANPLAN",
        }

    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        ident = emulator.client("sts").get_caller_identity()
        return {
            "accountId": ident["Account"],
            "arn": ident["Arn"],
            "id": ident["Account"],
            "userId": ident["UserId"],
        }


class GetPartition(DataSource):
    """The commercial partition, offline and in the emulator alike."""

    token = "aws:index/getPartition:getPartition"

    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        return {
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "id": "aws",
            "reverseDnsPrefix": "com.amazonaws",
        }

    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        return self.fake(args, emulator)


class GetRegion(DataSource):
    """The configured region, offline and in the emulator alike."""

    token = "aws:index/getRegion:getRegion"

    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        r = ctx.region
        return {
            "region": r,
            "name": r,
            "id": r,
            "endpoint": f"ec2.{r}.amazonaws.com",
            "description": r,
        }

    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        return self.fake(args, emulator)


class GetVpc(DataSource):
    """The default VPC, or one by id (nothing else is modelled)."""

    token = "aws:ec2/getVpc:getVpc"

    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        if not args.get("default") and not args.get("id"):
            raise UnmodeledError(f"{self.token} is only faked for the default VPC or by id")
        vid = args.get("id") or FAKE_VPC_ID
        return {
            "id": vid,
            "arn": f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:vpc/{vid}",
            "cidrBlock": "172.31.0.0/16",
            "default": bool(args.get("default")),
            "state": "available",
        }

    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        ec2 = emulator.client("ec2")
        if args.get("id"):
            vpcs = ec2.describe_vpcs(VpcIds=[args["id"]])["Vpcs"]
        elif args.get("default"):
            flt = [{"Name": "isDefault", "Values": ["true"]}]
            vpcs = ec2.describe_vpcs(Filters=flt)["Vpcs"]
        else:
            raise UnmodeledError(f"{self.token}: only the default VPC or by id")
        if len(vpcs) != 1:
            raise LookupError(f"{self.token}: expected one VPC, found {len(vpcs)}")
        vpc = vpcs[0]
        owner = vpc.get("OwnerId", MOTO_ACCOUNT_ID)
        return {
            "id": vpc["VpcId"],
            "arn": f"arn:aws:ec2:{emulator.region}:{owner}:vpc/{vpc['VpcId']}",
            "cidrBlock": vpc["CidrBlock"],
            "default": bool(vpc.get("IsDefault")),
            "state": vpc.get("State", "available"),
        }


class GetSubnets(DataSource):
    token = "aws:ec2/getSubnets:getSubnets"

    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        return {"id": ctx.region, "ids": list(FAKE_SUBNET_IDS), "filters": args.get("filters", [])}

    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        filters = [
            {"Name": f["name"], "Values": list(f["values"])} for f in args.get("filters") or []
        ]
        subnets = emulator.client("ec2").describe_subnets(Filters=filters)["Subnets"]
        return {
            "id": emulator.region,
            "ids": sorted(s["SubnetId"] for s in subnets),
            "filters": args.get("filters", []),
        }


class GetSubnet(DataSource):
    """One subnet by id (the zone check of given subnets): offline, its zone is one of
    ``<region>a..c`` from the id, the same every run."""

    token = "aws:ec2/getSubnet:getSubnet"

    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        sid = args.get("id")
        if not sid:
            raise UnmodeledError(f"{self.token} is only faked by id")
        zone = ctx.region + "abc"[int(stable_hex(sid, 4), 16) % 3]
        return {
            "id": sid,
            "arn": f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:subnet/{sid}",
            "availabilityZone": zone,
            "vpcId": FAKE_VPC_ID,
        }

    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        if not args.get("id"):
            raise UnmodeledError(f"{self.token}: only by id")
        (subnet,) = emulator.client("ec2").describe_subnets(SubnetIds=[args["id"]])["Subnets"]
        owner = subnet.get("OwnerId", MOTO_ACCOUNT_ID)
        return {
            "id": subnet["SubnetId"],
            "arn": f"arn:aws:ec2:{emulator.region}:{owner}:subnet/{subnet['SubnetId']}",
            "availabilityZone": subnet["AvailabilityZone"],
            "vpcId": subnet["VpcId"],
        }


class GetSecretVersion(DataSource):
    token = "aws:secretsmanager/getSecretVersion:getSecretVersion"

    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        # The real value never exists offline; the plan shows it as [secret].
        sid = args.get("secretId", "")
        return {
            "arn": sid,
            "id": f"{sid}|AWSCURRENT",
            "secretId": sid,
            "secretString": "offline-plan-placeholder",
            "versionId": stable_hex(sid, 32),
            "versionStage": "AWSCURRENT",
            "versionStages": ["AWSCURRENT"],
        }

    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        sid = args.get("secretId", "")
        stage = args.get("versionStage") or "AWSCURRENT"
        got = emulator.client("secretsmanager").get_secret_value(SecretId=sid, VersionStage=stage)
        return {
            "arn": got["ARN"],
            "id": f"{got['ARN']}|{stage}",
            "secretId": sid,
            "secretString": got.get("SecretString", ""),
            "versionId": got["VersionId"],
            "versionStage": stage,
            "versionStages": got.get("VersionStages", []),
        }


#: token -> data source, for every DataSource subclass above.
DATA_SOURCES: dict[str, DataSource] = {
    cls.token: cls() for cls in DataSource.__subclasses__() if cls.__module__ == __name__
}
