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
from tests.support import ROOT, STACK_RESOURCE_TYPES, delete_each_in_reverse

pytestmark = pytest.mark.emulator

PACKAGE = ROOT / "prefect_ecs_tooling" / "aws_types"

#: The crash observer's types: modeled here before (or while) the component registers them.
OBSERVER_TYPES = frozenset(
    {
        "aws:sqs/queue:Queue",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
    }
)
#: The types the stack uses today: one module each.
STACK_TYPES = STACK_RESOURCE_TYPES
assert OBSERVER_TYPES <= STACK_TYPES
#: The flow image's types (its repository, the repository's lifecycle policy, the command
#: that builds and pushes it): modeled here before (or while) the component registers them.
IMAGE_TYPES = frozenset(
    {
        "aws:ecr/repository:Repository",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "command:local:Command",
    }
)
#: The worker's autoscaling types (``worker_autoscaling``): not in the dev stack.
AUTOSCALING_TYPES = frozenset(
    {"aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy"}
)
#: The capacity options' types (``flow_run_ec2_capacity``, tested in
#: test_ec2_capacity_types.py; ``flow_run_fargate_spot``): not in the dev stack.
EC2_CAPACITY_TYPES = frozenset(
    {
        "aws:iam/instanceProfile:InstanceProfile",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:autoscaling/group:Group",
        "aws:ecs/capacityProvider:CapacityProvider",
        # The association of the cluster's capacity providers (worker/capacity.py), made
        # for Fargate Spot and for the EC2 capacity.
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    }
)
#: The cluster's capacity providers (Fargate Spot, EC2; worker/capacity.py; tested in
#: test_cluster_capacity_providers_type.py): not in the dev stack.
CAPACITY_TYPES = frozenset({"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"})
STACK_DATA_SOURCES = {
    "aws:index/getCallerIdentity:getCallerIdentity",
    "aws:index/getPartition:getPartition",
    "aws:index/getRegion:getRegion",
    "aws:ec2/getVpc:getVpc",
    "aws:ec2/getSubnets:getSubnets",
    "aws:ec2/getSubnet:getSubnet",
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
    assert (
        len(modules)
        == len(RESOURCE_TYPES)
        == len(STACK_TYPES | IMAGE_TYPES | AUTOSCALING_TYPES | EC2_CAPACITY_TYPES | CAPACITY_TYPES)
    )
    assert (
        set(RESOURCE_TYPES)
        == STACK_TYPES | IMAGE_TYPES | AUTOSCALING_TYPES | EC2_CAPACITY_TYPES | CAPACITY_TYPES
    )
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


UNKNOWN = "aws:kinesis/stream:Stream"


def test_unknown_type_raises_naming_it_everywhere() -> None:
    stream = res(UNKNOWN, "jobs", {"name": "jobs"})
    with pytest.raises(UnmodeledError, match=r"aws:kinesis/stream:Stream \(jobs\)"):
        resource_type(UNKNOWN, "jobs")
    with pytest.raises(UnmodeledError, match="does not model resource type aws:kinesis/stream"):
        FakeAws().register(stream)
    with pytest.raises(UnsupportedResourceError, match="aws:kinesis/stream:Stream"):
        # No emulator behind this URL: the lookup fails before any call.
        MotoAws("http://127.0.0.1:9").register(stream)
    with pytest.raises(UnmodeledError, match="aws:kinesis/stream:Stream"):
        resource_details(stream)
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


def fake_answers(
    samples: list[RecordedResource] = SAMPLES, invokes: list[tuple[str, Any]] = INVOKES
) -> list[Any]:
    """FakeAws's answer to every sample and data source."""
    fake = FakeAws(region="eu-west-1", account_id="210987654321")
    got: list[Any] = []
    for r in samples:
        got.append(fabricated(*fake.register(r), r.inputs))
    for token, args in invokes:
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
        # The crash observer's types (OBSERVER_SAMPLES); none of SAMPLES calls these.
        "sqs.create_queue": {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/q"},
        "sqs.get_queue_attributes": {
            "Attributes": {"QueueArn": "arn:aws:sqs:eu-west-1:111122223333:q", "Policy": ""}
        },
        "events.put_rule": {"RuleArn": "arn:aws:events:eu-west-1:111122223333:rule/r"},
        "events.put_targets": {"FailedEntryCount": 0, "FailedEntries": []},
        "events.list_targets_by_rule": {"Targets": [{"Id": "other", "Arn": "arn:other"}]},
        "cloudwatch.describe_alarms": {
            "MetricAlarms": [
                {"AlarmName": "a", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:a"}
            ]
        },
        # The flow image's types (IMAGE_SAMPLES); none of the others calls these.
        "ecr.create_repository": {
            "repository": {
                "repositoryName": "flows",
                "repositoryArn": "arn:aws:ecr:eu-west-1:111122223333:repository/flows",
                "repositoryUri": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/flows",
                "registryId": "111122223333",
            }
        },
        "ecr.put_lifecycle_policy": {"registryId": "111122223333", "repositoryName": "flows"},
        "ecr.describe_repositories": {"repositories": [{"repositoryName": "other"}]},
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


def emulator_calls(
    samples: list[RecordedResource] = SAMPLES, invokes: list[tuple[str, Any]] = INVOKES
) -> list[Any]:
    """Every boto3 call MotoAws makes to create, delete and look for each AWS sample, and
    to answer each data source; with what it returned."""
    log = CallLog()

    class Recorded(MotoAws):
        def client(self, service: str) -> Any:
            return log.client(service)

    aws = Recorded("http://127.0.0.1:9", region="eu-west-1")
    got: list[Any] = []
    for r in samples:
        if r.type.startswith("pulumi-python:dynamic"):
            continue  # the real provider against a Prefect server (test_sandbox_emulator)
        got.append(fabricated(*aws.register(r), r.inputs))
    for token, args in invokes:
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


# ---------------------------------------------------------------------------- the crash observer
CLUSTER_ARN = "arn:aws:ecs:eu-west-1:210987654321:cluster/prefect"
DLQ_ARN = "arn:aws:sqs:eu-west-1:210987654321:observer-dlq-1a2b3c4"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:210987654321:observer-5d6e7f8"
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/210987654321/observer-5d6e7f8"
RULE_ARN = "arn:aws:events:eu-west-1:210987654321:rule/task-state-9a8b7c6"
PATTERN = {
    "source": ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    "detail": {"clusterArn": [CLUSTER_ARN], "group": [{"prefix": "family:prefect_etl_"}]},
}
QUEUE_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TaskStateChangesFromTheStacksRule",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE_ARN,
            "Condition": {"ArnEquals": {"aws:SourceArn": RULE_ARN}},
        }
    ],
}
TOPIC = "arn:aws:sns:eu-west-1:210987654321:oncall"


