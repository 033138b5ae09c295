"""The rehearsal's report (timings, facts, checks, AWS call counts) and its step and
check helpers: a failure is a :class:`RehearsalError` naming its step.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from .interrupts import raise_if_interrupted

__all__ = ["RehearsalError", "RehearsalReport", "calls_table", "check", "step"]


class RehearsalError(RuntimeError):
    """A step failed; ``step`` names it."""

    def __init__(self, step: str, message: str):
        super().__init__(f"step '{step}' failed: {message}")
        self.step = step


@dataclass
class RehearsalReport:
    """What the rehearsal did and found."""

    stack: str
    timings: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    #: template -> phase (process, first run, ...) -> {"service:Operation": count} of the
    #: worker's calls in that phase, the observer's sqs:ReceiveMessage apart.
    calls: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    #: template -> phase -> sqs:ReceiveMessage calls (the observer's long polls).
    polling: dict[str, dict[str, int]] = field(default_factory=dict)
    #: "<template>, <phase>" -> the calls moto answered with an error status.
    call_errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def render(self) -> str:
        lines = [f"Sandbox rehearsal of stack '{self.stack}' (moto + local Prefect server): OK"]
        lines += ["", "Timings:"]
        w = max([len(k) for k in self.timings] + [14])
        lines += [f"  {k:<{w}} {v:6.2f} s" for k, v in self.timings.items()]
        lines += [f"  {'total':<{w}} {sum(self.timings.values()):6.2f} s", "", "Facts:"]
        lines += [f"  {k}: {v}" for k, v in self.facts.items()]
        for template, phases in self.calls.items():
            lines += ["", f"AWS API calls by the worker, {template} (counted at the emulator):"]
            lines += ["  " + row for row in calls_table(phases)]
        if self.polling:
            lines += ["", "Observer polling (sqs:ReceiveMessage, 20 s long polls) per phase:"]
            lines += ["  " + row for row in calls_table(self.polling, first="phase")]
        if self.call_errors:
            lines += ["", "Calls moto answered with an error status (counted above too):"]
            lines += [f"  {name}: {errors}" for name, errors in self.call_errors.items()]
        lines += ["", "Verified from moto's side:"]
        lines += [f"  {'' if c.startswith('(') else 'ok  '}{c}" for c in self.checks]
        return "\n".join(lines)


def calls_table(
    calls: dict[str, dict[str, int]], markdown: bool = False, first: str = "operation"
) -> list[str]:
    """Rows of an operation x column table of call counts (a column per key of
    ``calls``), with totals; ``first`` heads the first column."""
    names = list(calls)
    ops = sorted({op for counts in calls.values() for op in counts})
    if markdown:
        rows = [f"| {first} | " + " | ".join(names) + " |"]
        rows.append("|---|" + "---:|" * len(names))
        for op in ops:
            cells = " | ".join(str(calls[n].get(op, 0)) for n in names)
            rows.append(f"| {op} | {cells} |")
        totals = " | ".join(f"**{sum(calls[n].values())}**" for n in names)
        rows.append(f"| **total** | {totals} |")
        return rows
    width = max([len(op) for op in ops] + [len(first), len("total")])
    cols = [max(len(n), 4) for n in names]
    head = f"{first:<{width}}  " + "  ".join(f"{n:>{c}}" for n, c in zip(names, cols, strict=True))
    rows = [head]
    for op in ops:
        cells = "  ".join(f"{calls[n].get(op, 0):>{c}}" for n, c in zip(names, cols, strict=True))
        rows.append(f"{op:<{width}}  {cells}")
    totals = "  ".join(f"{sum(calls[n].values()):>{c}}" for n, c in zip(names, cols, strict=True))
    rows.append(f"{'total':<{width}}  {totals}")
    return rows


@contextlib.contextmanager
def step(report: RehearsalReport, name: str) -> Any:
    """Time ``name`` into ``report.timings``; any failure in it becomes a
    :class:`RehearsalError` naming the step."""
    t0 = time.monotonic()
    try:
        yield
        raise_if_interrupted()  # a signal whose KeyboardInterrupt was swallowed
    except RehearsalError:
        raise
    except Exception as exc:  # every failure is reported with its step
        raise RehearsalError(name, f"{type(exc).__name__}: {exc}") from exc
    finally:
        report.timings[name] = time.monotonic() - t0


def check(report: RehearsalReport, cond: bool, what: str, detail: Any = "") -> None:
    """Record ``what`` as verified, or fail the ``verify`` step with ``detail``."""
    if not cond:
        raise RehearsalError("verify", f"{what} ({detail})")
    report.checks.append(what)
