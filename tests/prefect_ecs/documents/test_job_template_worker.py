"""The stack's pool template as prefect-aws 0.7.12's own worker code reads it: the
network configuration reaches RunTask with no ec2 call (so the worker role needs no ec2
action and a warm flow run costs DescribeTaskDefinition + RunTask), and a deployment
that overrides ``network_configuration`` with a ``vpc_id`` still can, at two ec2 calls.

The job configuration is rendered from the template by Prefect's
``from_template_and_values`` (which resolves references through the API: a real local
server), then handed to ``ECSWorker._prepare_task_run_request``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_aws.workers.ecs_worker import ECSJobConfiguration, ECSWorker

from prefect_ecs_tooling.local_prefect import PrefectServerHandle
from tests.fixtures.work_pool import SAMPLE_TEMPLATE

pytestmark = pytest.mark.server

TASK_DEFINITION = {"networkMode": "awsvpc", "containerDefinitions": [{"name": "prefect"}]}


class RecordingCredentials:
    """Stands in for the pool's AwsCredentials block: records which clients are asked for
    and answers ec2's two describe calls as AWS would for the given VPC."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_client(self, service: str) -> Any:
        recorder = self

        class Client:
            def describe_vpcs(self, **kw: Any) -> dict[str, Any]:
                recorder.calls.append(f"{service}:DescribeVpcs")
                return {"Vpcs": [{"VpcId": kw["VpcIds"][0]}]}

            def describe_subnets(self, **_kw: Any) -> dict[str, Any]:
                recorder.calls.append(f"{service}:DescribeSubnets")
                return {
                    "Subnets": [
                        {"SubnetId": "subnet-z", "MapPublicIpOnLaunch": False, "VpcId": "vpc-9"}
                    ]
                }

        return Client()


def run_request(api_url: str, overrides: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    values = {
        name: spec["default"]
        for name, spec in SAMPLE_TEMPLATE["variables"]["properties"].items()
        if spec.get("default") is not None and name != "aws_credentials"
    } | overrides

    async def render() -> ECSJobConfiguration:
        return await ECSJobConfiguration.from_template_and_values(SAMPLE_TEMPLATE, values)

    with temporary_settings({PREFECT_API_URL: api_url}):
        configuration = asyncio.run(render())
    credentials = RecordingCredentials()
    configuration.aws_credentials = credentials  # type: ignore[assignment]
    worker = ECSWorker.__new__(ECSWorker)
    request = worker._prepare_task_run_request(
        configuration, TASK_DEFINITION, "arn:aws:ecs:us-east-1:1:task-definition/f:1", False
    )
    return request, credentials.calls


def test_stack_template_needs_no_ec2_call(prefect_server: PrefectServerHandle) -> None:
    request, calls = run_request(prefect_server.api_url, {})
    assert request["networkConfiguration"] == {
        "awsvpcConfiguration": {
            "subnets": ["subnet-a", "subnet-b"],
            "securityGroups": ["sg-1"],
            "assignPublicIp": "DISABLED",
        }
    }
    assert calls == []


def test_deployment_can_still_override_the_network(prefect_server: PrefectServerHandle) -> None:
    override = {"subnets": ["subnet-z"], "securityGroups": ["sg-9"], "assignPublicIp": "DISABLED"}
    request, calls = run_request(
        prefect_server.api_url, {"network_configuration": override, "vpc_id": "vpc-9"}
    )
    assert request["networkConfiguration"] == {"awsvpcConfiguration": override}
    assert calls == ["ec2:DescribeVpcs", "ec2:DescribeSubnets"]
