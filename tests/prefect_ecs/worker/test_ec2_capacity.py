"""The EC2 capacity for flow runs under Pulumi mocks: the instance role and profile, the
launch template, the auto scaling group and the capacity provider, wired to the
cluster and network; nothing when the option is off.

The concern is run on its own (a context, the cluster and the network, as the component
makes them), so these tests do not depend on how ``worker/capacity.py`` associates the
provider with the cluster.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from prefect_ecs.documents.ec2_capacity import ECS_OPTIMIZED_AMI_PARAMETERS
from prefect_ecs.settings import resolve_settings
from prefect_ecs.worker.cluster import cluster
from prefect_ecs.worker.context import make_context
from prefect_ecs.worker.ec2_capacity import ec2_capacity
from prefect_ecs.worker.network import network
from prefect_ecs_tooling.fake_aws import FAKE_ACCOUNT_ID
from prefect_ecs_tooling.records import StackRun
from tests.support import CLOUD_URL, RAW_API_KEY, run

pytestmark = pytest.mark.mocks

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"
PROFILE = "aws:iam/instanceProfile:InstanceProfile"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GROUP = "aws:autoscaling/group:Group"
PROVIDER = "aws:ecs/capacityProvider:CapacityProvider"
EC2_TYPES = (ROLE, POLICY, PROFILE, TEMPLATE, GROUP, PROVIDER)
BASE = {"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY}


class _Parent(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:index:Parent", name, None, None)


def run_ec2(
    args: dict[str, Any] | Callable[[], dict[str, Any]], name: str = "w"
) -> tuple[StackRun, dict[str, Any]]:
    """The concern on its own, with the component's context, cluster and network
    (``args`` a callable when it makes Outputs, which exist only inside the program)."""
    made: dict[str, Any] = {}

    def program() -> None:
        given = args() if callable(args) else args
        s = resolve_settings(name, {**BASE, **given})
        ctx = make_context(_Parent(name), s)
        net = network(ctx, s)
        clus = cluster(ctx, s)
        made["ec2"] = ec2_capacity(ctx, s, clus, net)
        if made["ec2"] is not None:
            pulumi.export("providerName", made["ec2"].provider_name)

    return run(program), made


@pytest.fixture(scope="module")
def on() -> StackRun:
    return run_ec2(
        {
            "flow_run_ec2_capacity": True,
            "vpc_id": "vpc-1",
            "subnet_ids": ["subnet-a", "subnet-b"],
            "tags": {"team": "data"},
        }
    )[0]


def test_off_by_default_creates_nothing() -> None:
    stack, made = run_ec2({})
    assert made["ec2"] is None
    assert not [r for r in stack.resources if r.type in EC2_TYPES[2:]]


def test_instance_role_trusts_ec2_and_joins_only_this_cluster(on: StackRun) -> None:
    role = on.one(ROLE, "-ec2-instance")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "ec2.amazonaws.com"}
    policy = on.one(POLICY, "-ec2-instance")
    assert policy.inputs["role"] == role.outputs["name"]
    cluster = on.one("aws:ecs/cluster:Cluster")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["JoinCluster"]["Resource"] == cluster.outputs["arn"]
    poll = statements["PollAsContainerInstance"]
    assert poll["Resource"] == (
        f"arn:aws:ecs:us-east-1:{FAKE_ACCOUNT_ID}:container-instance/{cluster.outputs['name']}/*"
    )
    assert poll["Condition"] == {"ArnEquals": {"ecs:cluster": cluster.outputs["arn"]}}
    on_star = [s["Action"] for s in statements.values() if s["Resource"] == "*"]
    assert on_star == ["ecs:DiscoverPollEndpoint"]
    profile = on.one(PROFILE)
    assert profile.inputs["role"] == role.outputs["name"]


def test_launch_template_joins_the_cluster_with_imdsv2_and_no_public_ip(on: StackRun) -> None:
    template = on.one(TEMPLATE)
    i = template.inputs
    assert i["imageId"] == f"resolve:ssm:{ECS_OPTIMIZED_AMI_PARAMETERS['X86_64']}"
    assert i["instanceType"] == "m6i.large"
    assert i["iamInstanceProfile"] == {"arn": on.one(PROFILE).outputs["arn"]}
    cluster_name = on.one("aws:ecs/cluster:Cluster").outputs["name"]
    user_data = base64.b64decode(i["userData"]).decode()
    assert f"ECS_CLUSTER={cluster_name}\n" in user_data
    assert "ECS_AWSVPC_BLOCK_IMDS=true" in user_data
    assert i["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    (nic,) = i["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "false"
    assert nic["securityGroups"] == [on.one("aws:ec2/securityGroup:SecurityGroup").id]
    (disk,) = i["blockDeviceMappings"]
    assert disk["ebs"]["encrypted"] == "true"
    policy = on.one(POLICY, "-ec2-instance")
    assert policy.urn in template.dependencies, "no instance before the agent may register"


def test_group_spans_the_subnets_with_managed_scaling_tag_and_protection(on: StackRun) -> None:
    group, template = on.one(GROUP), on.one(TEMPLATE)
    i = group.inputs
    assert i["vpcZoneIdentifiers"] == ["subnet-a", "subnet-b"]
    assert (i["minSize"], i["maxSize"]) == (0, 4)
    assert "desiredCapacity" not in i, "managed scaling owns the desired capacity"
    assert i["launchTemplate"] == {"id": template.id, "version": "1"}
    assert i["protectFromScaleIn"] is True and i["forceDelete"] is True
    tags = {t["key"]: (t["value"], t["propagateAtLaunch"]) for t in i["tags"]}
    assert tags["AmazonECSManaged"] == ("true", True)
    assert tags["team"] == ("data", True)


def test_provider_scales_the_group_and_protects_busy_instances(on: StackRun) -> None:
    provider = on.one(PROVIDER)
    p = provider.inputs["autoScalingGroupProvider"]
    assert p["autoScalingGroupArn"] == on.one(GROUP).outputs["arn"]
    assert p["managedTerminationProtection"] == "ENABLED"
    assert p["managedScaling"]["status"] == "ENABLED"
    assert p["managedScaling"]["targetCapacity"] == 100
    assert on.outputs["providerName"] == provider.outputs["name"]


def test_arm64_gets_the_arm64_ami_and_a_graviton_type() -> None:
    stack, _ = run_ec2(
        {
            "flow_run_ec2_capacity": True,
            "flow_run_cpu_architecture": "ARM64",
            "assign_public_ip": True,
            "flow_run_ec2_target_capacity_percent": 80,
        }
    )
    i = stack.one(TEMPLATE).inputs
    assert i["imageId"] == f"resolve:ssm:{ECS_OPTIMIZED_AMI_PARAMETERS['ARM64']}"
    assert i["instanceType"] == "m6g.large"
    assert i["networkInterfaces"][0]["associatePublicIpAddress"] == "true"
    scaling = stack.one(PROVIDER).inputs["autoScalingGroupProvider"]["managedScaling"]
    assert scaling["targetCapacity"] == 80


def test_output_architecture_and_instance_type_are_waited_for() -> None:
    stack, _ = run_ec2(
        lambda: {
            "flow_run_ec2_capacity": True,
            "flow_run_cpu_architecture": pulumi.Output.from_input("ARM64"),
            "flow_run_ec2_min_size": pulumi.Output.from_input(1),
        }
    )
    i = stack.one(TEMPLATE).inputs
    assert i["instanceType"] == "m6g.large"
    assert i["imageId"].endswith("/arm64/recommended/image_id")
    assert stack.one(GROUP).inputs["minSize"] == 1