def dead_letter_queue(tags: dict[str, Any] | None = None) -> dict[str, Any]:
    """As the component makes it: SQS's defaults for visibility and wait."""
    return {
        "messageRetentionSeconds": 1209600.0,
        "sqsManagedSseEnabled": True,
        "tags": tags or {"app": "prefect"},
    }


def observer_queue(dlq_arn: str, kms: str | None = None) -> dict[str, Any]:
    """The observer queue: redrive to ``dlq_arn``; KMS-encrypted with ``kms``, else SSE-SQS."""
    encryption: dict[str, Any] = (
        {"kmsMasterKeyId": kms, "kmsDataKeyReusePeriodSeconds": 300.0}
        if kms
        else {"sqsManagedSseEnabled": True}
    )
    return {
        "messageRetentionSeconds": 604800.0,
        "visibilityTimeoutSeconds": 300.0,
        "receiveWaitTimeSeconds": 20.0,
        "redrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}),
        **encryption,
        "tags": {"app": "prefect"},
    }


def dead_letters_alarm(dlq_name: str, actions: list[str]) -> dict[str, Any]:
    return {
        "namespace": "AWS/SQS",
        "metricName": "ApproximateNumberOfMessagesVisible",
        "dimensions": {"QueueName": dlq_name},
        "statistic": "Maximum",
        "period": 300.0,
        "evaluationPeriods": 1.0,
        "threshold": 0.0,
        "comparisonOperator": "GreaterThanThreshold",
        "treatMissingData": "notBreaching",
        "alarmDescription": "Task state changes the observer failed to handle",
        "alarmActions": actions,
        "okActions": actions,
        "tags": {"app": "prefect"},
    }


