"""``python -m prefect_ecs sandbox``: the dev stack deployed into moto, a flow run started by
a real ECS worker, checked from moto's side (end to end, about 20 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from prefect_ecs.sandbox.rehearsal import RehearsalError, RehearsalReport, _step

ROOT = Path(__file__).resolve().parent.parent


def test_sandbox_command_end_to_end() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "prefect_ecs", "sandbox", "--stack", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert "Sandbox rehearsal of stack 'dev'" in out
    for check in (
        "ok  one flow-run task in the stack's cluster",
        "ok  flow-run execution role",
        "ok  flow-run task role",
        "ok  flow-run logs go to the stack's log group",
        "ok  PREFECT_API_KEY comes from the stack's secret ARN",
        "ok  no plaintext credential in the task's environment",
        "ok  task in the stack's subnets",
        "ok  flow run records the ECS task",
    ):
        assert check in out, out
    assert "resources created: 18" in out


def test_failure_names_the_step() -> None:
    report = RehearsalReport(stack="dev")
    with (
        pytest.raises(RehearsalError, match="step 'deploy' failed: KeyError") as info,
        _step(report, "deploy"),
    ):
        raise KeyError("x")
    assert info.value.step == "deploy"
    assert "deploy" in report.timings


def test_bad_stack_exits_two() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "prefect_ecs", "sandbox", "--stack", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "error:" in proc.stderr
