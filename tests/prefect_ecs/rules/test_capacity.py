"""The capacity rules: what AWS does not offer is refused, the worker on Spot warned about,
and job variables can't go around the stack's strategy."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.settings import findings_now

pytestmark = pytest.mark.pure

SELF = "https://prefect.example.com/api"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/shared"


def found(**args: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    errors, warnings = findings_now({"prefect_api_url": SELF, **args})
    return list(errors), [tuple(w) for w in warnings]  # type: ignore[misc]


def errors_of(field: str, **args: Any) -> list[str]:
    return [m for f, m in found(**args)[0] if f == field]


def test_the_options_alone_pass() -> None:
    assert found(flow_run_fargate_spot=True, flow_run_cpu_architecture="ARM64") == ([], [])
    assert found(flow_run_cpu_architecture="X86_64") == ([], [])
    # An existing cluster: documented to need FARGATE_SPOT associated, not refused.
    assert found(flow_run_fargate_spot=True, cluster_arn=CLUSTER)[0] == []


def test_architecture_is_one_of_two() -> None:
    assert (
        "is not one of X86_64, ARM64"
        in errors_of("flow_run_cpu_architecture", flow_run_cpu_architecture="arm64")[0]
    )


def test_spot_and_ec2_do_not_mix() -> None:
    (msg,) = errors_of(
        "flow_run_fargate_spot", flow_run_fargate_spot=True, flow_run_ec2_capacity=True
    )
    assert "flow_run_ec2_capacity" in msg and "never both" in msg


def test_flow_run_options_need_the_pool() -> None:
    assert errors_of("flow_run_fargate_spot", flow_run_fargate_spot=True, create_work_pool=False)
    assert errors_of(
        "flow_run_cpu_architecture", flow_run_cpu_architecture="ARM64", create_work_pool=False
    )


def test_worker_on_spot_is_a_warning() -> None:
    errors, warnings = found(worker_fargate_spot=True)
    assert errors == []
    ((field, msg),) = warnings
    assert field == "worker_fargate_spot" and "no worker polls" in msg


@pytest.mark.parametrize(
    ("args", "variables", "fragment"),
    [
        ({"flow_run_fargate_spot": True}, {"launch_type": "FARGATE"}, "decides where"),
        (
            {"flow_run_fargate_spot": True},
            {
                "capacity_provider_strategy": [
                    {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
                ]
            },
            "decides where",
        ),
        ({}, {"launch_type": "FARGATE_SPOT"}, "with flow_run_fargate_spot instead"),
        (
            {},
            {
                "capacity_provider_strategy": [
                    {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
                ]
            },
            "with flow_run_fargate_spot instead",
        ),
        ({}, {"launch_type": "EC2"}, "no EC2 instances"),
        (
            {},
            {"launch_type": "FARGATE", "capacity_provider_strategy": []},
            "not both",
        ),
        (
            {"cluster_arn": CLUSTER},
            {
                "capacity_provider_strategy": [
                    {"capacityProvider": "FARGATE", "weight": 1, "base": 0},
                    {"capacityProvider": "asg-cp", "weight": 1, "base": 0},
                ]
            },
            "mixes Fargate and Auto Scaling group",
        ),
        (
            {},
            {
                "capacity_provider_strategy": [
                    {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
                ]
            },
            "no capacity providers associated",
        ),
    ],
)
def test_job_variables_cant_go_around_the_strategy(
    args: dict[str, Any], variables: dict[str, Any], fragment: str
) -> None:
    msgs = errors_of("work_pool_job_variables", work_pool_job_variables=variables, **args)
    assert len(msgs) == 1 and fragment in msgs[0], msgs


@pytest.mark.parametrize(
    ("args", "variables"),
    [
        ({}, {"launch_type": "FARGATE"}),
        ({"cluster_arn": CLUSTER}, {"launch_type": "EC2"}),
        (
            {"cluster_arn": CLUSTER},
            {
                "capacity_provider_strategy": [
                    {"capacityProvider": "asg-cp", "weight": 1, "base": 0}
                ]
            },
        ),
        (
            {"worker_fargate_spot": True},
            {
                "capacity_provider_strategy": [
                    {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
                ]
            },
        ),
    ],
)
def test_job_variables_the_stack_allows(args: dict[str, Any], variables: dict[str, Any]) -> None:
    assert errors_of("work_pool_job_variables", work_pool_job_variables=variables, **args) == []
