"""A long-lived worker's life in phases, each with its AWS calls counted apart.

``start``: from the process start until its health endpoint answers and the crash
observer polls (its ``sqs:GetQueueUrl``, then its first ``sqs:ReceiveMessage``);
``flow_run``: a flow run created, until the server records its ECS task; ``crash``: a
task stopped and its event delivered, until the observer marked the run Crashed and
deleted the message.

A call counts in the phase in which it completed (its response is part of the record);
the observer's long polls (``sqs:ReceiveMessage``, up to 20 s each) are counted apart,
in ``report.polling``, in the phase in which they were sent.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..iam_requests import AwsCall
from .counting import CountingProxy
from .prefect_side import create_flow_run, read_flow_run
from .processes import Worker
from .report import RehearsalReport, step

__all__ = ["POLL", "WorkerPhases"]

POLL = "sqs:ReceiveMessage"


@dataclass
class WorkerPhases:
    """Counts the calls of ``worker`` through ``proxy`` per phase into ``report``
    (``report.calls[template][phase]``, ``report.polling[template][phase]``)."""

    report: RehearsalReport
    proxy: CountingProxy
    worker: Worker
    template: str
    api_url: str
    timeout: float
    first: int = 0
    mark: int = 0
    arrival_mark: int = 0
    seen: list[AwsCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.first = self.mark = len(self.proxy.calls)
        self.arrival_mark = len(self.proxy.arrivals)

    def _since_mark(self) -> list[AwsCall]:
        return self.proxy.calls_since(self.mark)

    def take(self, phase: str) -> list[AwsCall]:
        """The calls since the last phase, counted as ``phase``."""
        calls = self._since_mark()
        self.mark += len(calls)
        self.seen += calls
        counts = Counter(c.name for c in calls if c.name != POLL)
        errors = Counter(c.name for c in calls if c.name != POLL and c.status >= 400)
        self.report.calls.setdefault(self.template, {})[phase] = dict(sorted(counts.items()))
        if errors:
            self.report.call_errors[f"{self.template}, {phase}"] = dict(sorted(errors.items()))
        sent = self.proxy.arrivals_since(self.arrival_mark)
        self.arrival_mark += len(sent)
        self.report.polling.setdefault(self.template, {})[phase] = sent.count(POLL)
        return calls

    def all_calls(self) -> list[AwsCall]:
        """Every call of this worker so far, phases or not (its shutdown included)."""
        return self.proxy.calls_since(self.first)

    def _observer_polling(self) -> bool:
        url = [c.status for c in self._since_mark() if c.name == "sqs:GetQueueUrl"]
        # A queue that does not exist ends the observer after GetQueueUrl; otherwise it
        # sends its first long poll at once.
        sent = self.proxy.arrivals_since(self.arrival_mark)
        return bool(url) and (url[0] >= 400 or POLL in sent)

    def start(self, step_name: str) -> None:
        """Wait until the worker is up (health 200) and its observer polls."""
        with step(self.report, step_name):
            self.worker.wait_for(step_name, "health endpoint", self.worker.healthy, self.timeout)
            self.worker.wait_for(
                step_name, "crash observer polling SQS", self._observer_polling, self.timeout
            )
            self.take("process")
            self.report.facts[f"{self.template}: worker up after"] = (
                f"{time.monotonic() - self.worker.started:.1f} s (pid {self.worker.pid})"
            )

    def flow_run(self, step_name: str, phase: str, deployment_id: str) -> tuple[str, str]:
        """Create a flow run of ``deployment_id``; wait until the server records its ECS
        task. Returns the run's id and its infrastructure pid (``<cluster>::<task>``)."""
        with step(self.report, step_name):
            run_id = create_flow_run(self.api_url, deployment_id)

            def submitted() -> str:
                return str(read_flow_run(self.api_url, run_id).infrastructure_pid or "")

            pid = self.worker.wait_for(
                step_name, f"ECS task recorded for flow run {run_id}", submitted, self.timeout
            )
            self.take(phase)
        return run_id, str(pid)

    def until(self, step_name: str, what: str, condition: Callable[[], Any], timeout: float) -> Any:
        """Wait for ``condition`` while the worker runs (see :meth:`Worker.wait_for`)."""
        return self.worker.wait_for(step_name, what, condition, timeout)

    def calls_since_mark(self) -> list[AwsCall]:
        return self._since_mark()
