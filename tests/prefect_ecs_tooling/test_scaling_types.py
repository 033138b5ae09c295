"""The autoscaling types (``aws:appautoscaling/target:Target``, ``.../policy:Policy``) and
the ``getSubnet`` data source: fabricated in AWS's shape offline, shown in the plan, and
created, read back and deleted in moto through their modules."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.documents.scaling import target_tracking
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.plan import resource_details
from prefect_ecs_tooling.runner import RecordedResource
from prefect_ecs_tooling.sandbox.emulator import MotoAws
from tests.support import gone

pytestmark = pytest.mark.emulator

TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
PARENT = "prefect-ecs:index:PrefectEcsWorker$"


def res(type_: str, name: str, inputs: dict[str, Any]) -> RecordedResource:
    urn = f"urn:pulumi:dev::prefect-ecs::{PARENT}{type_}::{name}"
    return RecordedResource(type_, name, urn, "urn:parent", True, inputs)


def target_inputs(resource_id: str) -> dict[str, Any]:
    return {
        "serviceNamespace": "ecs",
        "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": resource_id,
        "minCapacity": 1.0,
        "maxCapacity": 10.0,
        "tags": {"app": "prefect"},
    }


def policy_inputs(resource_id: str, metric: str, percent: int) -> dict[str, Any]:
    # As the engine records it: camelCase keys, whole numbers as floats.
    config = target_tracking(metric, percent)
    return {
        "policyType": "TargetTrackingScaling",
        "serviceNamespace": "ecs",
        "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": resource_id,
        "targetTrackingScalingPolicyConfiguration": {
            "predefinedMetricSpecification": {
                "predefinedMetricType": config["predefined_metric_specification"][
                    "predefined_metric_type"
                ]
            },
            "targetValue": float(config["target_value"]),
            "scaleInCooldown": float(config["scale_in_cooldown"]),
            "scaleOutCooldown": float(config["scale_out_cooldown"]),
        },
    }


def test_fake_in_aws_shape_and_details() -> None:
    fake = FakeAws(region="eu-west-1", account_id="210987654321")
    rid = "service/prefect/prefect-worker-abc1234"
    tid, tout = fake.register(res(TARGET, "w-worker", target_inputs(rid)))
    assert tid == rid
    assert tout["arn"].startswith(
        "arn:aws:application-autoscaling:eu-west-1:210987654321:scalable-target/"
    )
    target = res(TARGET, "w-worker", target_inputs(rid))
    target.outputs = tout
    assert resource_details(target) == [f"{rid} ecs:service:DesiredCount", "capacity: 1..10"]

    pres = res(POLICY, "w-worker-cpu", policy_inputs(rid, "cpu", 70))
    pid, pout = fake.register(pres)
    assert pid == pout["name"] and pout["name"].startswith("w-worker-cpu-")
    assert pout["arn"].startswith("arn:aws:autoscaling:eu-west-1:210987654321:scalingPolicy:")
    assert pout["arn"].endswith(f":resource/ecs/{rid}:policyName/{pid}")
    pres.outputs = pout
    assert resource_details(pres) == [
        f"name: {pid}",
        f"TargetTrackingScaling on {rid}: ECSServiceAverageCPUUtilization at 70"
        " (cooldown out 60s, in 300s)",
    ]


def test_fake_subnet_zone_is_stable() -> None:
    fake = FakeAws(region="eu-west-1")
    one = fake.invoke("aws:ec2/getSubnet:getSubnet", {"id": "subnet-1"})
    assert one == fake.invoke("aws:ec2/getSubnet:getSubnet", {"id": "subnet-1"})
    assert one["availabilityZone"] in {"eu-west-1a", "eu-west-1b", "eu-west-1c"}


def test_round_trip_in_moto(aws: MotoAws) -> None:
    """A service, its scalable target and two policies created in moto (every call really
    accepted), read back, then deleted in reverse order."""
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="prefect")
    arn = ecs.register_task_definition(
        family="w", containerDefinitions=[{"name": "w", "image": "img:1", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="prefect", serviceName="worker", taskDefinition=arn, desiredCount=1)
    rid = "service/prefect/worker"

    tid, tout = aws.register(res(TARGET, "w-worker", target_inputs(rid)))
    assert tid == rid and tout["arn"]
    client = aws.client("application-autoscaling")
    (got,) = client.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid])[
        "ScalableTargets"
    ]
    assert (got["MinCapacity"], got["MaxCapacity"]) == (1, 10)

    names = []
    for metric, percent in (("cpu", 70), ("memory", 80)):
        pid, pout = aws.register(
            res(POLICY, f"w-worker-{metric}", policy_inputs(rid, metric, percent))
        )
        assert pout["arn"] and pid == pout["name"]
        names.append(pid)
    policies = client.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid)[
        "ScalingPolicies"
    ]
    assert sorted(p["PolicyName"] for p in policies) == sorted(names)
    tracked = {
        p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
            "PredefinedMetricType"
        ]: p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
        for p in policies
    }
    assert tracked == {
        "ECSServiceAverageCPUUtilization": 70.0,
        "ECSServiceAverageMemoryUtilization": 80.0,
    }

    created = list(aws.created)
    assert [c.type for c in created] == [TARGET, POLICY, POLICY]
    assert len(aws.leftovers(created)) == 3, "each exists while created"
    destroyed = aws.destroy()
    assert [c.type for c in destroyed] == [POLICY, POLICY, TARGET]
    assert aws.leftovers(created) == []
    assert all(gone(aws, c) for c in created)


def test_subnet_zone_from_moto(aws: MotoAws) -> None:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone = f"{aws.region}b"
    sid = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone=zone)["Subnet"][
        "SubnetId"
    ]
    got = aws.invoke("aws:ec2/getSubnet:getSubnet", {"id": sid})
    assert (got["id"], got["availabilityZone"], got["vpcId"]) == (sid, zone, vpc)
