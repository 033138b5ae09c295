"""``python -m prefect_ecs_tooling sandbox``: the dev stack deployed into moto, a flow run started by
a real ECS worker (with the stack's pool template and with prefect-aws's default one, AWS
calls counted), checked from moto's side, then destroyed (end to end, about 25 s, run once
for the module)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prefect_ecs_tooling.sandbox.rehearsal import RehearsalError, RehearsalReport, calls_table
from prefect_ecs_tooling.sandbox.report import step
from tests.support import ROOT

pytestmark = pytest.mark.emulator

CMD = [sys.executable, "-m", "prefect_ecs_tooling", "sandbox", "--stack", "dev"]


@pytest.fixture(scope="module")
def sandbox() -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(CMD, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def test_sandbox_command_end_to_end(sandbox: subprocess.CompletedProcess[str]) -> None:
    out = sandbox.stdout
    assert "Sandbox rehearsal of stack 'dev'" in out
    for check in (
        "ok  one flow-run task in the stack's cluster",
        "ok  flow-run execution role",
        "ok  flow-run task role",
        "ok  flow-run logs go to the stack's log group",
        "ok  PREFECT_API_KEY comes from the stack's secret ARN",
        "ok  no plaintext credential in the task's environment",
        "ok  task in the stack's subnets",
        "ok  RunTask asked for the stack's security groups and subnets",
        "ok  2nd flow run reused the first run's task definition revision",
        "ok  2nd flow run registered no task definition",
        "ok  the pool's template reached the server with integer numbers",
        "ok  flow run records the ECS task",
        "ok  default template: a second flow-run task ran",
    ):
        assert check in out, out
    assert "resources created: 18" in out
    # The CLI announces the server it started (what the interrupt test relies on).
    assert re.search(r"sandbox: prefect server http://\S+ \(pid \d+\)", sandbox.stderr)


def test_destroy_leaves_nothing(sandbox: subprocess.CompletedProcess[str]) -> None:
    out = sandbox.stdout
    assert "resources deleted: 18" in out
    assert "ok  destroy left nothing (pools read as gone, no stack resource in moto)" in out
    assert "ok  moto lists no role, cluster, log group or secret of the stack" in out
    assert re.search(r"^  destroy +\d+\.\d+ s$", out, re.M), out


def _calls(out: str) -> dict[str, tuple[int, ...]]:
    """operation -> (stack template, default template, stack template 2nd run)."""
    lines = out.split("AWS API calls by the worker for one flow run")[1].splitlines()[2:]
    rows: dict[str, tuple[int, ...]] = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("errors"):
            break
        op, *counts = line.split()
        rows[op] = tuple(int(c) for c in counts)
    return rows


def test_both_call_tables(sandbox: subprocess.CompletedProcess[str]) -> None:
    out = sandbox.stdout
    assert re.search(
        r"operation +stack template +default template +stack template, 2nd run", out
    ), out
    rows = _calls(out)
    total = rows.pop("total")
    assert rows["ecs:RunTask"] == (1, 1, 1)  # one flow run each
    # The stack's pool reuses the family's latest revision: only its first run registers.
    assert rows["ecs:RegisterTaskDefinition"] == (1, 1, 0)
    assert rows["ecs:DescribeTaskDefinition"] == (1, 0, 1)
    assert total == tuple(sum(r[i] for r in rows.values()) for i in range(3))
    assert all(t > 0 for t in total)
    assert "ok  stack template: the worker called ecs:RunTask once for its flow run" in out
    assert "ok  default template: the worker called ecs:RunTask once for its flow run" in out
    assert "default template: PREFECT_API_KEY: PLAINTEXT in the task's environment" in out


def test_calls_table() -> None:
    calls = {"a": {"ecs:RunTask": 1, "ec2:DescribeVpcs": 2}, "b": {"ecs:RunTask": 1}}
    assert calls_table(calls) == [
        "operation            a     b",
        "ec2:DescribeVpcs     2     0",
        "ecs:RunTask          1     1",
        "total                3     1",
    ]
    md = calls_table(calls, markdown=True)
    assert md[0] == "| operation | a | b |"
    assert md[-1] == "| **total** | **3** | **1** |"


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
@pytest.mark.parametrize(
    ("when", "sig"),
    [("prefect server", signal.SIGINT), ("worker (stack template)", signal.SIGTERM)],
)
def test_interrupt_stops_every_process(when: str, sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        CMD, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        server_pid = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line, f"sandbox exited ({proc.poll()}) before '{when}'"
            match = re.search(r"prefect server \S+ \(pid (\d+)\)", line)
            if match:
                server_pid = int(match.group(1))
            if line.startswith(f"sandbox: {when}"):
                break
        assert server_pid is not None
        time.sleep(1.0)  # let the step's process start
        started = _descendants(proc.pid)
        assert server_pid in started
        if when.startswith("worker"):
            assert len(started - _descendants(server_pid) - {server_pid}) >= 1, started
        proc.send_signal(sig)
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == 130, rest
        assert "interrupted" in rest
        deadline = time.monotonic() + 10
        while any(_running(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in started if _running(p)], started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_failure_names_the_step() -> None:
    report = RehearsalReport(stack="dev")
    with (
        pytest.raises(RehearsalError, match="step 'deploy' failed: KeyError") as info,
        step(report, "deploy"),
    ):
        raise KeyError("x")
    assert info.value.step == "deploy"
    assert "deploy" in report.timings


def test_bad_stack_exits_two() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "prefect_ecs_tooling", "sandbox", "--stack", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "error:" in proc.stderr
