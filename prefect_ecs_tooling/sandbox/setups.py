"""What a stack expects to exist before it deploys, made in the rehearsal first.

A stack may name existing resources: a VPC and its subnets (``vpcId``, ``subnetIds``),
security groups (``securityGroupIds``), an ECS cluster (``clusterArn``), a Secrets
Manager secret with the credential (``prefectApiSecretArn``); leave the work pool to its
owner (``createWorkPool: false``); or authenticate to a self-hosted server with basic
auth (``prefectAuthString``, or an existing secret of kind ``auth_string``). Its file
holds the ids of the user's account, which the emulator does not have.

Before the deploy, :meth:`Prerequisites.create` makes each of them in moto (and the pool
in Prefect) the way their owner would have, and the stack deploys with the emulator's
ids and ARNs in place of the file's (:attr:`Prerequisites.overrides`, each substitution
printed). After the stack's destroy, :meth:`Prerequisites.check_survived` checks the
destroy left every one of them as it was (what a user depends on), then
:meth:`Prerequisites.remove` deletes them and checks they are gone.

The credential: the local Prefect server runs with ``PREFECT_SERVER_API_AUTH_STRING``
when the stack authenticates with an auth string (:func:`credential_kind`), and the
stack gets that auth string (its ``prefectAuthString``, or the value of the existing
secret the rehearsal makes); an API key is a placeholder (the local server has no keys).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prefect_ecs.validation import is_prefect_cloud

from ..config_files import (  # noqa: F401  (EXAMPLES, load_stack, stack_file: re-exported)
    EXAMPLES,
    StackConfig,
    StackConfigError,
    load_stack,
    load_stack_config,
    stack_file,
)
from ..plan import PLACEHOLDER_SECRET
from ..records import StackRun, is_secret_envelope, redact_secrets
from .emulator import MotoAws
from .report import RehearsalReport, check

__all__ = [
    "EXAMPLES",
    "Prerequisites",
    "check_auth",
    "credential_kind",
    "load_stack",
    "stack_file",
]

#: The CIDR of the VPC the rehearsal makes for a stack that names one.
VPC_CIDR = "10.42.0.0/16"


def _list(value: str | None) -> list[str]:
    """A list config value (a JSON list, as the loader passes YAML lists; or one id)."""
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


def credential_kind(config: StackConfig) -> str | None:
    """``auth_string``, ``api_key`` or None (a server without auth): what the stack's
    worker authenticates with."""
    ns, values = config.project, config.values
    if f"{ns}:prefectAuthString" in values:
        return "auth_string"
    if f"{ns}:prefectApiKey" in values:
        return "api_key"
    if f"{ns}:prefectApiSecretArn" in values:
        return values.get(f"{ns}:prefectApiSecretKind") or "api_key"
    url = values.get(f"{ns}:prefectApiUrl", "")
    return "api_key" if url and is_prefect_cloud(url) else None


def _secret_name(arn: str) -> str:
    """``arn:...:secret:<name>-AbCdEf`` -> ``<name>`` (AWS adds six characters)."""
    name = arn.split(":secret:", 1)[-1]
    return name[:-7] if len(name) > 7 and name[-7] == "-" else name


@dataclass
class Prerequisites:
    """What the stack ``config`` expects to exist, made (``create``), checked after the
    stack's destroy (``check_survived``) and removed (``remove``)."""

    config: StackConfig
    #: The local server's auth string (None: the stack does not use one).
    auth_string: str | None = None
    #: Config key -> the emulator's value, for the deploy.
    overrides: dict[str, str] = field(default_factory=dict)
    #: One line per substitution or creation (printed, and in the report).
    notes: list[str] = field(default_factory=list)
    vpc_id: str | None = None
    subnet_ids: list[str] = field(default_factory=list)
    security_group_ids: list[str] = field(default_factory=list)
    cluster_arn: str | None = None
    secret_arn: str | None = None
    pool: str | None = None

    def __post_init__(self) -> None:
        if credential_kind(self.config) == "auth_string" and self.auth_string is None:
            self.auth_string = f"rehearsal:{secrets.token_urlsafe(18)}"

    def _key(self, name: str) -> str:
        return f"{self.config.project}:{name}"

    def _given(self, name: str) -> str | None:
        return self.config.values.get(self._key(name))

    @property
    def kind(self) -> str | None:
        return credential_kind(self.config)

    @property
    def external_pool(self) -> bool:
        return (self._given("createWorkPool") or "true").lower() == "false"

    @property
    def any(self) -> bool:
        """Whether the stack names anything the rehearsal must make first."""
        names = ("vpcId", "subnetIds", "securityGroupIds", "clusterArn", "prefectApiSecretArn")
        return self.external_pool or any(self._given(n) for n in names)

    def secret_overrides(self) -> dict[str, str]:
        """The credential the stack deploys with (its auth string: the local server's)."""
        if self._given("prefectAuthString") is not None and self.auth_string is not None:
            return {self._key("prefectAuthString"): self.auth_string}
        return {}

    def _sub(self, name: str, given: str, value: str, what: str) -> None:
        self.overrides[self._key(name)] = value
        self.notes.append(f"{name}: {what}; {given} -> {value}")

    # ------------------------------------------------------------------ create
    def create(self, aws: MotoAws, api_url: str) -> None:
        """Make everything the stack names in moto (and its pool in Prefect)."""
        self._network(aws)
        self._cluster(aws)
        self._secret(aws)
        if self.external_pool:
            self._pool(api_url)

    def _network(self, aws: MotoAws) -> None:
        ec2 = aws.client("ec2")
        vpc_given = self._given("vpcId")
        subnets_given = _list(self._given("subnetIds"))
        if vpc_given:
            self.vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
            # DNS hostnames on, as a VPC with private subnets and VPC endpoints has them
            # (moto 5.2.5 also fails RunTask with a 500 in a VPC without: its ENI then
            # has no private_dns_name).
            ec2.modify_vpc_attribute(VpcId=self.vpc_id, EnableDnsHostnames={"Value": True})
            self._sub("vpcId", vpc_given, self.vpc_id, "a VPC made in the emulator")
            zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
            for i, _given in enumerate(subnets_given):
                got = ec2.create_subnet(
                    VpcId=self.vpc_id,
                    CidrBlock=f"10.42.{i}.0/24",
                    AvailabilityZone=zones[i % len(zones)],
                )
                self.subnet_ids.append(got["Subnet"]["SubnetId"])
            self._sub(
                "subnetIds",
                ",".join(subnets_given),
                json.dumps(self.subnet_ids),
                f"{len(self.subnet_ids)} subnet(s) made in that VPC",
            )
        groups_given = _list(self._given("securityGroupIds"))
        if groups_given:
            vpc = (
                self.vpc_id
                or ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][
                    0
                ]["VpcId"]
            )
            for i, _given in enumerate(groups_given):
                got = ec2.create_security_group(
                    GroupName=f"rehearsal-existing-{i}",
                    Description="a security group that exists before the stack",
                    VpcId=vpc,
                )
                self.security_group_ids.append(got["GroupId"])
            self._sub(
                "securityGroupIds",
                ",".join(groups_given),
                json.dumps(self.security_group_ids),
                f"{len(self.security_group_ids)} security group(s) made in {vpc}",
            )

    def _cluster(self, aws: MotoAws) -> None:
        given = self._given("clusterArn")
        if not given:
            return
        name = given.rsplit("/", 1)[-1]
        got = aws.client("ecs").create_cluster(clusterName=name)["cluster"]
        self.cluster_arn = str(got["clusterArn"])
        self._sub("clusterArn", given, self.cluster_arn, "a cluster made in the emulator")

    def _secret(self, aws: MotoAws) -> None:
        given = self._given("prefectApiSecretArn")
        if not given:
            return
        value = self.auth_string if self.kind == "auth_string" else PLACEHOLDER_SECRET
        got = aws.client("secretsmanager").create_secret(
            Name=_secret_name(given),
            Description="a Prefect credential that exists before the stack",
            SecretString=str(value),
        )
        self.secret_arn = str(got["ARN"])
        what = (
            "a secret made in the emulator holding the local server's auth string"
            if self.kind == "auth_string"
            else "a secret made in the emulator holding a placeholder API key"
        )
        self._sub("prefectApiSecretArn", given, self.secret_arn, what)

    def _pool(self, api_url: str) -> None:
        from prefect.client.schemas.actions import WorkPoolCreate

        from prefect_ecs.documents.job_template import default_ecs_base_job_template

        from .prefect_side import prefect_client

        name = self._given("workPoolName") or "prefect"
        with prefect_client(api_url) as client:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name, type="ecs", base_job_template=default_ecs_base_job_template()
                )
            )
        self.pool = name
        self.notes.append(
            f"createWorkPool false: work pool '{name}' made in Prefect before the deploy "
            "(prefect-aws's default ECS template)"
        )

    def point_pool_at_stack(self, api_url: str, out: dict[str, Any]) -> None:
        """The pool's owner points it at the deployed stack: its cluster, flow-run roles,
        network, log group and secret (the worker's role allows nothing else), as the
        stack's own template would (``build_ecs_base_job_template``)."""
        from prefect.client.schemas.actions import WorkPoolUpdate

        from prefect_ecs.documents.job_template import (
            build_ecs_base_job_template,
            cloudwatch_logs_variables,
            secret_arn_variables,
        )
        from prefect_ecs.worker.logs import FLOW_RUN_STREAM_PREFIX

        from .prefect_side import prefect_client

        assert self.pool is not None
        contributed = cloudwatch_logs_variables(
            log_group_name=out["flowRunLogGroupName"],
            region=self.config.values.get("aws:region", "us-east-1"),
            stream_prefix=FLOW_RUN_STREAM_PREFIX,
        )
        if out.get("secretArn") and self.kind:
            contributed.update(secret_arn_variables(kind=self.kind, secret_arn=out["secretArn"]))
        template = build_ecs_base_job_template(
            cluster_arn=out["clusterArn"],
            execution_role_arn=out["flowRunExecutionRoleArn"],
            task_role_arn=out["flowRunTaskRoleArn"],
            subnet_ids=list(out["subnetIds"]),
            security_group_ids=list(out["securityGroupIds"]),
            assign_public_ip=(self._given("assignPublicIp") or "false").lower() == "true",
            cpu=int(self._given("flowRunCpu") or 1024),
            memory=int(self._given("flowRunMemory") or 2048),
            contributed=contributed,
        )
        with prefect_client(api_url) as client:
            client.update_work_pool(self.pool, WorkPoolUpdate(base_job_template=template))

    # ------------------------------------------------------------------ checks
    def check_used(self, report: RehearsalReport, out: dict[str, Any]) -> None:
        """The deployed stack uses what the rehearsal made (its outputs say so)."""
        if self.vpc_id:
            check(
                report,
                out["vpcId"] == self.vpc_id and list(out["subnetIds"]) == self.subnet_ids,
                "existing network: the stack uses the given VPC and subnets",
                (out["vpcId"], out["subnetIds"]),
            )
        if self.security_group_ids:
            check(
                report,
                list(out["securityGroupIds"]) == self.security_group_ids,
                "existing network: the stack uses the given security groups (creates none)",
                out["securityGroupIds"],
            )
        if self.cluster_arn:
            check(
                report,
                out["clusterArn"] == self.cluster_arn,
                "existing cluster: the worker service and flow runs use the given cluster",
                out["clusterArn"],
            )
        if self.secret_arn:
            check(
                report,
                out["secretArn"] == self.secret_arn,
                "existing secret: the stack reads the credential from the given secret",
                out["secretArn"],
            )
        if self.pool:
            check(
                report,
                out["workPoolName"] == self.pool,
                "createWorkPool false: the worker polls the pool that existed before the deploy",
                out["workPoolName"],
            )

    def _exist(self, aws: MotoAws, api_url: str) -> dict[str, bool]:
        """Whether each prerequisite exists now, by what it is."""
        from botocore.exceptions import ClientError

        found: dict[str, bool] = {}
        ec2 = aws.client("ec2")
        if self.vpc_id:
            found[f"VPC {self.vpc_id}"] = bool(
                ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}])["Vpcs"]
            )
            present = {
                s["SubnetId"]
                for s in ec2.describe_subnets(
                    Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}]
                )["Subnets"]
            }
            for subnet in self.subnet_ids:
                found[f"subnet {subnet}"] = subnet in present
        if self.security_group_ids:
            groups = {
                g["GroupId"]
                for g in ec2.describe_security_groups(
                    Filters=[{"Name": "group-id", "Values": self.security_group_ids}]
                )["SecurityGroups"]
            }
            for group in self.security_group_ids:
                found[f"security group {group}"] = group in groups
        if self.cluster_arn:
            clusters = aws.client("ecs").describe_clusters(clusters=[self.cluster_arn])
            found[f"cluster {self.cluster_arn}"] = any(
                c.get("status") == "ACTIVE" for c in clusters["clusters"]
            )
        if self.secret_arn:
            try:
                secret = aws.client("secretsmanager").describe_secret(SecretId=self.secret_arn)
                found[f"secret {self.secret_arn}"] = "DeletedDate" not in secret
            except ClientError:
                found[f"secret {self.secret_arn}"] = False
        if self.pool:
            found[f"work pool {self.pool}"] = _pool_exists(api_url, self.pool)
        return found

    def check_survived(self, report: RehearsalReport, aws: MotoAws, api_url: str) -> None:
        """After the stack's destroy: every prerequisite is still there, its secret still
        holds its value."""
        found = self._exist(aws, api_url)
        if not found:
            return
        gone = [what for what, present in found.items() if not present]
        check(
            report,
            not gone,
            "the stack's destroy left every resource that existed before it",
            f"deleted by the stack's destroy: {gone}",
        )
        report.facts["existed before the stack, still there after its destroy"] = ", ".join(found)
        if self.secret_arn:
            value = aws.client("secretsmanager").get_secret_value(SecretId=self.secret_arn)
            check(
                report,
                value.get("SecretString")
                == (self.auth_string if self.kind == "auth_string" else PLACEHOLDER_SECRET),
                "existing secret: its value is unchanged after the stack's destroy",
            )
        if self.pool:
            # The stack's drain stops its own worker service, never pauses a pool it
            # does not own (other workers may poll it, and it outlives the stack).
            check(
                report,
                not _pool_paused(api_url, self.pool),
                "createWorkPool false: the pool is not paused by the stack's destroy",
                f"work pool {self.pool!r} was left paused",
            )

    def remove(
        self, report: RehearsalReport, aws: MotoAws, api_url: str, say: Callable[[str], None]
    ) -> None:
        """Delete what :meth:`create` made (tasks still running in the given cluster
        stopped first), then check it is gone."""
        found = self._exist(aws, api_url)
        if not found:
            return
        ecs = aws.client("ecs")
        if self.cluster_arn:
            running = ecs.list_tasks(cluster=self.cluster_arn, desiredStatus="RUNNING")
            for task in running["taskArns"]:
                ecs.stop_task(cluster=self.cluster_arn, task=task, reason="rehearsal cleanup")
            if running["taskArns"]:
                report.facts["existing cluster: flow-run tasks still running after destroy"] = (
                    f"{len(running['taskArns'])} (no drain for a cluster the stack did not "
                    "create; stopped by the rehearsal)"
                )
            ecs.delete_cluster(cluster=self.cluster_arn)
        if self.secret_arn:
            aws.client("secretsmanager").delete_secret(
                SecretId=self.secret_arn, ForceDeleteWithoutRecovery=True
            )
        ec2 = aws.client("ec2")
        for group in self.security_group_ids:
            ec2.delete_security_group(GroupId=group)
        for subnet in self.subnet_ids:
            ec2.delete_subnet(SubnetId=subnet)
        if self.vpc_id:
            ec2.delete_vpc(VpcId=self.vpc_id)
        if self.pool:
            from .prefect_side import prefect_client

            with prefect_client(api_url) as client:
                client.delete_work_pool(self.pool)
        left = [what for what, present in self._exist(aws, api_url).items() if present]
        check(
            report,
            not left,
            "the rehearsal removed the resources it made before the deploy",
            left,
        )
        say(f"removed what existed before the stack ({len(found)})")