def oldest_event_alarm(queue_name: str) -> dict[str, Any]:
    return {
        "namespace": "AWS/SQS",
        "metricName": "ApproximateAgeOfOldestMessage",
        "dimensions": {"QueueName": queue_name},
        "statistic": "Maximum",
        "period": 60.0,
        "evaluationPeriods": 15.0,
        "threshold": 900.0,
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "treatMissingData": "notBreaching",
        "alarmDescription": "No observer has read the queue for 15 minutes",
        "alarmActions": [],
        "okActions": [],
        "tags": {"app": "prefect"},
    }


def math_alarm(queue_name: str) -> dict[str, Any]:
    """Metric math: events sent but not received over ten minutes."""

    def sqs_metric(metric_id: str, name: str) -> dict[str, Any]:
        return {
            "id": metric_id,
            "metric": {
                "namespace": "AWS/SQS",
                "metricName": name,
                "dimensions": {"QueueName": queue_name},
                "period": 300.0,
                "stat": "Sum",
            },
            "returnData": False,
        }

    return {
        "metricQueries": [
            {
                "id": "unread",
                "expression": "sent - received",
                "label": "events not received",
                "returnData": True,
            },
            sqs_metric("sent", "NumberOfMessagesSent"),
            sqs_metric("received", "NumberOfMessagesReceived"),
        ],
        "evaluationPeriods": 2.0,
        "threshold": 10.0,
        "comparisonOperator": "GreaterThanThreshold",
        "treatMissingData": "missing",
        "alarmDescription": "Events arrive but nobody receives them",
        "alarmActions": [TOPIC],
        "okActions": [],
        "tags": {"app": "prefect"},
    }


#: One resource of every observer type, as the component registers them (in the fake's
#: names; the emulator test builds the same chain on moto's own names and ARNs).
OBSERVER_SAMPLES = [
    sample("aws:sqs/queue:Queue", "observer-dlq", dead_letter_queue()),
    sample("aws:sqs/queue:Queue", "observer", observer_queue(DLQ_ARN, kms="alias/prefect")),
    sample(
        "aws:sqs/queuePolicy:QueuePolicy",
        "observer",
        {"queueUrl": QUEUE_URL, "policy": json.dumps(QUEUE_POLICY)},
    ),
    sample(
        "aws:cloudwatch/eventRule:EventRule",
        "task-state",
        {
            "eventPattern": json.dumps(PATTERN),
            "description": "ECS task state changes of the pool's flow runs",
            "tags": {"app": "prefect"},
        },
    ),
    sample(
        "aws:cloudwatch/eventTarget:EventTarget",
        "task-state/observer",
        {"rule": "task-state-9a8b7c6", "arn": QUEUE_ARN},
    ),
    sample(
        "aws:cloudwatch/eventTarget:EventTarget",
        "named",
        {"rule": "task-state-9a8b7c6", "arn": QUEUE_ARN, "targetId": "observer-queue"},
    ),
    sample(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "dead-letters",
        dead_letters_alarm("observer-dlq-1a2b3c4", [TOPIC]),
    ),
    sample(
        "aws:cloudwatch/metricAlarm:MetricAlarm", "oldest", oldest_event_alarm("observer-5d6e7f8")
    ),
    sample("aws:cloudwatch/metricAlarm:MetricAlarm", "unread", math_alarm("observer-5d6e7f8")),
]


def pinned_answers(
    samples: list[RecordedResource], emulated: list[RecordedResource]
) -> dict[str, Any]:
    """A golden section: the fake's answers, the emulator's calls for ``emulated``, and
    what the plan shows, for a group of samples."""
    return {
        "fake": fake_answers(samples, []),
        "emulator": emulator_calls(emulated, []),
        "details": [resource_details(r) for r in samples],
    }


def observer_answers() -> dict[str, Any]:
    return pinned_answers(OBSERVER_SAMPLES, OBSERVER_SAMPLES)


