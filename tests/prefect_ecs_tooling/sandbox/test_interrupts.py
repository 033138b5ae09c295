"""A signal ends the rehearsal even when its KeyboardInterrupt lands where Python only
prints exceptions (CI once saw it swallowed in an import's weakref callback: the rehearsal
ran to the end and exited 0)."""

from __future__ import annotations

import os
import signal
import weakref

import pytest

from prefect_ecs_tooling.sandbox.interrupts import deferred_interrupts, handling_interrupts
from prefect_ecs_tooling.sandbox.report import RehearsalReport, step

pytestmark = pytest.mark.pure


class _Object:
    pass


def _swallowed_signal(sig: signal.Signals) -> None:
    """Deliver ``sig`` inside a weakref callback, where the interpreter prints the
    handler's KeyboardInterrupt ("Exception ignored in ...") and goes on."""
    obj = _Object()
    ref = weakref.ref(obj, lambda _ref: signal.raise_signal(sig))
    del obj  # the callback runs here; its exception does not reach this frame
    assert ref() is None


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_swallowed_interrupt_ends_the_step(sig: signal.Signals) -> None:
    report = RehearsalReport(stack="dev")
    after: list[str] = []
    with handling_interrupts(), pytest.raises(KeyboardInterrupt):
        with step(report, "start"):
            _swallowed_signal(sig)
            after.append("the step's body went on")
        after.append("the next step began")
    assert after == ["the step's body went on"]


def test_handlers_and_memory_are_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with handling_interrupts(), pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before
    with step(RehearsalReport(stack="dev"), "start"):
        pass  # no interrupt remembered from the block above


def test_deferred_interrupt_is_delivered_and_remembered() -> None:
    report = RehearsalReport(stack="dev")
    with handling_interrupts(), pytest.raises(KeyboardInterrupt), step(report, "start"):
        try:
            with deferred_interrupts():
                os.kill(os.getpid(), signal.SIGINT)
                started = True  # the child's handle is kept
        except KeyboardInterrupt:
            pass  # as if swallowed
        assert started
