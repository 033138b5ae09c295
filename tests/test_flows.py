"""flows/: the guide's flow and its prefect.yaml (parsed, resolved, run once in-process)."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
import yaml

from prefect_ecs_tooling.local_prefect import PrefectServerHandle

FLOWS = Path(__file__).resolve().parent.parent / "flows"


@pytest.fixture(scope="module")
def prefect_yaml() -> dict:
    data = yaml.safe_load((FLOWS / "prefect.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_prefect_yaml_validates_against_prefects_own_model(prefect_yaml: dict) -> None:
    models = pytest.importorskip("prefect.cli.deploy._models")
    model = models.PrefectYamlModel.model_validate(prefect_yaml)
    assert [d.name for d in model.deployments] == ["my-ecs-deployment"]
    dep = model.deployments[0]
    assert dep.work_pool is not None
    assert dep.work_pool.name == "my-ecs-pool"
    assert dep.work_pool.job_variables["image"] == "{{ build_image.image }}"


def test_prefect_yaml_steps_reference_the_build_step(prefect_yaml: dict) -> None:
    (build,) = prefect_yaml["build"]
    (step,) = build.values()
    assert step["id"] == "build_image"
    refs = set(re.findall(r"\{\{\s*([a-z_]+)\.", yaml.safe_dump(prefect_yaml)))
    assert refs == {"build_image"}


def test_pool_name_matches_the_dev_stack(prefect_yaml: dict) -> None:
    stack = yaml.safe_load((FLOWS.parent / "Pulumi.dev.yaml").read_text())["config"]
    pool = prefect_yaml["deployments"][0]["work_pool"]["name"]
    assert stack.get("prefect-ecs:workPoolName", "my-ecs-pool") == pool


def test_entrypoint_resolves_to_the_flow(prefect_yaml: dict) -> None:
    from prefect.flows import Flow, load_flow_from_entrypoint

    entry = prefect_yaml["deployments"][0]["entrypoint"]
    path, func = entry.split(":")
    assert (FLOWS / path).is_file()
    loaded = load_flow_from_entrypoint(f"{FLOWS / path}:{func}")
    assert isinstance(loaded, Flow)
    assert loaded.name == "my-flow"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_flow_runs_once_and_logs_the_greeting(
    prefect_server: PrefectServerHandle, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.flows import load_flow_from_entrypoint
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    capture = _Capture()
    logger = logging.getLogger("prefect.flow_runs")
    logger.addHandler(capture)
    try:
        with temporary_settings({PREFECT_API_URL: prefect_server.api_url, PREFECT_HOME: tmp_path}):
            flow = load_flow_from_entrypoint(f"{FLOWS / 'my_flow.py'}:my_flow")
            state = flow(return_state=True)
            assert state.is_completed(), state
            APILogWorker.drain_all(timeout=10)
            run_id = state.state_details.flow_run_id

            async def read() -> tuple[list[str], str]:
                async with get_client() as client:
                    logs = await client.read_logs(
                        LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
                    )
                    runs = await client.read_flow_runs(
                        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
                    )
                    return [entry.message for entry in logs], runs[0].state_type.value

            messages, state_type = asyncio.run(read())
    finally:
        logger.removeHandler(capture)
    assert "Hello from ECS!!" in capture.messages
    assert state_type == "COMPLETED"
    assert "Hello from ECS!!" in messages