@pytest.mark.parametrize("part", ["fake", "emulator", "details"])
def test_observer_types_answer_as_pinned(part: str) -> None:
    """What the fake fabricates, the boto3 calls the emulator makes and what the plan
    shows for the observer's types (pinned under ``observer`` in the golden file)."""
    before = json.loads(GOLDEN.read_text())["observer"]
    now = json.loads(json.dumps(observer_answers(), sort_keys=True))
    assert now[part] == before[part]


def faked(r: RecordedResource) -> tuple[str | None, dict[str, Any]]:
    """``r`` through the offline plan's fake, its outputs kept (as the plan does)."""
    rid, r.outputs = FakeAws(region="eu-west-1", account_id="210987654321").register(r)
    return rid, r.outputs


def test_observer_fake_in_aws_shape() -> None:
    dlq, queue, policy, rule, target, named, dead, oldest, unread = OBSERVER_SAMPLES
    rid, out = faked(dlq)
    name = out["name"]
    assert name.startswith("observer-dlq-") and len(name) == len("observer-dlq-") + 7
    assert out["arn"] == f"arn:aws:sqs:eu-west-1:210987654321:{name}"
    assert rid == out["url"] == f"https://sqs.eu-west-1.amazonaws.com/210987654321/{name}"
    assert faked(dlq) == (rid, out), "not deterministic"
    assert faked(queue)[1]["redrivePolicy"] == queue.inputs["redrivePolicy"]

    assert faked(policy) == (QUEUE_URL, policy.inputs)

    rid, out = faked(rule)
    assert rid == out["name"] and out["name"].startswith("task-state-")
    assert out["arn"] == f"arn:aws:events:eu-west-1:210987654321:rule/{out['name']}"

    rid, out = faked(target)
    # A target id may hold only [.-_A-Za-z0-9]: the logical name's "/" becomes "-".
    assert out["targetId"].startswith("task-state-observer-") and len(out["targetId"]) <= 64
    assert rid == f"task-state-9a8b7c6-{out['targetId']}"
    assert faked(named)[0] == "task-state-9a8b7c6-observer-queue"

    for alarm in (dead, oldest, unread):
        rid, out = faked(alarm)
        assert rid == out["name"] and out["name"].startswith(f"{alarm.name}-")
        assert out["arn"] == f"arn:aws:cloudwatch:eu-west-1:210987654321:alarm:{rid}"

    bus = res("aws:cloudwatch/eventRule:EventRule", "r", {"eventBusName": "ops", "name": "r1"})
    assert faked(bus) == (
        "ops/r1",
        {**bus.inputs, "arn": "arn:aws:events:eu-west-1:210987654321:rule/ops/r1"},
    )
    on_bus = res(
        "aws:cloudwatch/eventTarget:EventTarget",
        "t",
        {"eventBusName": "ops", "rule": "r1", "arn": QUEUE_ARN, "targetId": "q"},
    )
    assert faked(on_bus)[0] == "ops-r1-q"


