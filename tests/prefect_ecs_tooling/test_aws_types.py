"""The per-type registry (prefect_ecs_tooling.aws_types): every type the stack registers
and every data source it calls has its module; an unknown one fails naming it; the
fake, the emulator's calls and the plan's details are the same as before the registry
(pinned against the pre-registry if-chains)."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from prefect_ecs_tooling import aws_types
from prefect_ecs_tooling.aws_types import (
    DATA_SOURCES,
    RESOURCE_TYPES,
    ResourceType,
    UnmodeledError,
    resource_type,
)
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.plan import make_plan, resource_details
from prefect_ecs_tooling.runner import RecordedResource
from prefect_ecs_tooling.sandbox.emulator import MotoAws, UnsupportedResourceError
from tests.support import ROOT, STACK_RESOURCE_TYPES

pytestmark = pytest.mark.emulator

PACKAGE = ROOT / "prefect_ecs_tooling" / "aws_types"

#: The types the stack uses today: one module each.
STACK_TYPES = STACK_RESOURCE_TYPES
STACK_DATA_SOURCES = {
    "aws:index/getCallerIdentity:getCallerIdentity",
    "aws:index/getPartition:getPartition",
    "aws:index/getRegion:getRegion",
    "aws:ec2/getVpc:getVpc",
    "aws:ec2/getSubnets:getSubnets",
    "aws:secretsmanager/getSecretVersion:getSecretVersion",
}


def res(type_: str, name: str, inputs: dict[str, Any], parent: str = "") -> RecordedResource:
    urn = f"urn:pulumi:dev::prefect-ecs::{parent}{type_}::{name}"
    return RecordedResource(type_, name, urn, None, True, inputs)


# ---------------------------------------------------------------------------- registry
def test_one_module_per_type() -> None:
    modules = sorted(
        p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_") and p.stem != "invokes"
    )
    assert len(modules) == len(RESOURCE_TYPES) == len(STACK_TYPES)
    assert set(RESOURCE_TYPES) == STACK_TYPES
    for module in modules:
        rtype = sys.modules[f"prefect_ecs_tooling.aws_types.{module}"].TYPE
        assert RESOURCE_TYPES[rtype.token] is rtype
    assert set(DATA_SOURCES) == STACK_DATA_SOURCES


def test_dev_stack_types_and_data_sources_all_have_a_module() -> None:
    plan = make_plan(ROOT, "dev")
    registered = {r.type for r in plan.run.resources if r.custom}
    assert registered, "the dev stack registered nothing"
    assert registered <= set(RESOURCE_TYPES), registered - set(RESOURCE_TYPES)
    called = {i.token for i in plan.run.invokes}
    assert called <= set(DATA_SOURCES), called - set(DATA_SOURCES)
    # ... and every one of them renders through its module.
    for r in plan.run.resources:
        if r.custom:
            assert resource_details(r) == RESOURCE_TYPES[r.type].details(r)


UNKNOWN = "aws:sqs/queue:Queue"


def test_unknown_type_raises_naming_it_everywhere() -> None:
    queue = res(UNKNOWN, "jobs", {"name": "jobs"})
    with pytest.raises(UnmodeledError, match=r"aws:sqs/queue:Queue \(jobs\)"):
        resource_type(UNKNOWN, "jobs")
    with pytest.raises(UnmodeledError, match="does not model resource type aws:sqs/queue:Queue"):
        FakeAws().register(queue)
    with pytest.raises(UnsupportedResourceError, match="aws:sqs/queue:Queue"):
        # No emulator behind this URL: the lookup fails before any call.
        MotoAws("http://127.0.0.1:9").register(queue)
    with pytest.raises(UnmodeledError, match="aws:sqs/queue:Queue"):
        resource_details(queue)
    with pytest.raises(LookupError, match="does not model data source aws:ec2/getAmi:getAmi"):
        FakeAws().invoke("aws:ec2/getAmi:getAmi", {})
    with pytest.raises(UnsupportedResourceError, match="aws:ec2/getAmi:getAmi"):
        MotoAws("http://127.0.0.1:9").invoke("aws:ec2/getAmi:getAmi", {})


@pytest.fixture
def forget_extra_types() -> Iterator[None]:
    yield
    for name in [m for m in sys.modules if m.split(".")[0] == "extra_types"]:
        del sys.modules[name]


@pytest.mark.usefixtures("forget_extra_types")
def test_adding_a_type_is_adding_a_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module dropped into a package like aws_types is registered with nothing else
    edited; a module without TYPE or a token defined twice is refused."""
    pkg = tmp_path / "extra_types"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "_helpers.py").write_text("X = 1\n")  # helpers are not types
    (pkg / "queue.py").write_text(
        textwrap.dedent(
            """
            from prefect_ecs_tooling.aws_types import ResourceType

            class Queue(ResourceType):
                token = "aws:sqs/queue:Queue"

                def fake(self, res, ctx):
                    return f"https://sqs/{res.name}", dict(res.inputs)

                def create(self, res, emulator):
                    raise NotImplementedError

                def delete(self, item, emulator):
                    raise NotImplementedError

                def exists(self, item, emulator):
                    return False

            TYPE = Queue()
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = aws_types.discover("extra_types", [str(pkg)])
    assert list(found) == ["aws:sqs/queue:Queue"]
    queue = found["aws:sqs/queue:Queue"]
    assert isinstance(queue, ResourceType)
    assert queue.fake(res(UNKNOWN, "jobs", {"a": 1}), FakeAws()) == ("https://sqs/jobs", {"a": 1})
    assert queue.details(res(UNKNOWN, "jobs", {"b": [1.0], "a": "x"})) == ["a: x", "b: [1]"]

    (pkg / "broken.py").write_text("TYPE = None\n")
    with pytest.raises(TypeError, match=r"extra_types\.broken must define TYPE"):
        aws_types.discover("extra_types", [str(pkg)])
    del sys.modules["extra_types.broken"]
    (pkg / "broken.py").write_text("from extra_types.queue import TYPE\n")
    with pytest.raises(ValueError, match="aws:sqs/queue:Queue is defined twice"):
        aws_types.discover("extra_types", [str(pkg)])


def test_a_type_module_must_implement_every_hook() -> None:
    class Half(ResourceType):
        token = "x:y:Z"

        def fake(self, res: Any, ctx: Any) -> Any:
            return "", {}

    with pytest.raises(TypeError, match="abstract"):
        Half()  # type: ignore[abstract]


# ---------------------------------------------------------------------------- same as before
# >>> samples (also run against the pre-registry tooling to pin FAKE_BEFORE and CALLS_BEFORE)
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "*"}],
    }
)
CONTAINERS = json.dumps(
    [
        {
            "name": "w",
            "image": "img:1",
            "command": ["prefect", "worker"],
            "environment": [{"name": "A", "value": "1"}],
            "secrets": [{"name": "K", "valueFrom": "arn:s"}],
            "logConfiguration": {"options": {"awslogs-group": "g", "awslogs-stream-prefix": "w"}},
            "healthCheck": {"interval": 30},
        }
    ]
)


def sample(type_: str, name: str, inputs: dict[str, Any]) -> RecordedResource:
    urn = f"urn:pulumi:dev::prefect-ecs::prefect-ecs:index:PrefectEcsWorker${type_}::{name}"
    return RecordedResource(type_, name, urn, "urn:parent", True, inputs)


#: One resource of every type, with the settings that change what is fabricated or sent.
SAMPLES = [
    sample(
        "aws:secretsmanager/secret:Secret",
        "cred",
        {"namePrefix": "cred-", "kmsKeyId": "arn:kms", "description": "d", "tags": {"a": "b"}},
    ),
    sample(
        "aws:secretsmanager/secretVersion:SecretVersion",
        "cred",
        {"secretId": "arn:secret:cred", "secretString": {**SECRET_SIG, "value": "s3cr3t"}},
    ),
    sample(
        "aws:cloudwatch/logGroup:LogGroup",
        "logs",
        {"namePrefix": "/p/w-", "retentionInDays": 30.0, "kmsKeyId": "k", "tags": {"t": 1}},
    ),
    sample(
        "aws:ecs/cluster:Cluster",
        "c",
        {"settings": [{"name": "containerInsights", "value": "enabled"}], "tags": {"t": "v"}},
    ),
    sample("aws:ecs/cluster:Cluster", "named", {"name": "exact-name"}),
    sample(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {
            "vpcId": "vpc-1",
            "description": "egress only",
            "egress": [
                {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]},
                {"protocol": "-1", "ipv6CidrBlocks": ["::/0"], "description": "v6"},
            ],
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 443.0,
                    "toPort": 443.0,
                    "cidrBlocks": ["10.0.0.0/8"],
                }
            ],
            "tags": {"t": "v"},
        },
    ),
    sample(
        "aws:iam/role:Role",
        "role",
        {
            "assumeRolePolicy": TRUST,
            "path": "/svc/",
            "maxSessionDuration": 3600.0,
            "description": "r",
            "tags": {"t": "v"},
        },
    ),
    sample("aws:iam/role:Role", "auto", {"assumeRolePolicy": TRUST}),
    sample("aws:iam/rolePolicy:RolePolicy", "pol", {"role": "role-abc", "policy": POLICY}),
    sample(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "att",
        {"role": "role-abc", "policyArn": "arn:aws:iam::aws:policy/X"},
    ),
    sample(
        "aws:ecs/taskDefinition:TaskDefinition",
        "td",
        {
            "family": "fam",
            "cpu": "512",
            "memory": 1024.0,
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
            "executionRoleArn": "arn:exec",
            "taskRoleArn": "arn:task",
            "containerDefinitions": CONTAINERS,
            "tags": {"t": "v"},
        },
    ),
    sample(
        "aws:ecs/service:Service",
        "svc",
        {
            "cluster": "arn:aws:ecs:us-east-1:1:cluster/c",
            "taskDefinition": "arn:td:1",
            "desiredCount": 2.0,
            "launchType": "FARGATE",
            "networkConfiguration": {
                "subnets": ["subnet-1"],
                "securityGroups": ["sg-1"],
                "assignPublicIp": True,
            },
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "propagateTags": "SERVICE",
            "enableEcsManagedTags": True,
            "enableExecuteCommand": False,
            "tags": {"t": "v"},
        },
    ),
    sample(
        "pulumi-python:dynamic/prefect:WorkPool",
        "pool",
        {
            "__provider": "serialized",
            "name": "p",
            "type": "ecs",
            "paused": False,
            "api_url": "https://x/api",
            "api_key": {**SECRET_SIG, "value": "k"},
            "base_job_template": {
                "variables": {"properties": {"cpu": {"default": 1024.0}, "x": {"type": "string"}}}
            },
        },
    ),
]
INVOKES = [
    ("aws:index/getCallerIdentity:getCallerIdentity", {}),
    ("aws:index/getPartition:getPartition", {}),
    ("aws:index/getRegion:getRegion", {}),
    ("aws:ec2/getVpc:getVpc", {"default": True}),
    ("aws:ec2/getVpc:getVpc", {"id": "vpc-9"}),
    ("aws:ec2/getSubnets:getSubnets", {"filters": [{"name": "vpc-id", "values": ["vpc-9"]}]}),
    ("aws:secretsmanager/getSecretVersion:getSecretVersion", {"secretId": "arn:s"}),
]


def fabricated(rid: Any, out: dict[str, Any], inputs: dict[str, Any]) -> list[Any]:
    """What the hook made of ``inputs``: the id, what it added or changed, what it dropped."""
    changed = {k: v for k, v in out.items() if k not in inputs or inputs[k] != v}
    return [rid, changed, sorted(set(inputs) - set(out))]


def fake_answers() -> list[Any]:
    """FakeAws's answer to every sample and data source."""
    fake = FakeAws(region="eu-west-1", account_id="210987654321")
    got: list[Any] = []
    for r in SAMPLES:
        got.append(fabricated(*fake.register(r), r.inputs))
    for token, args in INVOKES:
        got.append(fake.invoke(token, args))
    return got


class CallLog:
    """boto3 stand-in: records every call, answers from CANNED (else ``{}``)."""

    CANNED: ClassVar[dict[str, Any]] = {
        "sts.get_caller_identity": {"Account": "111122223333", "Arn": "arn:me", "UserId": "U"},
        "secretsmanager.create_secret": {"ARN": "arn:sm:created"},
        "secretsmanager.put_secret_value": {
            "ARN": "arn:sm:created",
            "VersionId": "v1",
            "VersionStages": ["AWSCURRENT"],
        },
        "secretsmanager.get_secret_value": {
            "ARN": "arn:sm:x",
            "VersionId": "v2",
            "SecretString": "val",
            "VersionStages": ["AWSCURRENT"],
        },
        "ecs.create_cluster": {"cluster": {"clusterArn": "arn:ecs:cluster/c"}},
        "ec2.create_security_group": {"GroupId": "sg-new"},
        "ec2.describe_security_groups": {"SecurityGroups": [{"OwnerId": "111122223333"}]},
        "ec2.describe_vpcs": {
            "Vpcs": [{"VpcId": "vpc-9", "CidrBlock": "10.0.0.0/16", "IsDefault": True}]
        },
        "ec2.describe_subnets": {"Subnets": [{"SubnetId": "subnet-b"}, {"SubnetId": "subnet-a"}]},
        "iam.create_role": {"Role": {"Arn": "arn:iam:role", "RoleId": "AROAX"}},
        "iam.list_role_policies": {"PolicyNames": ["pol-x"]},
        "iam.list_attached_role_policies": {"AttachedPolicies": [{"PolicyArn": "arn:other"}]},
        "ecs.register_task_definition": {
            "taskDefinition": {"taskDefinitionArn": "arn:ecs:task-definition/fam:3", "revision": 3}
        },
        "ecs.describe_task_definition": {"taskDefinition": {"status": "INACTIVE"}},
        "ecs.create_service": {"service": {"serviceArn": "arn:ecs:service/c/s"}},
        "ecs.describe_services": {"services": [{"status": "DRAINING"}]},
        "ecs.describe_clusters": {"clusters": [{"status": "ACTIVE"}]},
        "ecs.list_tasks": {"taskArns": []},
        "ecs.list_services": {"serviceArns": ["arn:svc"]},
        "logs.describe_log_groups": {"logGroups": [{"logGroupName": "other"}]},
    }

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def client(self, service: str) -> Any:
        log = self

        class Client:
            def __getattr__(self, op: str) -> Any:
                def call(**kwargs: Any) -> Any:
                    log.calls.append([f"{service}.{op}", kwargs])
                    return json.loads(json.dumps(log.CANNED.get(f"{service}.{op}", {})))

                return call

        return Client()


def emulator_calls() -> list[Any]:
    """Every boto3 call MotoAws makes to create, delete and look for each AWS sample, and
    to answer each data source; with what it returned."""
    log = CallLog()

    class Recorded(MotoAws):
        def client(self, service: str) -> Any:
            return log.client(service)

    aws = Recorded("http://127.0.0.1:9", region="eu-west-1")
    got: list[Any] = []
    for r in SAMPLES:
        if r.type.startswith("pulumi-python:dynamic"):
            continue  # the real provider against a Prefect server (test_sandbox_emulator)
        got.append(fabricated(*aws.register(r), r.inputs))
    for token, args in INVOKES:
        got.append(aws.invoke(token, args))
    created = list(aws.created)
    got.append(aws.leftovers(created))
    got.append([c.id for c in aws.destroy()])
    return [got, log.calls]


# <<< samples

#: What the pre-registry tooling (the if-chains in fake_aws.py, emulator.py and plan.py)
#: answered for SAMPLES: pinned, so moving the knowledge changed none of it.
GOLDEN = Path(__file__).with_suffix(".golden.json")


def answers_now() -> dict[str, Any]:
    return {
        "fake": fake_answers(),
        "emulator": emulator_calls(),
        "details": [resource_details(r) for r in SAMPLES],
    }


@pytest.mark.parametrize("part", ["fake", "emulator", "details"])
def test_same_answers_as_before_the_registry(part: str) -> None:
    before = json.loads(GOLDEN.read_text())
    now = json.loads(json.dumps(answers_now(), sort_keys=True))
    assert now[part] == before[part]
