"""A stand-in for AWS in the offline plan: answers registrations and data sources.

It fabricates the values AWS computes (ids, ARNs, auto-names) in the exact shape
AWS returns them, deterministically (hashes of the resource URN), so a plan is
stable from run to run. It never talks to a network. Anything it does not know
raises, so a new data source can't silently return empty fields.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .runner import RecordedResource

FAKE_ACCOUNT_ID = "123456789012"
FAKE_VPC_ID = "vpc-0a1b2c3d4e5f60718"
FAKE_SUBNET_IDS = [
    "subnet-0a1b2c3d4e5f60001",
    "subnet-0a1b2c3d4e5f60002",
    "subnet-0a1b2c3d4e5f60003",
]


def stable_hex(seed: str, n: int) -> str:
    """``n`` hex digits derived from ``seed``: the same every run."""
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def physical_name(res: RecordedResource, max_len: int = 64) -> str:
    """The AWS name Pulumi would give ``res``: its ``name``, ``namePrefix`` + a suffix,
    or the logical name + 7 characters (auto-naming), stable per URN."""
    props = res.props
    if props.get("name"):
        return str(props["name"])
    if props.get("namePrefix"):
        return f"{props['namePrefix']}{stable_hex(res.urn, 26)}"[:max_len]
    return f"{res.name}-{stable_hex(res.urn, 7)}"


def region_invoke(token: str, region: str) -> dict[str, Any] | None:
    """What getPartition / getRegion return for ``region`` (commercial partition); else None."""
    if token == "aws:index/getPartition:getPartition":
        return {
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "id": "aws",
            "reverseDnsPrefix": "com.amazonaws",
        }
    if token == "aws:index/getRegion:getRegion":
        return {
            "region": region,
            "name": region,
            "id": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region,
        }
    return None


class UnknownInvokeError(LookupError):
    """A data source the fake does not model."""


class FakeAws:
    """Deterministic answers for the resources and data sources this project uses."""

    def __init__(self, region: str = "us-east-1", account_id: str = FAKE_ACCOUNT_ID):
        self.region = region
        self.account_id = account_id

    # -------------------------------------------------------------- data sources
    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer one data-source call; raise for anything unknown."""
        a, r = self.account_id, self.region
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": a,
                "arn": f"arn:aws:iam::{a}:user/plan",
                "id": a,
                "userId": "AIDAPLANPLANPLANPLAN",
            }
        static = region_invoke(token, r)
        if static is not None:
            return static
        if token == "aws:ec2/getVpc:getVpc":
            if not args.get("default") and not args.get("id"):
                raise UnknownInvokeError(f"{token} is only faked for the default VPC or by id")
            vid = args.get("id") or FAKE_VPC_ID
            return {
                "id": vid,
                "arn": f"arn:aws:ec2:{r}:{a}:vpc/{vid}",
                "cidrBlock": "172.31.0.0/16",
                "default": bool(args.get("default")),
                "state": "available",
            }
        if token == "aws:secretsmanager/getSecretVersion:getSecretVersion":
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
        if token == "aws:ec2/getSubnets:getSubnets":
            return {"id": r, "ids": list(FAKE_SUBNET_IDS), "filters": args.get("filters", [])}
        raise UnknownInvokeError(f"the offline plan does not model data source {token}")

    # -------------------------------------------------------------- resources
    def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
        """Fabricate the id and outputs AWS would return for ``res``."""
        a, r = self.account_id, self.region
        out = dict(res.inputs)
        seed = res.urn

        t = res.type
        if t == "aws:secretsmanager/secret:Secret":
            out["name"] = physical_name(res, 512)
            out["arn"] = (
                f"arn:aws:secretsmanager:{r}:{a}:secret:{out['name']}-{stable_hex(seed, 6)}"
            )
            return out["arn"], out
        if t == "aws:secretsmanager/secretVersion:SecretVersion":
            out["versionId"] = stable_hex(seed, 32)
            out["arn"] = out.get("secretId")
            return f"{out.get('secretId')}|{out['versionId']}", out
        if t == "aws:cloudwatch/logGroup:LogGroup":
            out["name"] = physical_name(res, 512)
            out["arn"] = f"arn:aws:logs:{r}:{a}:log-group:{out['name']}"
            return out["name"], out
        if t == "aws:ecs/cluster:Cluster":
            out["name"] = physical_name(res, 255)
            out["arn"] = f"arn:aws:ecs:{r}:{a}:cluster/{out['name']}"
            return out["arn"], out
        if t == "aws:ec2/securityGroup:SecurityGroup":
            sid = f"sg-{stable_hex(seed, 17)}"
            out["name"] = physical_name(res, 255)
            out["arn"] = f"arn:aws:ec2:{r}:{a}:security-group/{sid}"
            out["ownerId"] = a
            return sid, out
        if t == "aws:iam/role:Role":
            out["name"] = physical_name(res, 64)
            path = out.get("path") or "/"
            out["arn"] = f"arn:aws:iam::{a}:role{path}{out['name']}"
            out["uniqueId"] = f"AROA{stable_hex(seed, 17).upper()}"
            return out["name"], out
        if t == "aws:iam/rolePolicy:RolePolicy":
            out["name"] = physical_name(res, 128)
            return f"{out.get('role')}:{out['name']}", out
        if t == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            return f"{out.get('role')}-{stable_hex(seed, 26)}", out
        if t == "aws:ecs/taskDefinition:TaskDefinition":
            family = out.get("family") or res.name
            out["revision"] = 1
            out["arnWithoutRevision"] = f"arn:aws:ecs:{r}:{a}:task-definition/{family}"
            out["arn"] = f"{out['arnWithoutRevision']}:1"
            return family, out
        if t == "aws:ecs/service:Service":
            out["name"] = physical_name(res, 255)
            cluster = str(out.get("cluster", "default")).rsplit("/", 1)[-1]
            return f"arn:aws:ecs:{r}:{a}:service/{cluster}/{out['name']}", out
        if t == "pulumi-python:dynamic/prefect:WorkPool":
            # Not AWS, but the plan answers for the Prefect API too (no server offline).
            out.pop("__provider", None)
            h = stable_hex(seed, 32)
            out["pool_id"] = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
            q = stable_hex(seed + "queue", 32)
            out["default_queue_id"] = f"{q[:8]}-{q[8:12]}-{q[12:16]}-{q[16:20]}-{q[20:32]}"
            out["status"] = "NOT_READY"
            return out["pool_id"], out
        # Resources the plan does not model in detail (dynamic resources included)
        # echo their inputs under a stable id.
        out.pop("__provider", None)
        return f"{res.name}-{stable_hex(seed, 8)}", out