def test_observer_details() -> None:
    got = {}
    for r in OBSERVER_SAMPLES:
        faked(r)
        got[r.type, r.name] = resource_details(r)
    names = {key: r.outputs.get("name") for key, r in zip(got, OBSERVER_SAMPLES, strict=True)}
    queue, rule = "aws:sqs/queue:Queue", "aws:cloudwatch/eventRule:EventRule"
    alarm, target = (
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:cloudwatch/eventTarget:EventTarget",
    )
    assert got[queue, "observer-dlq"] == [
        f"name: {names[queue, 'observer-dlq']}",
        "retention: 1209600s  visibility: 30s (default)  wait: 0s (default)",
        "encryption: SQS-managed (SSE-SQS)",
    ]
    assert got[queue, "observer"] == [
        f"name: {names[queue, 'observer']}",
        "retention: 604800s  visibility: 300s  wait: 20s",
        "redrive: to observer-dlq-1a2b3c4 after 3 receives",
        "encryption: KMS alias/prefect (data key reused 300s)",
    ]
    assert got["aws:sqs/queuePolicy:QueuePolicy", "observer"] == [
        f"queue: {QUEUE_URL}",
        'Allow sqs:SendMessage by {"Service": "events.amazonaws.com"} '
        f'on {QUEUE_ARN} when aws:SourceArn ArnEquals "{RULE_ARN}"',
    ]
    assert got[rule, "task-state"] == [
        f"name: {names[rule, 'task-state']}",
        'pattern: {"source":["aws.ecs"],"detail-type":["ECS Task State Change"],'
        f'"detail":{{"clusterArn":["{CLUSTER_ARN}"],"group":[{{"prefix":"family:prefect_etl_"}}]}}}}',
    ]
    assert got[target, "task-state/observer"] == [f"task-state-9a8b7c6 -> {QUEUE_ARN}"]
    assert got[alarm, "dead-letters"] == [
        f"name: {names[alarm, 'dead-letters']}",
        "Maximum AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=observer-dlq-1a2b3c4)"
        f" > 0 for 1 x 300s -> {TOPIC} (ok: {TOPIC})",
        "missing data: notBreaching",
    ]
    assert got[alarm, "oldest"][1] == (
        "Maximum AWS/SQS ApproximateAgeOfOldestMessage (QueueName=observer-5d6e7f8)"
        " >= 900 for 15 x 60s -> no actions"
    )
    assert got[alarm, "unread"][1:] == [
        f"sent - received > 10 for 2 x 300s -> {TOPIC}",
        '  unread = sent - received ("events not received")',
        "  sent = Sum AWS/SQS NumberOfMessagesSent (QueueName=observer-5d6e7f8) per 300s",
        "  received = Sum AWS/SQS NumberOfMessagesReceived (QueueName=observer-5d6e7f8) per 300s",
        "missing data: missing",
    ]
    # Unreadable or unknown values are shown as they are.
    odd = res(queue, "odd", {"redrivePolicy": "[secret]", "kmsMasterKeyId": "k"})
    assert resource_details(odd)[1:] == [
        "retention: 345600s (default)  visibility: 30s (default)  wait: 0s (default)",
        "redrive: [secret]",
        "encryption: KMS k",
    ]


