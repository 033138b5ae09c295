"""The EC2 capacity's pure documents: the AMI parameter, the instance types' architecture
and size, the agent's configuration, the group's tags, and the instance role's policy,
proved with the independent IAM evaluator (prefect_ecs_tooling.iam_simulator): the
container agent of this cluster may do what it calls, an agent of another cluster may
not, and nothing else is granted."""

from __future__ import annotations

import base64

import pytest

from prefect_ecs.documents import ec2_capacity as ec2
from prefect_ecs_tooling import iam_simulator as sim

pytestmark = pytest.mark.pure

PARTITION, REGION, ACCOUNT = "aws", "eu-west-1", "123456789012"
ECS = f"arn:{PARTITION}:ecs:{REGION}:{ACCOUNT}"
CLUSTER_NAME = "prefect"
CLUSTER = f"{ECS}:cluster/{CLUSTER_NAME}"
OTHER = f"{ECS}:cluster/other"
INSTANCE = f"{ECS}:container-instance/{CLUSTER_NAME}/0123456789abcdef0123456789abcdef"
OTHER_INSTANCE = f"{ECS}:container-instance/other/0123456789abcdef0123456789abcdef"
POLICY = ec2.container_instance_policy(
    partition=PARTITION,
    region=REGION,
    account_id=ACCOUNT,
    cluster_arn=CLUSTER,
    cluster_name=CLUSTER_NAME,
)


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [
        ("m6i.large", "X86_64"),
        ("c7a.xlarge", "X86_64"),
        ("t3.medium", "X86_64"),
        ("g4dn.xlarge", "X86_64"),
        ("g6.xlarge", "X86_64"),
        ("r7iz.large", "X86_64"),
        ("m6g.large", "ARM64"),
        ("c7gn.large", "ARM64"),
        ("t4g.small", "ARM64"),
        ("r8gd.2xlarge", "ARM64"),
        ("im4gn.large", "ARM64"),
        ("is4gen.medium", "ARM64"),
        ("g5g.xlarge", "ARM64"),
        ("a1.large", "ARM64"),
    ],
)
def test_architecture_by_family(instance_type: str, arch: str) -> None:
    assert ec2.instance_architecture(instance_type) == arch


def test_every_known_type_and_default_is_consistent() -> None:
    for arch, default in ec2.DEFAULT_INSTANCE_TYPES.items():
        assert ec2.instance_architecture(default) == arch
        assert ec2.instance_size(default) == ec2.InstanceSize(2, 8192)
    assert ec2.instance_size("c6g.medium") == ec2.InstanceSize(1, 2048)
    assert ec2.instance_size("r7i.2xlarge") == ec2.InstanceSize(8, 65536)
    assert ec2.instance_size("t3.micro") == ec2.InstanceSize(2, 1024)
    assert ec2.instance_size("x2iedn.32xlarge") is None
    assert all(ec2.INSTANCE_TYPE.match(t) for t in ec2.INSTANCE_SIZES)


def test_ami_from_the_public_parameter_of_the_architecture() -> None:
    assert ec2.ami_image_id("X86_64") == (
        "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
    )
    assert ec2.ami_image_id("ARM64") == (
        "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
    )


def test_fit() -> None:
    assert ec2.fit_problems(cpu=1024, memory=2048, instance_type="m6i.large") == (None, None)
    error, _ = ec2.fit_problems(cpu=4096, memory=8192, instance_type="m6i.large")
    assert error and "does not fit on a m6i.large (2048 CPU units, 8192 MiB)" in error
    error, warning = ec2.fit_problems(cpu=2048, memory=8000, instance_type="m6i.large")
    assert error is None and warning and "about 7372 MiB" in warning
    assert ec2.fit_problems(cpu=99999, memory=1, instance_type="unknown.type") == (None, None)


