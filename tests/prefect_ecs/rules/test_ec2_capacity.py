"""The EC2 capacity's rules: silent while the option is off; the instance type's
architecture and size against the flow runs; the group's sizes; the target; the cluster;
the public IP; the provider's name."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.settings import check_now, findings_now

pytestmark = pytest.mark.pure

SELF = "https://prefect.example.com/api"
ON = {"flow_run_ec2_capacity": True}
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/prefect"


def problems(name: str = "w", **args: Any) -> list[tuple[str, str]]:
    return check_now({"prefect_api_url": SELF, **args}, name=name)


def warnings(**args: Any) -> list[tuple[str, str]]:
    return list(findings_now({"prefect_api_url": SELF, **args}, name="w")[1])


def on(field: str, **args: Any) -> list[str]:
    return [msg for f, msg in problems(**args) if f == field]


def test_defaults_pass_with_the_option_on_and_off() -> None:
    assert problems() == [] and problems(**ON) == []
    assert warnings(**ON) == []


def test_everything_is_ignored_while_off() -> None:
    assert (
        problems(
            flow_run_ec2_instance_type="m7g.large",
            flow_run_ec2_min_size=9,
            flow_run_ec2_max_size=0,
            flow_run_ec2_target_capacity_percent=0,
            cluster_arn=CLUSTER,
        )
        == []
    )


def test_instance_type_must_match_the_flow_runs_architecture() -> None:
    (msg,) = on("flow_run_ec2_instance_type", **ON, flow_run_ec2_instance_type="m7g.large")
    assert "m7g.large is ARM64 but flow_run_cpu_architecture is X86_64" in msg
    (msg,) = on("flow_run_ec2_instance_type", **ON, flow_run_cpu_architecture="ARM64",
                flow_run_ec2_instance_type="m6i.large")  # fmt: skip
    assert "m6g.large" in msg, "the fix names the architecture's default"
    assert problems(**ON, flow_run_cpu_architecture="ARM64") == []
    assert (
        problems(**ON, flow_run_cpu_architecture="ARM64", flow_run_ec2_instance_type="c7g.xlarge")
        == []
    )


def test_instance_type_shape_and_unknown_types() -> None:
    (msg,) = on("flow_run_ec2_instance_type", **ON, flow_run_ec2_instance_type="large")
    assert "is not an EC2 instance type" in msg
    (w,) = warnings(**ON, flow_run_ec2_instance_type="x2iedn.xlarge")
    assert w[0] == "flow_run_ec2_instance_type" and "can't check" in w[1]


def test_flow_runs_must_fit_on_an_instance() -> None:
    (msg,) = on("flow_run_cpu", **ON, flow_run_ec2_instance_type="t3.micro")
    assert "does not fit on a t3.micro" in msg and "1024 MiB" in msg
    assert problems(**ON, flow_run_cpu=2048, flow_run_memory=4096) == []
    (w,) = warnings(**ON, flow_run_memory=8192)
    assert w[0] == "flow_run_memory" and "may not fit" in w[1]
    (w,) = warnings(**ON, flow_run_max_cpu=4096, flow_run_max_memory=16384)
    assert w[0] == "flow_run_max_cpu" and "choose Fargate" in w[1]


def test_group_sizes_and_target() -> None:
    (msg,) = on("flow_run_ec2_max_size", **ON, flow_run_ec2_max_size=0)
    assert "at least 1" in msg
    (msg,) = on("flow_run_ec2_min_size", **ON, flow_run_ec2_min_size=5)
    assert "more than flow_run_ec2_max_size 4" in msg
    assert on("flow_run_ec2_min_size", **ON, flow_run_ec2_min_size=-1) == [
        "must be 0 or more, got -1"
    ]
    for bad in (0, 101):
        (msg,) = on("flow_run_ec2_target_capacity_percent", **ON,
                    flow_run_ec2_target_capacity_percent=bad)  # fmt: skip
        assert "1..100" in msg


def test_refused_with_a_given_cluster() -> None:
    (msg,) = on("flow_run_ec2_capacity", **ON, cluster_arn=CLUSTER)
    assert "needs a cluster the component creates" in msg and "cluster_arn" in msg


def test_public_ip_warns_that_flow_runs_get_none() -> None:
    (w,) = warnings(**ON, assign_public_ip=True)
    assert w[0] == "assign_public_ip" and "no public IP" in w[1]
    assert warnings(assign_public_ip=True) == []


def test_component_name_must_not_start_like_aws_providers() -> None:
    (msg,) = [m for f, m in problems(name="ecs-prefect", **ON) if f == "name"]
    assert "capacity provider names" in msg
    assert [f for f, _ in problems(name="ecs-prefect")] == []


def test_structural_switch_is_a_plain_bool() -> None:
    (msg,) = on("flow_run_ec2_capacity", flow_run_ec2_capacity="true")
    assert "plain True or False" in msg
