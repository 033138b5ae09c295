"""The EC2 capacity's types (instance profile, launch template, auto scaling group,
capacity provider): fabricated in AWS's shape offline (pinned under ``ec2_capacity`` in
test_aws_types.golden.json, with what the plan shows), and created, read back and deleted
in moto through their modules, the way the provider does."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from prefect_ecs.documents import ec2_capacity as ec2
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.plan import resource_details
from prefect_ecs_tooling.runner import RecordedResource
from prefect_ecs_tooling.sandbox.emulator import MotoAws
from tests.support import delete_each_in_reverse

pytestmark = pytest.mark.emulator

GOLDEN = __import__("pathlib").Path(__file__).with_name("test_aws_types.golden.json")
PARENT = "prefect-ecs:index:PrefectEcsWorker$"
ROLE = "aws:iam/role:Role"
PROFILE = "aws:iam/instanceProfile:InstanceProfile"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GROUP = "aws:autoscaling/group:Group"
PROVIDER = "aws:ecs/capacityProvider:CapacityProvider"
EC2_CAPACITY_TYPES = frozenset({PROFILE, TEMPLATE, GROUP, PROVIDER})


def res(type_: str, name: str, inputs: dict[str, Any]) -> RecordedResource:
    urn = f"urn:pulumi:dev::prefect-ecs::{PARENT}{type_}::{name}"
    return RecordedResource(type_, name, urn, "urn:parent", True, inputs)


def template_inputs(profile_arn: str, groups: list[str]) -> dict[str, Any]:
    # As the engine records them: camelCase keys, whole numbers as floats.
    return {
        "imageId": ec2.ami_image_id("ARM64"),
        "instanceType": "m6g.large",
        "iamInstanceProfile": {"arn": profile_arn},
        "userData": ec2.user_data_base64("prefect"),
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpTokens": "required",
            "httpPutResponseHopLimit": 1.0,
        },
        "networkInterfaces": [
            {
                "deviceIndex": 0.0,
                "associatePublicIpAddress": "false",
                "securityGroups": groups,
                "deleteOnTermination": "true",
            }
        ],
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "volumeSize": 30.0,
                    "volumeType": "gp3",
                    "encrypted": "true",
                    "deleteOnTermination": "true",
                },
            }
        ],
        "tagSpecifications": [{"resourceType": "volume", "tags": {"app": "prefect"}}],
        "description": "flow runs",
        "tags": {"app": "prefect"},
    }


def group_inputs(template_id: str, subnets: list[str]) -> dict[str, Any]:
    return {
        "vpcZoneIdentifiers": subnets,
        "minSize": 0.0,
        "maxSize": 4.0,
        "launchTemplate": {"id": template_id, "version": "1"},
        "protectFromScaleIn": True,
        "forceDelete": True,
        "tags": [
            {"key": t["key"], "value": t["value"], "propagateAtLaunch": t["propagate_at_launch"]}
            for t in ec2.auto_scaling_group_tags({"app": "prefect"}, "w-flow-runs")
        ],
    }


def provider_inputs(group_arn: str) -> dict[str, Any]:
    return {
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": group_arn,
            "managedTerminationProtection": "ENABLED",
            "managedDraining": "ENABLED",
            "managedScaling": {
                "status": "ENABLED",
                "targetCapacity": 100.0,
                "minimumScalingStepSize": 1.0,
                "maximumScalingStepSize": 4.0,
            },
        },
        "tags": {"app": "prefect"},
    }


SAMPLES = [
    res(PROFILE, "w-ec2-instance", {"role": "w-ec2-instance-1a2b3c4", "tags": {"app": "prefect"}}),
    res(TEMPLATE, "w-flow-runs-ec2", template_inputs("arn:profile", ["sg-1"])),
    res(GROUP, "w-flow-runs-ec2", group_inputs("lt-1", ["subnet-a", "subnet-b"])),
    res(PROVIDER, "w-flow-runs-ec2", provider_inputs("arn:asg")),
]


def answers() -> dict[str, Any]:
    """What the fake fabricates and what the plan shows, for every sample."""
    fake = FakeAws(region="eu-west-1", account_id="210987654321")
    got: dict[str, Any] = {"fake": [], "details": []}
    for r in SAMPLES:
        rid, out = fake.register(r)
        got["fake"].append([rid, {k: v for k, v in out.items() if r.inputs.get(k) != v}])
        r.outputs = out
        got["details"].append(resource_details(r))
    return json.loads(json.dumps(got, sort_keys=True))


@pytest.mark.parametrize("part", ["fake", "details"])
def test_answers_as_pinned(part: str) -> None:
    assert answers()[part] == json.loads(GOLDEN.read_text())["ec2_capacity"][part]


def test_fake_in_aws_shape() -> None:
    fake = FakeAws(region="eu-west-1", account_id="210987654321")
    pid, pout = fake.register(SAMPLES[0])
    assert pid == pout["name"] and pout["name"].startswith("w-ec2-instance-")
    assert pout["arn"] == f"arn:aws:iam::210987654321:instance-profile/{pid}"
    lid, lout = fake.register(SAMPLES[1])
    assert lid.startswith("lt-") and lout["latestVersion"] == 1
    gid, gout = fake.register(SAMPLES[2])
    assert gout["arn"].startswith("arn:aws:autoscaling:eu-west-1:210987654321:autoScalingGroup:")
    assert gout["arn"].endswith(f":autoScalingGroupName/{gid}")
    cid, cout = fake.register(SAMPLES[3])
    assert cid == f"arn:aws:ecs:eu-west-1:210987654321:capacity-provider/{cout['name']}"
    assert fake.register(SAMPLES[3]) == (cid, cout), "not deterministic"


def test_round_trip_in_moto(aws: MotoAws) -> None:
    """Role, profile, template, group and provider created in moto (every call really
    accepted), read back from moto's side, then deleted in reverse order, each ``exists``
    turning false while the rest still exist."""
    ec2_client = aws.client("ec2")
    vpc = ec2_client.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2_client.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (1, 2)
    ]
    group_id = ec2_client.create_security_group(GroupName="t", Description="t", VpcId=vpc)[
        "GroupId"
    ]
    trust = json.dumps(ec2.ec2_trust_policy())
    role_id, _ = aws.register(res(ROLE, "w-ec2-instance", {"assumeRolePolicy": trust}))
    pid, pout = aws.register(res(PROFILE, "w-ec2-instance", {"role": role_id}))
    (profile_role,) = aws.client("iam").get_instance_profile(InstanceProfileName=pid)[
        "InstanceProfile"
    ]["Roles"]
    assert profile_role["RoleName"] == role_id

    lid, lout = aws.register(
        res(TEMPLATE, "w-flow-runs-ec2", template_inputs(pout["arn"], [group_id]))
    )
    assert lout["latestVersion"] == 1
    (version,) = ec2_client.describe_launch_template_versions(LaunchTemplateId=lid)[
        "LaunchTemplateVersions"
    ]
    data = version["LaunchTemplateData"]
    assert data["ImageId"] == ec2.ami_image_id("ARM64")
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["NetworkInterfaces"][0]["Groups"] == [group_id]
    assert base64.b64decode(data["UserData"]).decode() == ec2.user_data("prefect")

    gid, gout = aws.register(res(GROUP, "w-flow-runs-ec2", group_inputs(lid, subnets)))
    (group,) = aws.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[gid])[
        "AutoScalingGroups"
    ]
    assert group["NewInstancesProtectedFromScaleIn"] is True
    assert sorted(group["VPCZoneIdentifier"].split(",")) == sorted(subnets)
    assert {t["Key"] for t in group["Tags"]} >= {"AmazonECSManaged", "Name", "app"}
    assert gout["arn"] == group["AutoScalingGroupARN"]

    cid, cout = aws.register(res(PROVIDER, "w-flow-runs-ec2", provider_inputs(gout["arn"])))
    (provider,) = aws.client("ecs").describe_capacity_providers(capacityProviders=[cout["name"]])[
        "capacityProviders"
    ]
    assert provider["capacityProviderArn"] == cid
    p = provider["autoScalingGroupProvider"]
    assert p["autoScalingGroupArn"] == gout["arn"]
    assert p["managedTerminationProtection"] == "ENABLED"
    assert p["managedScaling"]["status"] == "ENABLED"
    assert p["managedScaling"]["targetCapacity"] == 100

    delete_each_in_reverse(aws, 5)