def _pool_exists(api_url: str, name: str) -> bool:
    from prefect.exceptions import ObjectNotFound

    from .prefect_side import prefect_client

    with prefect_client(api_url) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            return False
    return True


def _pool_paused(api_url: str, name: str) -> bool:
    from .prefect_side import prefect_client

    with prefect_client(api_url) as client:
        return bool(client.read_work_pool(name).is_paused)


def check_auth(
    report: RehearsalReport,
    api_url: str,
    auth_string: str,
    run: StackRun,
    worker_env: dict[str, str],
) -> None:
    """A stack on a server with basic auth: the server refuses a request without the
    auth string (so the worker, the readiness gate and the flow delivery that reached it
    authenticated), the worker got the auth string from the stack's secret (as ECS
    injects it), and no resource the deploy made holds it in plaintext."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{api_url}/work_pools/filter", data=b"{}", method="POST")
    request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as resp:
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    check(
        report,
        status == 401,
        "self-hosted auth: the server refuses a request without the auth string",
        status,
    )
    check(
        report,
        worker_env.get("PREFECT_API_AUTH_STRING") == auth_string
        and "PREFECT_API_KEY" not in worker_env,
        "self-hosted auth: the worker authenticates with the auth string from the stack's "
        "secret (PREFECT_API_AUTH_STRING, no PREFECT_API_KEY)",
        sorted(k for k in worker_env if k.startswith("PREFECT_API")),
    )
    # Every input and output of the deploy, Pulumi secrets redacted (what the state and
    # `pulumi preview` show in plaintext). An output named like a secret input is secret
    # too (the engine's rule; the pool provider returns its credential inputs).
    plain = []
    for r in run.resources:
        secret_inputs = {k for k, v in r.inputs.items() if is_secret_envelope(v)}
        outputs = {k: v for k, v in r.outputs.items() if k not in secret_inputs}
        if auth_string in json.dumps([redact_secrets(r.inputs), redact_secrets(outputs)]):
            plain.append(r.name)
    check(
        report,
        not plain and auth_string not in json.dumps(redact_secrets(run.outputs)),
        "self-hosted auth: the auth string is a Pulumi secret wherever the deploy holds it "
        "(no plaintext input or output)",
        plain,
    )