def create(aws: MotoAws, type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Register one resource in moto; its outputs, with ``id``."""
    r = res(type_, name, inputs, parent="prefect-ecs:index:PrefectEcsWorker$")
    rid, out = aws.register(r)
    return {**out, "id": rid}


def test_observer_round_trip_in_moto(aws: MotoAws) -> None:
    """The observer's chain created in moto through each module (every boto3 call really
    accepted), read back from moto's side, then deleted one by one in reverse order, each
    ``exists`` turning false while the rest still exist."""
    sqs, events, cloudwatch = aws.client("sqs"), aws.client("events"), aws.client("cloudwatch")
    account, region = aws.account_id, aws.region

    dlq = create(aws, "aws:sqs/queue:Queue", "observer-dlq", dead_letter_queue())
    queue = create(aws, "aws:sqs/queue:Queue", "observer", observer_queue(dlq["arn"], "alias/k"))
    for q in (dlq, queue):
        assert q["id"] == q["url"] == sqs.get_queue_url(QueueName=q["name"])["QueueUrl"]
        assert q["arn"] == f"arn:aws:sqs:{region}:{account}:{q['name']}"
        assert sqs.list_queue_tags(QueueUrl=q["url"])["Tags"] == {"app": "prefect"}
    attrs = sqs.get_queue_attributes(QueueUrl=queue["url"], AttributeNames=["All"])["Attributes"]
    # Whole floats from the engine went out as "604800", not "604800.0".
    assert attrs["MessageRetentionPeriod"] == "604800"
    assert attrs["VisibilityTimeout"] == "300"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "20"
    assert attrs["KmsMasterKeyId"] == "alias/k"
    assert attrs["KmsDataKeyReusePeriodSeconds"] == "300"
    assert json.loads(attrs["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq["arn"],
        "maxReceiveCount": 3,
    }
    attrs = sqs.get_queue_attributes(QueueUrl=dlq["url"], AttributeNames=["All"])["Attributes"]
    assert attrs["MessageRetentionPeriod"] == "1209600"
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert (attrs["VisibilityTimeout"], attrs["ReceiveMessageWaitTimeSeconds"]) == ("30", "0")

    rule = create(
        aws,
        "aws:cloudwatch/eventRule:EventRule",
        "task-state",
        {"eventPattern": json.dumps(PATTERN), "description": "d", "tags": {"app": "prefect"}},
    )
    assert rule["id"] == rule["name"]
    assert rule["arn"] == f"arn:aws:events:{region}:{account}:rule/{rule['name']}"
    got = events.describe_rule(Name=rule["name"])
    assert (got["Arn"], got["State"], got["Description"]) == (rule["arn"], "ENABLED", "d")
    assert json.loads(got["EventPattern"]) == PATTERN
    assert events.list_tags_for_resource(ResourceARN=rule["arn"])["Tags"] == [
        {"Key": "app", "Value": "prefect"}
    ]

    target = create(
        aws,
        "aws:cloudwatch/eventTarget:EventTarget",
        "task-state/observer",
        {"rule": rule["name"], "arn": queue["arn"]},
    )
    assert target["id"] == f"{rule['name']}-{target['targetId']}"
    assert events.list_targets_by_rule(Rule=rule["name"])["Targets"] == [
        {"Id": target["targetId"], "Arn": queue["arn"]}
    ]

    policy_doc = json.dumps(
        {
            **QUEUE_POLICY,
            "Statement": [
                {
                    **QUEUE_POLICY["Statement"][0],
                    "Resource": queue["arn"],
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule["arn"]}},
                }
            ],
        }
    )
    policy = create(
        aws,
        "aws:sqs/queuePolicy:QueuePolicy",
        "observer",
        {"queueUrl": queue["url"], "policy": policy_doc},
    )
    assert policy["id"] == queue["url"]
    got = sqs.get_queue_attributes(QueueUrl=queue["url"], AttributeNames=["Policy"])
    assert json.loads(got["Attributes"]["Policy"]) == json.loads(policy_doc)

    topic = f"arn:aws:sns:{region}:{account}:oncall"
    alarms = [
        create(aws, "aws:cloudwatch/metricAlarm:MetricAlarm", name, inputs)
        for name, inputs in [
            ("dead-letters", dead_letters_alarm(dlq["name"], [topic])),
            ("oldest", oldest_event_alarm(queue["name"])),
            ("unread", math_alarm(queue["name"])),
        ]
    ]
    for a in alarms:
        assert a["id"] == a["name"]
        assert a["arn"] == f"arn:aws:cloudwatch:{region}:{account}:alarm:{a['name']}"
    found = {
        a["AlarmName"]: a
        for a in cloudwatch.describe_alarms(AlarmNames=[a["name"] for a in alarms])["MetricAlarms"]
    }
    dead, oldest, unread = (found[a["name"]] for a in alarms)
    assert dead["Dimensions"] == [{"Name": "QueueName", "Value": dlq["name"]}]
    assert (dead["MetricName"], dead["Statistic"], dead["Period"]) == (
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        300,
    )
    assert (dead["AlarmActions"], dead["OKActions"]) == ([topic], [topic])
    assert (dead["Threshold"], dead["ComparisonOperator"]) == (0.0, "GreaterThanThreshold")
    assert dead["TreatMissingData"] == "notBreaching"
    assert (oldest["EvaluationPeriods"], oldest["AlarmActions"]) == (15, [])
    assert [m["Id"] for m in unread["Metrics"]] == ["unread", "sent", "received"]
    assert unread["Metrics"][0] == {
        "Id": "unread",
        "Expression": "sent - received",
        "Label": "events not received",
        "ReturnData": True,
    }
    assert unread["Metrics"][1]["MetricStat"] == {
        "Metric": {
            "Namespace": "AWS/SQS",
            "MetricName": "NumberOfMessagesSent",
            "Dimensions": [{"Name": "QueueName", "Value": queue["name"]}],
        },
        "Period": 300,
        "Stat": "Sum",
    }
    assert "MetricName" not in unread
    assert cloudwatch.list_tags_for_resource(ResourceARN=dead["AlarmArn"])["Tags"] == [
        {"Key": "app", "Value": "prefect"}
    ]

    assert {c.type for c in aws.created} == OBSERVER_TYPES
    delete_each_in_reverse(aws, 8)


def test_observer_rule_and_target_on_another_bus(aws: MotoAws) -> None:
    events = aws.client("events")
    events.create_event_bus(Name="ops")
    queue = create(aws, "aws:sqs/queue:Queue", "q", {"name": "exact-queue"})
    dlq = create(aws, "aws:sqs/queue:Queue", "dlq", {"namePrefix": "dlq-"})
    assert queue["name"] == "exact-queue" and dlq["name"].startswith("dlq-")
    rule = create(
        aws,
        "aws:cloudwatch/eventRule:EventRule",
        "r",
        {"eventBusName": "ops", "eventPattern": json.dumps(PATTERN)},
    )
    assert rule["id"] == f"ops/{rule['name']}"
    assert rule["arn"].endswith(f":rule/ops/{rule['name']}")
    target = create(
        aws,
        "aws:cloudwatch/eventTarget:EventTarget",
        "t",
        {
            "eventBusName": "ops",
            "rule": rule["name"],
            "arn": queue["arn"],
            "targetId": "observer",
            "retryPolicy": {"maximumEventAgeInSeconds": 3600.0, "maximumRetryAttempts": 10.0},
            "deadLetterConfig": {"arn": dlq["arn"]},
        },
    )
    assert target["id"] == f"ops-{rule['name']}-observer"
    (got,) = events.list_targets_by_rule(Rule=rule["name"], EventBusName="ops")["Targets"]
    assert got["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}
    assert got["DeadLetterConfig"] == {"Arn": dlq["arn"]}
    created = list(aws.created)
    assert len(aws.leftovers(created)) == 4
    aws.destroy()
    assert aws.leftovers(created) == []


# ---------------------------------------------------------------------------- the flow image
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 2,
            "description": "keep the last 10 releases",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["v"],
                "countType": "imageCountMoreThan",
                "countNumber": 10,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
    ]
}


def hardened_repository(**extra: Any) -> dict[str, Any]:
    return {
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "forceDelete": True,
        "tags": {"app": "prefect"},
        **extra,
    }


#: One resource of every image type (the command: fake and details only; its runs are in
#: test_command_type.py).
IMAGE_SAMPLES = [
    sample("aws:ecr/repository:Repository", "Flow-Images", hardened_repository()),
    sample(
        "aws:ecr/repository:Repository",
        "named",
        hardened_repository(
            name="prefect/flows",
            encryptionConfigurations=[{"encryptionType": "KMS", "kmsKey": "arn:kms:k"}],
            forceDelete=False,
        ),
    ),
    sample(
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "flows",
        {"repository": "prefect/flows", "policy": json.dumps(LIFECYCLE)},
    ),
    sample(
        "command:local:Command",
        "build-and-push",
        {
            "create": "docker build -t $REPO:$TAG . && docker push $REPO:$TAG",
            "delete": "docker rmi $REPO:$TAG",
            "environment": {
                "REPO": "r",
                "TAG": "v1",
                "REGISTRY_PASSWORD": {**SECRET_SIG, "value": "pw"},
            },
            "dir": "flows",
            "triggers": ["sha256:abc"],
        },
    ),
]
ECR_SAMPLES = [r for r in IMAGE_SAMPLES if r.type.startswith("aws:ecr/")]


def image_answers() -> dict[str, Any]:
    return pinned_answers(IMAGE_SAMPLES, ECR_SAMPLES)


@pytest.mark.parametrize("part", ["fake", "emulator", "details"])
def test_image_types_answer_as_pinned(part: str) -> None:
    """What the fake fabricates, the boto3 calls the emulator makes and what the plan
    shows for the image's types (pinned under ``image`` in the golden file)."""
    before = json.loads(GOLDEN.read_text())["image"]
    now = json.loads(json.dumps(image_answers(), sort_keys=True))
    assert now[part] == before[part]