def test_agent_configuration_joins_the_cluster_and_blocks_imds_for_tasks() -> None:
    text = base64.b64decode(ec2.user_data_base64("prefect-1a2b")).decode()
    assert text == ec2.user_data("prefect-1a2b")
    assert text.startswith("#!/bin/bash\n")
    config = text.split("<<'EOF'\n", 1)[1].split("\nEOF", 1)[0].splitlines()
    assert config == [
        "ECS_CLUSTER=prefect-1a2b",
        "ECS_AWSVPC_BLOCK_IMDS=true",
        "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true",
    ]


def test_group_tags_propagate_and_mark_the_group_managed() -> None:
    tags = ec2.auto_scaling_group_tags({"team": "data", "Name": "theirs"}, "w-flow-runs")
    assert tags == [
        {"key": "AmazonECSManaged", "value": "true", "propagate_at_launch": True},
        {"key": "Name", "value": "w-flow-runs", "propagate_at_launch": True},
        {"key": "team", "value": "data", "propagate_at_launch": True},
    ]


@pytest.mark.parametrize("name", ["ecs-worker", "AWS_flows", "fargate"])
def test_reserved_provider_prefixes(name: str) -> None:
    problem = ec2.provider_name_problem(name)
    assert problem and "capacity provider names" in problem
    assert ec2.provider_name_problem("prefect") is None


def test_trust_is_ec2_only() -> None:
    (st,) = ec2.ec2_trust_policy()["Statement"]
    assert st["Principal"] == {"Service": "ec2.amazonaws.com"} and st["Action"] == "sts:AssumeRole"


def test_instance_role_is_the_agents_calls_and_no_ecr_or_logs() -> None:
    actions = {a for st in POLICY["Statement"] for a in _list(st["Action"])}
    assert actions == {
        "ecs:RegisterContainerInstance",
        "ecs:DeregisterContainerInstance",
        "ecs:SubmitContainerStateChange",
        "ecs:SubmitTaskStateChange",
        "ecs:SubmitAttachmentStateChanges",
        "ecs:Poll",
        "ecs:StartTelemetrySession",
        "ecs:DiscoverPollEndpoint",
    }


def _list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _request(action: str, resource: str, cluster: str | None = None) -> sim.Request:
    context = {"ecs:cluster": cluster} if cluster else {}
    return sim.Request([POLICY], action, resource, context)


@pytest.mark.skipif(sim.unavailable_reason() is not None, reason="IAM simulator unavailable")
def test_agent_of_this_cluster_only_by_the_simulator() -> None:
    allowed = {
        "register": _request("ecs:RegisterContainerInstance", CLUSTER),
        "deregister": _request("ecs:DeregisterContainerInstance", CLUSTER),
        "container state": _request("ecs:SubmitContainerStateChange", CLUSTER),
        "task state": _request("ecs:SubmitTaskStateChange", CLUSTER),
        "attachments": _request("ecs:SubmitAttachmentStateChanges", CLUSTER),
        "poll": _request("ecs:Poll", INSTANCE, CLUSTER),
        "telemetry": _request("ecs:StartTelemetrySession", INSTANCE, CLUSTER),
        "endpoint": _request("ecs:DiscoverPollEndpoint", "*"),
    }
    denied = {
        "register elsewhere": _request("ecs:RegisterContainerInstance", OTHER),
        "task state elsewhere": _request("ecs:SubmitTaskStateChange", OTHER),
        "poll elsewhere": _request("ecs:Poll", OTHER_INSTANCE, OTHER),
        "poll claiming this cluster": _request(
            "ecs:Poll", OTHER_INSTANCE, OTHER.replace("other", "x")
        ),
        "run a task": _request("ecs:RunTask", f"{ECS}:task-definition/x:1", CLUSTER),
        "create a cluster": _request("ecs:CreateCluster", OTHER),
        "pull from ECR": _request(
            "ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/flows"
        ),
        "ECR login": _request("ecr:GetAuthorizationToken", "*"),
    }
    results = dict(
        zip([*allowed, *denied], sim.simulate([*allowed.values(), *denied.values()]), strict=True)
    )
    assert [k for k in allowed if not results[k].allowed] == []
    assert [k for k in denied if results[k].allowed] == []
