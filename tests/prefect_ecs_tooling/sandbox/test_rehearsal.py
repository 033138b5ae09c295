"""``python -m prefect_ecs_tooling sandbox``: the dev stack deployed into moto; a real,
long-lived ECS worker runs a first and a warm flow run (with the stack's pool template and
with prefect-aws's default one, AWS calls counted per phase), its crash observer marks a
crashed run Crashed, every call it made is authorized against the stack's policy;
checked from moto's side, then destroyed (end to end, about 40 s, run once for the
module)."""

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
        "ok  warm run reused the first run's task definition revision",
        "ok  warm run registered no task definition",
        "ok  the pool's template reached the server with integer numbers",
        "ok  flow run records the ECS task",
        "ok  default template: the flow run's task is in moto",
        "ok  the observer found the stack's queue (the worker container's "
        "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME)",
    ):
        assert check in out, out
    assert re.search(r"resources created: \d+", out), out
    # The CLI announces the server it started (what the interrupt test relies on).
    assert re.search(r"sandbox: prefect server http://\S+ \(pid \d+\)", sandbox.stderr)


def test_the_stacks_commands_ran(sandbox: subprocess.CompletedProcess[str]) -> None:
    """The readiness gate waited for the worker, the flow delivery deployed, the gate
    failed in time against a pool without a worker, and the drain emptied the cluster."""
    out = sandbox.stdout
    for check in (
        "ok  the readiness gate saw the worker ONLINE",
        "ok  prefect deploy created the stack's deployment (image build skipped: no Docker "
        "daemon here)",
        "ok  the readiness gate fails within its 3 s bound when no worker comes online, "
        "with a diagnosis",
        "ok  the drain command stopped the pool's 1 running flow-run task(s) before the "
        "cluster was deleted",
    ):
        assert check in out, out
    for name in ("prefect-worker-ready", "prefect-flows", "prefect-drain"):
        assert re.search(rf"command {name}: \d+\.\d s", out), out
    assert re.search(r"deploy start to worker online: \d+\.\d s", out), out


def test_destroy_leaves_nothing(sandbox: subprocess.CompletedProcess[str]) -> None:
    out = sandbox.stdout
    created = re.search(r"resources created: (\d+)", out)
    assert created is not None
    assert f"resources deleted: {created.group(1)}" in out
    assert "ok  destroy left nothing (pools read as gone, no stack resource in moto)" in out
    assert "ok  moto lists no role, cluster, log group or secret of the stack" in out
    assert re.search(r"^  destroy +\d+\.\d+ s$", out, re.M), out


def _table(out: str, title: str) -> dict[str, dict[str, int]]:
    """column -> {row: count} of the table under ``title``."""
    lines = out.split(title, 1)[1].splitlines()[1:]
    head = re.split(r"\s{2,}", lines[0].strip())[1:]
    table: dict[str, dict[str, int]] = {c: {} for c in head}
    for line in lines[1:]:
        if not line.strip():
            break
        row, *counts = re.split(r"\s{2,}", line.strip())
        for column, count in zip(head, counts, strict=True):
            table[column][row] = int(count)
    return table


def test_call_tables(sandbox: subprocess.CompletedProcess[str]) -> None:
    out = sandbox.stdout
    stack = _table(out, "AWS API calls by the worker, stack template (counted at the emulator):")
    assert list(stack) == ["process", "first run", "warm run", "crash"]
    # The done-when target: 3 calls on a first flow run, 2 on a warm one, no ec2.
    assert {op: n for op, n in stack["first run"].items() if n} == {
        "ecs:DescribeTaskDefinition": 1,  # the family's latest revision (none yet)
        "ecs:RegisterTaskDefinition": 1,
        "ecs:RunTask": 1,
        "total": 3,
    }
    assert {op: n for op, n in stack["warm run"].items() if n} == {
        "ecs:DescribeTaskDefinition": 1,
        "ecs:RunTask": 1,
        "total": 2,
    }
    assert not [op for op in stack["process"] if op.startswith("ec2:")]
    # The process: the observer finds its queue; the crash: the observer reads the
    # task's tags, the definition's log configuration and the logs, then acks.
    assert {op: n for op, n in stack["process"].items() if n} == {"sqs:GetQueueUrl": 1, "total": 1}
    crash = {op: n for op, n in stack["crash"].items() if n}
    assert crash["ecs:DescribeTasks"] == 1
    assert crash["sqs:DeleteMessage"] == 1
    default = _table(
        out, "AWS API calls by the worker, default template (counted at the emulator):"
    )
    assert list(default) == ["process", "first run", "warm run"]
    assert default["first run"]["ecs:RunTask"] == default["warm run"]["ecs:RunTask"] == 1
    assert default["warm run"]["ec2:DescribeVpcs"] == 1  # the default VPC looked up per run
    polling = _table(out, "Observer polling (sqs:ReceiveMessage, 20 s long polls) per phase:")
    assert list(polling) == ["stack template", "default template"]
    assert polling["stack template"]["process"] >= 1
    for line in (
        "ok  first flow run: 3 AWS calls",
        "ok  warm flow run: 2 AWS calls",
        "ok  the stack's worker made no ec2 call",
        "ok  stack template, first run: 1 ecs:RunTask",
        "ok  default template, warm run: 1 ecs:RunTask",
    ):
        assert line in out, out
    assert "default template: PREFECT_API_KEY: PLAINTEXT in the task's environment" in out


def test_the_observer_marks_the_crashed_run(sandbox: subprocess.CompletedProcess[str]) -> None:
    out = sandbox.stdout
    assert (
        "ok  the stack's EventBridge rule routed the task's STOPPED event to the stack's queue"
    ) in out
    assert "ok  the observer marked the crashed flow run Crashed" in out
    assert re.search(
        r"crash: flow run \S+: Crashed: The following containers stopped with a non-zero "
        r"exit code: \['prefect'\]",
        out,
    ), out


def test_every_call_authorized(sandbox: subprocess.CompletedProcess[str]) -> None:
    out = sandbox.stdout
    assert re.search(
        r"ok  stack template: the worker task role's policy allows every AWS call the worker "
        r"made \(\d+ calls, \d+ distinct IAM requests, iam-simulate\)",
        out,
    ), out
    assert re.search(r"^  authorize +\d+\.\d+ s$", out, re.M), out
    # The report times the whole rehearsal; the time itself is measured in benchmarks/
    # (BENCHMARKS.md), not bounded here: a loaded CI machine is slower.
    assert re.search(r"^  total +\d+\.\d+ s$", out, re.M), out


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
