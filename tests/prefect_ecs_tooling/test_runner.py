"""The in-process runner: the same program gives the same record every run (resources in
construction order, warnings in their resources' order, whatever the mock monitor's
threads do), and it leaves no event loop unclosed behind it."""

from __future__ import annotations

import asyncio
import gc
import json
import random
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from prefect_ecs_tooling import plan as plan_module
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.plan import make_plan, plan_json, render_plan
from prefect_ecs_tooling.runner import RecordedResource, StackConfig, StackRun, run_program
from tests.support import ROOT

pytestmark = pytest.mark.mocks

CONFIG = StackConfig(
    project="order", stack="t", values={}, secret_keys=[], encrypted_keys=[], schema={}
)


class JitteryAws(FakeAws):
    """FakeAws answering each registration after a random pause: the registrations
    reach the monitor (and their outputs resolve) in a different order every run."""

    def __init__(self, seed: int, max_s: float = 0.01):
        super().__init__()
        self.random = random.Random(seed)
        self.max_s = max_s

    def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
        time.sleep(self.random.uniform(0, self.max_s))
        return super().register(res)


def dev_plan(fake: FakeAws | None = None) -> tuple[str, str]:
    if fake is None:
        plan = make_plan(ROOT, "dev")
    else:
        original = plan_module.FakeAws
        plan_module.FakeAws = lambda region: fake  # type: ignore[assignment,misc]
        try:
            plan = make_plan(ROOT, "dev")
        finally:
            plan_module.FakeAws = original  # type: ignore[misc]
    return render_plan(plan), json.dumps(plan_json(plan), indent=2, sort_keys=True)


def test_dev_plan_text_and_json_are_the_same_every_run() -> None:
    first = dev_plan()
    assert dev_plan() == first
    # However late each registration is answered.
    for seed in (1, 2, 3):
        assert dev_plan(JitteryAws(seed)) == first, f"seed {seed}"


def test_resources_come_back_in_construction_order() -> None:
    """lg-a waits for a slow resource's output before it can be registered, so the
    monitor sees lg-b first; the record keeps the program's order."""

    class Slow(FakeAws):
        def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
            time.sleep(0.3 if res.name == "slow" else 0)
            return super().register(res)

    def program() -> None:
        box = pulumi.ComponentResource("test:index:Box", "box")
        slow = aws_log_group("slow", pulumi.ResourceOptions(parent=box))
        aws_log_group("lg-a", pulumi.ResourceOptions(parent=box), name_prefix=slow.name)
        aws_log_group("lg-b", pulumi.ResourceOptions(parent=box))

    run = run_program(program, CONFIG, Slow().register, FakeAws().invoke)
    assert [r.name for r in run.resources] == ["box", "slow", "lg-a", "lg-b"]


def aws_log_group(name: str, opts: pulumi.ResourceOptions | None = None, **props: Any) -> Any:
    import pulumi_aws as aws

    return aws.cloudwatch.LogGroup(name, retention_in_days=1, opts=opts, **props)


def test_resources_made_in_callbacks_come_after_by_urn() -> None:
    """A resource constructed inside an ``apply`` depends on when its input resolved:
    those sort after the program's own, by URN, the same in every run."""

    def program() -> None:
        first = aws_log_group("first")
        second = aws_log_group("second")
        # Made when each name resolves: in whichever order the registrations finish.
        second.name.apply(lambda _n: aws_log_group("z-late-from-second"))
        first.name.apply(lambda _n: aws_log_group("y-late-from-first"))
        aws_log_group("third")

    names = set()
    for seed in (1, 2, 3, 4):
        run = run_program(program, CONFIG, JitteryAws(seed, 0.05).register, FakeAws().invoke)
        names.add(tuple(r.name for r in run.resources))
    assert names == {("first", "second", "third", "y-late-from-first", "z-late-from-second")}


def test_warnings_come_in_their_resources_order() -> None:
    delays = {"early": 0.2, "late": 0.0}

    class Slow(FakeAws):
        def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
            time.sleep(delays.get(res.name, 0))
            return super().register(res)

    def program() -> None:
        pulumi.log.warn("before any resource")
        early = aws_log_group("early")
        late = aws_log_group("late")
        # Each is logged once its resource's URN resolves: "late" first.
        pulumi.log.warn("about early", resource=early)
        pulumi.log.warn("about late", resource=late)
        pulumi.log.warn("about early again", resource=early)

    run = run_program(program, CONFIG, Slow().register, FakeAws().invoke)
    assert run.warnings == [
        "before any resource",
        "about early",
        "about early again",
        "about late",
    ]


# ---------------------------------------------------------------------------- event loops
@pytest.fixture
def loops_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[weakref.ref[Any]]]:
    """Every event loop created while the test runs (weak references), with the
    collector off: a loop nobody closed stays around, unclosed, to be found."""
    made: list[weakref.ref[Any]] = []
    init = asyncio.BaseEventLoop.__init__

    def recording_init(self: asyncio.BaseEventLoop) -> None:
        init(self)
        made.append(weakref.ref(self))

    monkeypatch.setattr(asyncio.BaseEventLoop, "__init__", recording_init)
    gc.disable()
    try:
        yield made
    finally:
        gc.enable()


def test_every_event_loop_of_a_run_is_closed(loops_made: list[weakref.ref[Any]]) -> None:
    run: StackRun = make_plan(ROOT, "dev").run
    assert run.resources
    alive = [ref() for ref in loops_made]
    # The run's own loop and one per executor thread the mock monitor ran in.
    assert len(alive) >= 2
    unclosed = [loop for loop in alive if loop is not None and not loop.is_closed()]
    assert not unclosed, f"{len(unclosed)} of {len(alive)} event loops left open"


def test_plan_process_leaves_nothing_to_finalize_at_exit() -> None:
    """In development mode Python reports each unclosed event loop it finalizes
    (ResourceWarning); a loop finalized at exit was the stray traceback's source."""
    proc = subprocess.run(
        [sys.executable, "-X", "dev", "-m", "prefect_ecs_tooling", "plan", "--stack", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "unclosed event loop" not in proc.stderr, proc.stderr[-3000:]
    assert "Exception ignored" not in proc.stderr, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


def test_ctrl_c_in_the_program_comes_out_as_keyboard_interrupt() -> None:
    """The SDK reports a failed registration in place of what stopped the program; after
    Ctrl-C the registration's failure (here: the hook's) is only a consequence."""

    class Broken(FakeAws):
        def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
            raise AttributeError("module 'pulumi_aws.cloudwatch' has no attribute 'LogGroup'")

    def program() -> None:
        aws_log_group("first")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_program(program, CONFIG, Broken().register, FakeAws().invoke)
    # Without an interrupt, the failure itself is what the caller gets.
    with pytest.raises(Exception, match="has no attribute 'LogGroup'"):
        run_program(lambda: aws_log_group("first"), CONFIG, Broken().register, FakeAws().invoke)


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
    """The SDK waits for every registration before it re-raises what stopped the
    program, and one the interrupt left half made never finishes: the run must end at
    once (in a process of its own: without that, it never returns)."""
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_MIDWAY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert (proc.returncode, proc.stdout) == (0, "interrupted\n"), proc.stderr[-3000:]
