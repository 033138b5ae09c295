"""flows/my_flow.py run once in-process against a real local Prefect server."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from prefect_ecs_tooling.local_prefect import PrefectServerHandle
from tests.support import ROOT

pytestmark = pytest.mark.server

FLOWS = ROOT / "flows"


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
