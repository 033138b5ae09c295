"""Ctrl-C while the runner runs a program ends the run at once, as KeyboardInterrupt:
the SDK would otherwise wait for registrations the interrupt left half made (for
ever: what made ``sandbox`` hang instead of exiting 130 when interrupted while
deploying)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

INTERRUPTED_MIDWAY = """
import asyncio
import pulumi, pulumi_aws as aws
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.runner import StackConfig, run_program

def program():
    # A registration that cannot finish (its input never resolves), as one the
    # interrupt cut short would be.
    never = asyncio.get_event_loop().create_future()
    aws.cloudwatch.LogGroup("waits", name=pulumi.Output.from_input(never))
    raise KeyboardInterrupt

try:
    run_program(program, StackConfig("p", "s", {}, [], [], {}), FakeAws().register, FakeAws().invoke)
except KeyboardInterrupt:
    print("interrupted")
"""


def test_ctrl_c_with_a_registration_left_unfinished_does_not_hang() -> None:
    # In a process of its own: without the fix it never returns.
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_MIDWAY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert (proc.returncode, proc.stdout) == (0, "interrupted\n"), proc.stderr[-3000:]
