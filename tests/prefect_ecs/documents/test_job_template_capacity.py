"""The pool's template with a capacity provider strategy and ARM64, rendered by
prefect-aws 0.7.12's own code: the job configuration from ``from_template_and_values``
(its reference resolution stubbed: the stack's template has none, so no API is needed),
then ``ECSWorker._prepare_task_definition`` and
``_prepare_task_run_request``, the two functions that build what RunTask and
RegisterTaskDefinition receive."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.workers import base
from prefect_aws.workers.ecs_worker import ECSJobConfiguration, ECSWorker

from prefect_ecs.documents.capacity import SIGTERM_BEHAVIOR_ENV, flow_run_strategy
from prefect_ecs.documents.job_template import build_ecs_base_job_template
from tests.fixtures.work_pool import SAMPLE_TEMPLATE_ARGS

pytestmark = pytest.mark.pure

NO_API = "http://127.0.0.1:9/api"
TASK_DEFINITION_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/prefect_p_1:1"


class _FlowRun:
    deployment_id = None
    flow_id = "f"


async def _unchanged(template: Any, client: Any = None) -> Any:
    return template


def render(
    template: dict[str, Any], values: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(task definition, RunTask request) prefect-aws builds from ``template`` and a
    deployment's ``values``."""
    defaults = {
        name: spec["default"]
        for name, spec in template["variables"]["properties"].items()
        if spec.get("default") is not None and name != "aws_credentials"
    }
    # No references to resolve in the stack's template: no API is needed (and an
    # unreachable URL keeps Prefect from starting a temporary server for one).
    with pytest.MonkeyPatch.context() as patch, temporary_settings({PREFECT_API_URL: NO_API}):
        patch.setattr(base, "resolve_block_document_references", _unchanged)
        patch.setattr(base, "resolve_variables", _unchanged)
        configuration = asyncio.run(
            ECSJobConfiguration.from_template_and_values(template, defaults | (values or {}))
        )
    worker = ECSWorker.__new__(ECSWorker)
    worker._work_pool_name = "p"
    worker._logger = logging.getLogger(__name__)  # type: ignore[assignment]
    task_definition = worker._prepare_task_definition(
        configuration,
        region="eu-west-1",
        flow_run=_FlowRun(),  # type: ignore[arg-type]
    )
    worker._validate_task_definition(task_definition, configuration)
    request = worker._prepare_task_run_request(
        configuration, task_definition, TASK_DEFINITION_ARN, False
    )
    return task_definition, request


def spot_template(arch: str = "X86_64") -> dict[str, Any]:
    return build_ecs_base_job_template(
        **{
            **SAMPLE_TEMPLATE_ARGS,
            "contributed": {
                **SAMPLE_TEMPLATE_ARGS["contributed"],
                "env": {SIGTERM_BEHAVIOR_ENV: "reschedule"},
            },
        },
        capacity_provider_strategy=flow_run_strategy(fargate_spot=True),
        cpu_architecture=arch,
    )


def test_default_template_keeps_the_fargate_launch_type() -> None:
    template = build_ecs_base_job_template(**SAMPLE_TEMPLATE_ARGS)
    task_definition, request = render(template)
    assert request["launchType"] == "FARGATE"
    assert "capacityProviderStrategy" not in request and "platformVersion" not in request
    assert "runtimePlatform" not in task_definition


def test_spot_template_has_a_strategy_and_no_launch_type() -> None:
    template = spot_template()
    launch = template["variables"]["properties"]["launch_type"]
    assert "default" not in launch
    assert "launchType" in template["job_configuration"]["task_run_request"]  # a placeholder
    task_definition, request = render(template)
    assert "launchType" not in request
    assert request["capacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
    ]
    assert "platformVersion" not in request
    # Fargate-compatible though the request names no Fargate launch type.
    assert task_definition["requiresCompatibilities"] == ["FARGATE"]
    assert task_definition["networkMode"] == "awsvpc"
    assert (task_definition["cpu"], task_definition["memory"]) == ("1024", "2048")
    env = request["overrides"]["containerOverrides"][0]["environment"]
    assert {"name": SIGTERM_BEHAVIOR_ENV, "value": "reschedule"} in env


def test_spot_arm64_pins_the_platform_version() -> None:
    task_definition, request = render(spot_template("ARM64"))
    assert task_definition["runtimePlatform"] == {
        "cpuArchitecture": "ARM64",
        "operatingSystemFamily": "LINUX",
    }
    assert request["platformVersion"] == "1.4.0" and "launchType" not in request


def test_a_deployment_launch_type_is_dropped_and_its_env_merged() -> None:
    _, request = render(spot_template(), {"launch_type": "FARGATE", "env": {"X": "1"}})
    assert "launchType" not in request
    env = {
        e["name"]: e["value"] for e in request["overrides"]["containerOverrides"][0]["environment"]
    }
    assert env[SIGTERM_BEHAVIOR_ENV] == "reschedule" and env["X"] == "1"


def test_a_deployment_can_run_on_demand() -> None:
    on_demand = [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    _, request = render(spot_template(), {"capacity_provider_strategy": on_demand})
    assert request["capacityProviderStrategy"][0]["capacityProvider"] == "FARGATE"
    assert "launchType" not in request


def test_arm64_on_demand() -> None:
    template = build_ecs_base_job_template(**SAMPLE_TEMPLATE_ARGS, cpu_architecture="ARM64")
    task_definition, request = render(template)
    assert request["launchType"] == "FARGATE" and "platformVersion" not in request
    assert task_definition["runtimePlatform"]["cpuArchitecture"] == "ARM64"


def test_ec2_strategy_runs_on_the_provider() -> None:
    template = build_ecs_base_job_template(
        **SAMPLE_TEMPLATE_ARGS,
        capacity_provider_strategy=flow_run_strategy(fargate_spot=False, ec2_provider_name="cp-1"),
    )
    task_definition, request = render(template)
    assert "launchType" not in request
    assert request["capacityProviderStrategy"] == [
        {"capacityProvider": "cp-1", "weight": 1, "base": 0}
    ]
    assert task_definition["requiresCompatibilities"] == ["EC2"]
    assert task_definition["networkMode"] == "awsvpc"


def test_user_env_merges_with_the_stacks() -> None:
    template = build_ecs_base_job_template(
        **{**SAMPLE_TEMPLATE_ARGS, "contributed": {"env": {SIGTERM_BEHAVIOR_ENV: "reschedule"}}},
        job_variables={"env": {"A": "b"}},
    )
    assert template["variables"]["properties"]["env"]["default"] == {
        SIGTERM_BEHAVIOR_ENV: "reschedule",
        "A": "b",
    }


@pytest.mark.parametrize("variable", ["launch_type", "capacity_provider_strategy"])
def test_job_variables_cant_contradict_the_strategy(variable: str) -> None:
    with pytest.raises(ValueError, match="capacity provider strategy decides"):
        build_ecs_base_job_template(
            **SAMPLE_TEMPLATE_ARGS,
            job_variables={variable: "FARGATE" if variable == "launch_type" else []},
            capacity_provider_strategy=flow_run_strategy(fargate_spot=True),
        )
