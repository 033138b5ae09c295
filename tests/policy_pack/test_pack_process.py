"""The real pack entry point, served over gRPC as the CLI runs it, agrees with the analyzer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from tests.fixtures.manual_guide import good_stack_resources, manual_guide_resources
from tests.fixtures.policy_helpers import POLICY_PACK_DIR

# isort: split
from prefect_ecs_policies import POLICY_NAMES
from prefect_ecs_policies.analyzer import analyze_resources
from pulumi.runtime.proto import analyzer_pb2_grpc

pytestmark = pytest.mark.mocks


class StubServicer:
    """Adapts the gRPC stub to the servicer's ``(request, context)`` call shape."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._stub, method)
        return lambda request, _context=None: call(request)


@pytest.fixture(scope="module")
def served_pack() -> Iterator[StubServicer]:
    # The CLI runs the pack's directory as a program; it prints its port and serves.
    process = subprocess.Popen(
        [sys.executable, str(POLICY_PACK_DIR)],
        cwd=POLICY_PACK_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.strip().isdigit(), process.stderr.read() if process.stderr else line
        channel = grpc.insecure_channel(f"127.0.0.1:{line.strip()}")
        grpc.channel_ready_future(channel).result(timeout=20)
        yield StubServicer(analyzer_pb2_grpc.AnalyzerStub(channel))
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def key(violations: list) -> list[tuple[str, str, str, str]]:
    return sorted((v.policy_name, v.enforcement_level, v.urn, v.message) for v in violations)


def test_pack_process_serves_every_policy(served_pack: StubServicer) -> None:
    from google.protobuf import empty_pb2

    info = served_pack.GetAnalyzerInfo(empty_pb2.Empty())
    assert [p.name for p in info.policies] == POLICY_NAMES


@pytest.mark.parametrize(
    "config", [None, {"all": "advisory", "required-tags": {"requiredTags": ["x"]}}]
)
def test_pack_process_matches_in_process_analyzer(served_pack: StubServicer, config: Any) -> None:
    for resources in (manual_guide_resources(), good_stack_resources()):
        over_grpc = analyze_resources(resources, config, servicer=served_pack)
        assert key(over_grpc) == key(analyze_resources(resources, config))
    assert analyze_resources(manual_guide_resources(), servicer=served_pack)