def test_image_fake_in_aws_shape() -> None:
    auto, named, policy, build = IMAGE_SAMPLES
    rid, out = faked(auto)
    name = out["name"]
    # Auto-named as Pulumi does, lowercased: ECR takes no capitals.
    assert rid == name and name.startswith("flow-images-") and name == name.lower()
    assert len(name) == len("flow-images-") + 7
    assert out["arn"] == f"arn:aws:ecr:eu-west-1:210987654321:repository/{name}"
    assert out["repositoryUrl"] == f"210987654321.dkr.ecr.eu-west-1.amazonaws.com/{name}"
    assert out["registryId"] == "210987654321"
    assert faked(auto) == (rid, out), "not deterministic"
    assert faked(named)[0] == "prefect/flows"
    assert faked(policy) == ("prefect/flows", {**policy.inputs, "registryId": "210987654321"})
    rid, out = faked(build)
    assert rid.startswith("build-and-push-") and (out["stdout"], out["stderr"]) == ("", "")


def test_image_details() -> None:
    for r in IMAGE_SAMPLES:
        faked(r)
    auto, named, policy, build = (resource_details(r) for r in IMAGE_SAMPLES)
    assert auto == [
        f"name: {IMAGE_SAMPLES[0].outputs['name']}",
        "tags: IMMUTABLE  scanOnPush: True",
        "encryption: AES256 (default)  forceDelete: True",
    ]
    assert named[1:] == [
        "tags: IMMUTABLE  scanOnPush: True",
        "encryption: KMS arn:kms:k  forceDelete: False",
    ]
    assert policy == [
        "repository: prefect/flows",
        "rule 1: untagged images pushed more than 14 days ago -> expire",
        'rule 2: tagged (prefix v) images beyond the newest 10 -> expire ("keep the last 10 '
        'releases")',
    ]
    assert "env: REGISTRY_PASSWORD=[secret] REPO=r TAG=v1" in build
    bare = res("aws:ecr/repository:Repository", "bare", {})
    assert resource_details(bare)[1:] == [
        "tags: MUTABLE (default)  scanOnPush: False",
        "encryption: AES256 (default)  forceDelete: False",
    ]
    odd = res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "odd", {"repository": "r", "policy": "{"})
    assert resource_details(odd) == ["repository: r", "policy: {"]


MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {},
        "layers": [],
    }
)


def test_image_round_trip_in_moto(aws: MotoAws) -> None:
    """The repository and its lifecycle policy created in moto (every call accepted), read
    back from moto's side, then deleted in reverse order, each ``exists`` turning false."""
    ecr = aws.client("ecr")
    account, region = aws.account_id, aws.region
    repo = create(aws, "aws:ecr/repository:Repository", "Flow-Images", hardened_repository())
    name = repo["name"]
    assert repo["id"] == name and name.startswith("flow-images-")
    assert repo["arn"] == f"arn:aws:ecr:{region}:{account}:repository/{name}"
    assert repo["repositoryUrl"] == f"{account}.dkr.ecr.{region}.amazonaws.com/{name}"
    assert repo["registryId"] == account
    (got,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
    assert got["imageTagMutability"] == "IMMUTABLE"
    assert got["imageScanningConfiguration"] == {"scanOnPush": True}
    assert got["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert ecr.list_tags_for_resource(resourceArn=repo["arn"])["tags"] == [
        {"Key": "app", "Value": "prefect"}
    ]
    kms = create(
        aws,
        "aws:ecr/repository:Repository",
        "kms",
        hardened_repository(
            name="prefect/kms",
            encryptionConfigurations=[{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:k"}],
        ),
    )
    (got,) = ecr.describe_repositories(repositoryNames=["prefect/kms"])["repositories"]
    assert kms["id"] == "prefect/kms"
    assert got["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:k"}

    policy = create(
        aws,
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "flows",
        {"repository": name, "policy": json.dumps(LIFECYCLE)},
    )
    assert (policy["id"], policy["registryId"]) == (name, account)
    text = ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
    assert json.loads(text) == LIFECYCLE

    # An image in the repository: forceDelete (set here) lets the delete through.
    ecr.put_image(
        repositoryName=name,
        imageManifest=MANIFEST,
        imageTag="v1",
    )
    delete_each_in_reverse(aws, 3)


def test_repository_without_force_delete_keeps_its_images(aws: MotoAws) -> None:
    """As the provider: without forceDelete a repository holding images is not deleted."""
    from botocore.exceptions import ClientError

    create(aws, "aws:ecr/repository:Repository", "r", {"name": "kept"})
    aws.client("ecr").put_image(
        repositoryName="kept",
        imageManifest=MANIFEST,
        imageTag="v1",
    )
    with pytest.raises(ClientError, match="RepositoryNotEmptyException"):
        aws.destroy()
    assert aws.leftovers(aws.created) == ["aws:ecr/repository:Repository r (kept)"]
    aws.created.clear()
