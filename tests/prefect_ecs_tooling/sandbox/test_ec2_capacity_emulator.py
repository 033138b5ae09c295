"""The component with ``flow_run_ec2_capacity`` deployed into moto and destroyed: the
instance profile, launch template, auto scaling group and capacity provider are created
for real, the provider is associated with the stack's cluster, and the destroy leaves
nothing. Where moto stops: no EC2 instance runs an ECS agent, so no container instance
registers and a task placed with the EC2 provider can't start (moto's RunTask fails)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from prefect_ecs_tooling.runner import StackConfig, StackRun, run_program
from prefect_ecs_tooling.sandbox.emulator import MotoAws, MotoServer

pytestmark = pytest.mark.emulator


@pytest.fixture
def aws(moto: MotoServer) -> MotoAws:
    moto.reset()
    return MotoAws(moto.endpoint_url)


def deploy(aws: MotoAws, args: dict[str, Any]) -> StackRun:
    from prefect_ecs import PrefectEcsWorker

    def program() -> None:
        import pulumi

        # No worker and no Prefect server here: no gate, no drain, no pool.
        worker = PrefectEcsWorker(
            "w",
            {  # type: ignore[typeddict-item]
                "prefect_api_url": "https://api.prefect.cloud/api/accounts/a1/workspaces/w1",
                "prefect_api_key": "pnu_" + "x" * 36,
                "readiness_gate": False,
                "drain_on_destroy": False,
                "create_work_pool": False,
                **args,
            },
        )
        for key, value in worker.outputs().items():
            pulumi.export(key, value)

    config = StackConfig("test", "emu", {}, [], [], {})
    return run_program(program, config, aws.register, aws.invoke)


def test_ec2_capacity_deploys_and_destroys_in_moto(aws: MotoAws) -> None:
    run = deploy(aws, {"flow_run_ec2_capacity": True, "flow_run_ec2_max_size": 2})
    ecs, autoscaling, ec2 = aws.client("ecs"), aws.client("autoscaling"), aws.client("ec2")
    (provider,) = [
        r for r in run.resources if r.type == "aws:ecs/capacityProvider:CapacityProvider"
    ]
    (group,) = [r for r in run.resources if r.type == "aws:autoscaling/group:Group"]
    (template,) = [r for r in run.resources if r.type == "aws:ec2/launchTemplate:LaunchTemplate"]

    (got,) = ecs.describe_capacity_providers(capacityProviders=[provider.outputs["name"]])[
        "capacityProviders"
    ]
    assert got["autoScalingGroupProvider"]["autoScalingGroupArn"] == group.outputs["arn"]
    (cluster,) = ecs.describe_clusters(clusters=[run.outputs["clusterArn"]])["clusters"]
    assert provider.outputs["name"] in cluster["capacityProviders"]

    (asg,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group.id])[
        "AutoScalingGroups"
    ]
    assert (asg["MinSize"], asg["MaxSize"], asg["DesiredCapacity"]) == (0, 2, 0)
    assert sorted(asg["VPCZoneIdentifier"].split(",")) == sorted(run.outputs["subnetIds"])
    (version,) = ec2.describe_launch_template_versions(LaunchTemplateId=template.id)[
        "LaunchTemplateVersions"
    ]
    user_data = base64.b64decode(version["LaunchTemplateData"]["UserData"]).decode()
    assert f"ECS_CLUSTER={cluster['clusterName']}" in user_data
    # moto launches no instance (min 0) and would register none: no agent runs on it.
    assert (
        ecs.list_container_instances(cluster=cluster["clusterArn"])["containerInstanceArns"] == []
    )

    created = list(aws.created)
    deleted = aws.destroy()
    assert [c.id for c in deleted] == [c.id for c in reversed(created)]
    assert aws.leftovers(deleted) == []
    assert (
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group.id])[
            "AutoScalingGroups"
        ]
        == []
    )
