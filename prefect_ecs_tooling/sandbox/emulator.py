"""moto as the AWS the stack deploys into, offline.

``start_moto()`` runs ``moto.server.ThreadedMotoServer`` on 127.0.0.1 (a free port) with
AWS managed policies loaded. ``MotoAws`` has the same interface as
:class:`prefect_ecs.fake_aws.FakeAws` (``register(res)`` / ``invoke(token, args)``), but
creates each resource for real in the emulator through boto3, so the emulator checks
every call (required fields, IAM policy syntax, references between resources), and a
Prefect worker can later run tasks against what the stack created. The Prefect work pool
(the dynamic resource) is created by the real provider against the URL in its inputs.

Ids and outputs have the shape FakeAws returns (the shape the AWS provider returns);
auto-names follow the same scheme (``name``, else ``namePrefix`` + hash, else
``<resource name>-<hash>``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..fake_aws import physical_name, region_invoke, stable_hex
from ..local_prefect import find_free_port
from ..runner import RecordedResource

__all__ = [
    "MOTO_ACCOUNT_ID",
    "MotoAws",
    "MotoServer",
    "UnsupportedResourceError",
    "moto_server",
    "start_moto",
]

MOTO_ACCOUNT_ID = "123456789012"
_FAKE_CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class UnsupportedResourceError(LookupError):
    """A resource type or data source the emulator hook does not create."""


@dataclass
class MotoServer:
    """A running ThreadedMotoServer; ``endpoint_url`` is what boto3 and workers use."""

    endpoint_url: str
    port: int
    server: Any = field(repr=False)
    started_s: float = 0.0

    def reset(self) -> None:
        """Forget every resource (all accounts and regions)."""
        import urllib.request

        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as resp:
            resp.read()

    def stop(self) -> None:
        """Stop the server thread."""
        self.server.stop()


def start_moto(host: str = "127.0.0.1", port: int | None = None) -> MotoServer:
    """Start moto's threaded server; AWS managed policies load (AttachRolePolicy needs them).

    moto's backends are global to the process: every server started in one process
    shares one state. Call ``reset()`` for a clean account.
    """
    # Read by moto when its IAM backend is created: must be set before the first request.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import ThreadedMotoServer

    # One line per request otherwise.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    t0 = time.monotonic()
    port = port or find_free_port(host)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return MotoServer(f"http://{host}:{port}", port, server, time.monotonic() - t0)


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    """``start_moto()`` as a context manager that stops it."""
    handle = start_moto()
    try:
        yield handle
    finally:
        handle.stop()


def _tag_list(tags: dict[str, Any] | None, key: str = "Key", value: str = "Value") -> list:
    return [{key: k, value: str(v)} for k, v in sorted((tags or {}).items())]


def _ip_permissions(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


@dataclass
class Created:
    """One thing MotoAws created (for reports and teardown)."""

    type: str
    name: str
    id: str
    props: dict[str, Any] = field(default_factory=dict, repr=False)
    outs: dict[str, Any] = field(default_factory=dict, repr=False)


class MotoAws:
    """Resource and invoke hooks for ``run_program`` that create everything in moto."""

    def __init__(self, endpoint_url: str, region: str = "us-east-1"):
        self.endpoint_url = endpoint_url
        self.region = region
        self.created: list[Created] = []
        self.work_pools: list[dict[str, Any]] = []
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` bound to the emulator (fake credentials)."""
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(
                service, endpoint_url=self.endpoint_url, region_name=self.region, **_FAKE_CREDS
            )
        return self._clients[service]

    @property
    def account_id(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])

    # -------------------------------------------------------------- data sources
    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer one data-source call from the emulator's state."""
        r = self.region
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            ident = self.client("sts").get_caller_identity()
            return {
                "accountId": ident["Account"],
                "arn": ident["Arn"],
                "id": ident["Account"],
                "userId": ident["UserId"],
            }
        static = region_invoke(token, r)
        if static is not None:
            return static
        if token == "aws:ec2/getVpc:getVpc":
            ec2 = self.client("ec2")
            if args.get("id"):
                vpcs = ec2.describe_vpcs(VpcIds=[args["id"]])["Vpcs"]
            elif args.get("default"):
                flt = [{"Name": "isDefault", "Values": ["true"]}]
                vpcs = ec2.describe_vpcs(Filters=flt)["Vpcs"]
            else:
                raise UnsupportedResourceError(f"{token}: only the default VPC or by id")
            if len(vpcs) != 1:
                raise LookupError(f"{token}: expected one VPC, found {len(vpcs)}")
            vpc = vpcs[0]
            return {
                "id": vpc["VpcId"],
                "arn": f"arn:aws:ec2:{r}:{vpc.get('OwnerId', MOTO_ACCOUNT_ID)}:vpc/{vpc['VpcId']}",
                "cidrBlock": vpc["CidrBlock"],
                "default": bool(vpc.get("IsDefault")),
                "state": vpc.get("State", "available"),
            }
        if token == "aws:ec2/getSubnets:getSubnets":
            filters = [
                {"Name": f["name"], "Values": list(f["values"])} for f in args.get("filters") or []
            ]
            subnets = self.client("ec2").describe_subnets(Filters=filters)["Subnets"]
            return {
                "id": r,
                "ids": sorted(s["SubnetId"] for s in subnets),
                "filters": args.get("filters", []),
            }
        if token == "aws:secretsmanager/getSecretVersion:getSecretVersion":
            sid = args.get("secretId", "")
            got = self.client("secretsmanager").get_secret_value(
                SecretId=sid, VersionStage=args.get("versionStage") or "AWSCURRENT"
            )
            return {
                "arn": got["ARN"],
                "id": f"{got['ARN']}|{args.get('versionStage') or 'AWSCURRENT'}",
                "secretId": sid,
                "secretString": got.get("SecretString", ""),
                "versionId": got["VersionId"],
                "versionStage": args.get("versionStage") or "AWSCURRENT",
                "versionStages": got.get("VersionStages", []),
            }
        raise UnsupportedResourceError(f"the emulator does not model data source {token}")

    # -------------------------------------------------------------- resources
    def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
        """Create ``res`` in the emulator; return the id and outputs AWS would."""
        rid, out = self._create(res)
        props = {k: v for k, v in res.props.items() if k != "__provider"}
        self.created.append(Created(res.type, res.name, str(rid), props, dict(out)))
        return rid, out

    # -------------------------------------------------------------- teardown
    def destroy(self) -> list[Created]:
        """Delete everything ``register`` created, in reverse creation order (as
        ``pulumi destroy`` would for this dependency chain); returns what was deleted."""
        done = []
        while self.created:
            item = self.created[-1]
            self.delete(item)
            self.created.pop()
            done.append(item)
        return done

    def delete(self, item: Created) -> None:
        """Delete one created resource the way the AWS provider (or the pool's dynamic
        provider) does."""
        t, p, o = item.type, item.props, item.outs
        if t == "pulumi-python:dynamic/prefect:WorkPool":
            from prefect_ecs.work_pool.provider import WorkPoolProvider

            WorkPoolProvider().delete(item.id, o)
        elif t == "aws:ecs/service:Service":
            ecs = self.client("ecs")
            cluster = p.get("cluster", "default")
            ecs.update_service(cluster=cluster, service=item.id, desiredCount=0)
            ecs.delete_service(cluster=cluster, service=item.id, force=True)
        elif t == "aws:ecs/taskDefinition:TaskDefinition":
            self.client("ecs").deregister_task_definition(taskDefinition=o["arn"])
        elif t == "aws:ecs/cluster:Cluster":
            ecs = self.client("ecs")
            # AWS refuses (ClusterContainsTasksException / ...ServicesException); moto
            # does not check, so the hook does.
            # (moto's ListTasks lists stopped tasks too unless asked for RUNNING ones,
            # AWS's default.)
            tasks = ecs.list_tasks(cluster=item.id, desiredStatus="RUNNING")["taskArns"]
            services = ecs.list_services(cluster=item.id)["serviceArns"]
            active = [
                s["serviceArn"]
                for s in (
                    ecs.describe_services(cluster=item.id, services=services)["services"]
                    if services
                    else []
                )
                if s.get("status") == "ACTIVE"
            ]
            if tasks or active:
                raise RuntimeError(
                    f"cluster {item.id} still contains tasks {tasks} / services {active}"
                )
            ecs.delete_cluster(cluster=item.id)
        elif t == "aws:iam/rolePolicy:RolePolicy":
            self.client("iam").delete_role_policy(RoleName=p["role"], PolicyName=o["name"])
        elif t == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            self.client("iam").detach_role_policy(RoleName=p["role"], PolicyArn=p["policyArn"])
        elif t == "aws:iam/role:Role":
            self.client("iam").delete_role(RoleName=item.id)
        elif t == "aws:cloudwatch/logGroup:LogGroup":
            self.client("logs").delete_log_group(logGroupName=item.id)
        elif t == "aws:ec2/securityGroup:SecurityGroup":
            self.client("ec2").delete_security_group(GroupId=item.id)
        elif t == "aws:secretsmanager/secretVersion:SecretVersion":
            pass  # goes with its secret (the provider only drops it from the state)
        elif t == "aws:secretsmanager/secret:Secret":
            self.client("secretsmanager").delete_secret(
                SecretId=item.id, ForceDeleteWithoutRecovery=True
            )
        else:
            raise UnsupportedResourceError(f"the emulator does not delete {t} ({item.name})")

    def leftovers(self, items: list[Created]) -> list[str]:
        """Which of ``items`` still exist, asked from the emulator's (and, for work pools,
        the Prefect server's) side; empty when everything is gone."""
        from botocore.exceptions import ClientError

        left: list[str] = []
        ecs, iam = self.client("ecs"), self.client("iam")
        for item in items:
            t, p, o = item.type, item.props, item.outs
            gone = True
            try:
                if t == "pulumi-python:dynamic/prefect:WorkPool":
                    from prefect_ecs.work_pool.provider import WorkPoolProvider

                    gone = not WorkPoolProvider().read(item.id, o).id
                elif t == "aws:ecs/service:Service":
                    svcs = ecs.describe_services(
                        cluster=p.get("cluster", "default"), services=[item.id]
                    )["services"]
                    gone = all(s.get("status") != "ACTIVE" for s in svcs)
                elif t == "aws:ecs/taskDefinition:TaskDefinition":
                    td = ecs.describe_task_definition(taskDefinition=o["arn"])["taskDefinition"]
                    gone = td.get("status") != "ACTIVE"
                elif t == "aws:ecs/cluster:Cluster":
                    clusters = ecs.describe_clusters(clusters=[item.id])["clusters"]
                    gone = all(c.get("status") != "ACTIVE" for c in clusters)
                elif t == "aws:iam/rolePolicy:RolePolicy":
                    names = iam.list_role_policies(RoleName=p["role"])["PolicyNames"]
                    gone = o["name"] not in names
                elif t == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
                    att = iam.list_attached_role_policies(RoleName=p["role"])
                    gone = p["policyArn"] not in {a["PolicyArn"] for a in att["AttachedPolicies"]}
                elif t == "aws:iam/role:Role":
                    iam.get_role(RoleName=item.id)
                    gone = False
                elif t == "aws:cloudwatch/logGroup:LogGroup":
                    groups = self.client("logs").describe_log_groups(logGroupNamePrefix=item.id)
                    gone = item.id not in {g["logGroupName"] for g in groups["logGroups"]}
                elif t == "aws:ec2/securityGroup:SecurityGroup":
                    self.client("ec2").describe_security_groups(GroupIds=[item.id])
                    gone = False
                elif t == "aws:secretsmanager/secret:Secret":
                    self.client("secretsmanager").describe_secret(SecretId=item.id)
                    gone = False
            except ClientError:
                gone = True  # NoSuchEntity, ResourceNotFoundException, InvalidGroup.NotFound...
            if not gone:
                left.append(f"{t} {item.name} ({item.id})")
        return left

    def _create(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
        r = self.region
        props = res.props
        out = dict(res.inputs)
        seed = res.urn

        t = res.type
        tags = props.get("tags") or {}
        if t == "aws:secretsmanager/secret:Secret":
            name = out["name"] = physical_name(res, 512)
            kw: dict[str, Any] = {"Name": name, "Tags": _tag_list(tags)}
            if props.get("description"):
                kw["Description"] = props["description"]
            if props.get("kmsKeyId"):
                kw["KmsKeyId"] = props["kmsKeyId"]
            got = self.client("secretsmanager").create_secret(**kw)
            out["arn"] = got["ARN"]
            return got["ARN"], out
        if t == "aws:secretsmanager/secretVersion:SecretVersion":
            got = self.client("secretsmanager").put_secret_value(
                SecretId=props["secretId"], SecretString=props.get("secretString", "")
            )
            out["versionId"] = got["VersionId"]
            out["arn"] = got["ARN"]
            out["versionStages"] = got.get("VersionStages", ["AWSCURRENT"])
            return f"{props['secretId']}|{got['VersionId']}", out
        if t == "aws:cloudwatch/logGroup:LogGroup":
            name = out["name"] = physical_name(res, 512)
            logs = self.client("logs")
            kw = {"logGroupName": name}
            if tags:
                kw["tags"] = {k: str(v) for k, v in tags.items()}
            if props.get("kmsKeyId"):
                kw["kmsKeyId"] = props["kmsKeyId"]
            logs.create_log_group(**kw)
            if props.get("retentionInDays"):
                logs.put_retention_policy(
                    logGroupName=name,
                    retentionInDays=whole_floats_to_ints(props["retentionInDays"]),
                )
            out["arn"] = f"arn:aws:logs:{r}:{self.account_id}:log-group:{name}"
            return name, out
        if t == "aws:ecs/cluster:Cluster":
            name = out["name"] = physical_name(res, 255)
            got = self.client("ecs").create_cluster(
                clusterName=name,
                settings=[
                    {"name": s["name"], "value": s["value"]} for s in props.get("settings", [])
                ],
                tags=_tag_list(tags, "key", "value"),
            )["cluster"]
            out["arn"] = got["clusterArn"]
            return got["clusterArn"], out
        if t == "aws:ec2/securityGroup:SecurityGroup":
            ec2 = self.client("ec2")
            name = out["name"] = physical_name(res, 255)
            kw = {"GroupName": name, "Description": props.get("description") or "Managed by Pulumi"}
            if props.get("vpcId"):
                kw["VpcId"] = props["vpcId"]
            if tags:
                kw["TagSpecifications"] = [
                    {"ResourceType": "security-group", "Tags": _tag_list(tags)}
                ]
            sid = ec2.create_security_group(**kw)["GroupId"]
            # Like the AWS provider: drop AWS's default allow-all egress, then add the rules.
            ec2.revoke_security_group_egress(
                GroupId=sid,
                IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            )
            if props.get("egress"):
                ec2.authorize_security_group_egress(
                    GroupId=sid, IpPermissions=_ip_permissions(props["egress"])
                )
            if props.get("ingress"):
                ec2.authorize_security_group_ingress(
                    GroupId=sid, IpPermissions=_ip_permissions(props["ingress"])
                )
            group = ec2.describe_security_groups(GroupIds=[sid])["SecurityGroups"][0]
            out["arn"] = f"arn:aws:ec2:{r}:{group['OwnerId']}:security-group/{sid}"
            out["ownerId"] = group["OwnerId"]
            return sid, out
        if t == "aws:iam/role:Role":
            name = out["name"] = physical_name(res, 64)
            kw = {
                "RoleName": name,
                "AssumeRolePolicyDocument": props["assumeRolePolicy"],
                "Path": props.get("path") or "/",
                "Tags": _tag_list(tags),
            }
            if props.get("description"):
                kw["Description"] = props["description"]
            if props.get("maxSessionDuration"):
                kw["MaxSessionDuration"] = whole_floats_to_ints(props["maxSessionDuration"])
            role = self.client("iam").create_role(**kw)["Role"]
            out["arn"] = role["Arn"]
            out["uniqueId"] = role["RoleId"]
            return name, out
        if t == "aws:iam/rolePolicy:RolePolicy":
            name = out["name"] = physical_name(res, 128)
            self.client("iam").put_role_policy(
                RoleName=props["role"], PolicyName=name, PolicyDocument=props["policy"]
            )
            return f"{props['role']}:{name}", out
        if t == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            self.client("iam").attach_role_policy(
                RoleName=props["role"], PolicyArn=props["policyArn"]
            )
            return f"{props['role']}-{stable_hex(seed, 26)}", out
        if t == "aws:ecs/taskDefinition:TaskDefinition":
            kw = {
                "family": props["family"],
                "containerDefinitions": json.loads(props["containerDefinitions"]),
            }
            for key in ("cpu", "memory", "networkMode", "executionRoleArn", "taskRoleArn"):
                if props.get(key) is not None:
                    kw[key] = str(whole_floats_to_ints(props[key]))
            if props.get("requiresCompatibilities"):
                kw["requiresCompatibilities"] = list(props["requiresCompatibilities"])
            if props.get("runtimePlatform"):
                kw["runtimePlatform"] = dict(props["runtimePlatform"])
            if tags:
                kw["tags"] = _tag_list(tags, "key", "value")
            td = self.client("ecs").register_task_definition(**kw)["taskDefinition"]
            out["arn"] = td["taskDefinitionArn"]
            out["revision"] = td["revision"]
            out["arnWithoutRevision"] = td["taskDefinitionArn"].rsplit(":", 1)[0]
            return props["family"], out
        if t == "aws:ecs/service:Service":
            name = out["name"] = physical_name(res, 255)
            kw = {
                "cluster": props.get("cluster", "default"),
                "serviceName": name,
                "taskDefinition": props["taskDefinition"],
                "desiredCount": whole_floats_to_ints(props.get("desiredCount", 1)),
                "tags": _tag_list(tags, "key", "value"),
            }
            if props.get("launchType"):
                kw["launchType"] = props["launchType"]
            net = props.get("networkConfiguration")
            if net:
                kw["networkConfiguration"] = {
                    "awsvpcConfiguration": {
                        "subnets": list(net.get("subnets") or []),
                        "securityGroups": list(net.get("securityGroups") or []),
                        "assignPublicIp": "ENABLED" if net.get("assignPublicIp") else "DISABLED",
                    }
                }
            cb = props.get("deploymentCircuitBreaker")
            if cb:
                kw["deploymentConfiguration"] = {
                    "deploymentCircuitBreaker": {
                        "enable": bool(cb.get("enable")),
                        "rollback": bool(cb.get("rollback")),
                    }
                }
            if props.get("propagateTags"):
                kw["propagateTags"] = props["propagateTags"]
            if props.get("enableEcsManagedTags") is not None:
                kw["enableECSManagedTags"] = bool(props["enableEcsManagedTags"])
            if props.get("enableExecuteCommand") is not None:
                kw["enableExecuteCommand"] = bool(props["enableExecuteCommand"])
            svc = self.client("ecs").create_service(**kw)["service"]
            return svc["serviceArn"], out
        if t == "pulumi-python:dynamic/prefect:WorkPool":
            from prefect_ecs.work_pool.provider import WorkPoolProvider

            wp_props = {k: v for k, v in props.items() if k != "__provider"}
            created = WorkPoolProvider().create(wp_props)
            outs = dict(created.outs or {})
            self.work_pools.append(outs)
            return str(created.id), outs
        raise UnsupportedResourceError(f"the emulator does not create {t} ({res.name})")
