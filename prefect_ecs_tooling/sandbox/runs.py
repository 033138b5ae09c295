"""The rehearsal's two long-lived workers, phase by phase.

The stack's worker: up (health endpoint, observer polling the stack's queue), a first
flow run verified from moto's side, a warm one (same deployment, same process), a crash
the observer must catch, stopped; then every AWS call it made authorized against the
stack's own policy. The same worker on the default-template pool: up, a first and a warm
run, for comparison. And the call-count targets of the stack's pool.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect_ecs.documents.observer import OBSERVER_QUEUE_NAME_ENV

from ..plan import PLACEHOLDER_SECRET
from ..runner import StackRun
from .counting import CountingProxy
from .crash import deliver_task_crash, routed_messages
from .emulator import MotoAws
from .permissions import check_calls_allowed, denied_actions
from .phases import POLL, WorkerPhases
from .prefect_side import check_flow_run, read_flow_run
from .processes import Worker, running_worker
from .report import RehearsalError, RehearsalReport, check, step
from .service_worker import ServiceWorker
from .verify import check_default_run, check_warm_run, verify_stack_run

__all__ = ["DEFAULT", "STACK", "Stage", "check_call_targets", "default_worker", "stack_worker"]

STACK = "stack template"
DEFAULT = "default template"
QUEUE_ENV = OBSERVER_QUEUE_NAME_ENV
#: The ``done when`` target for the stack's pool: its calls per flow run.
FIRST_RUN = {"ecs:DescribeTaskDefinition": 1, "ecs:RegisterTaskDefinition": 1, "ecs:RunTask": 1}
WARM_RUN = {"ecs:DescribeTaskDefinition": 1, "ecs:RunTask": 1}
CRASH_TIMEOUT = 30.0


@contextlib.contextmanager
def _log_tail_on_failure(worker: Worker) -> Iterator[None]:
    """A failed check in the block names the worker log's tail too."""
    try:
        yield
    except RehearsalError as exc:
        if "worker log tail" in str(exc):
            raise
        detail = str(exc).split(": ", 1)[-1]
        raise RehearsalError(exc.step, f"{detail}\nworker log tail:\n{worker.tail()}") from exc


def _crash(
    report: RehearsalReport, aws: MotoAws, phases: WorkerPhases, run_id: str, pid: str
) -> None:
    """Stop the flow run's task, deliver its STOPPED event through EventBridge, and
    wait until the observer marked the run Crashed and deleted the message."""
    cluster, task_arn = pid.split("::", 1)
    with step(report, "crash"):
        deliver_task_crash(aws, cluster, task_arn)

        def crashed() -> Any:
            state = read_flow_run(phases.api_url, run_id).state
            return state if state is not None and state.type.value == "CRASHED" else None

        what = f"Crashed state of flow run {run_id} (set by the observer)"
        state = phases.until("crash", what, crashed, CRASH_TIMEOUT)

        def acked() -> bool:
            return any(c.name == "sqs:DeleteMessage" for c in phases.calls_since_mark())

        phases.until("crash", "the observer deleting the event's message", acked, 10)
        calls = phases.take("crash")
    with _log_tail_on_failure(phases.worker):
        routed = routed_messages([c.response for c in calls if c.name == POLL], task_arn)
        check(
            report,
            bool(routed),
            "the stack's EventBridge rule routed the task's STOPPED event to the stack's "
            "queue (put_events -> rule -> SQS -> the observer's ReceiveMessage)",
            [c.name for c in calls],
        )
        check(report, True, "the observer marked the crashed flow run Crashed")
    report.facts["crash"] = f"flow run {run_id}: {state.name}: {state.message}"


@dataclass(frozen=True)
class Stage:
    """What both workers run against: the report, moto, the deployed stack, the call
    counter, the Prefect API, a home for logs and the per-flow-run timeout."""

    report: RehearsalReport
    aws: MotoAws
    run: StackRun
    proxy: CountingProxy
    api_url: str
    home: Path
    timeout: float
    #: The stack's credential kind (``api_key``, ``auth_string``, None) and its value.
    kind: str | None = "api_key"
    credential: str = PLACEHOLDER_SECRET
    #: One flow run only: no warm run, no crash (the per-setup rehearsals).
    quick: bool = False


def stack_worker(stage: Stage, service: ServiceWorker, deployment: str) -> None:
    """The stack's worker, started by the deploy with its service (``service``): up,
    first run, warm run, crash (not when ``stage.quick``), stop; then every call it made
    authorized against the stack's policy."""
    report, aws, run, proxy = stage.report, stage.aws, stage.run, stage.proxy
    api_url = stage.api_url
    out = run.outputs
    worker, phases = service.worker, service.phases
    if worker is None or phases is None:
        raise RehearsalError("worker-start", "the deploy created no ECS service to start")
    env = worker.env
    try:
        phases.start("worker-start")
        with _log_tail_on_failure(worker):
            url = [c for c in phases.seen if c.name == "sqs:GetQueueUrl"]
            check(
                report,
                env.get(QUEUE_ENV) == out["observerQueueName"]
                and url[0].params.get("QueueName") == out["observerQueueName"]
                and url[0].status == 200,
                f"the observer found the stack's queue (the worker container's {QUEUE_ENV})",
                [(c.params, c.status) for c in url],
            )
        first_id, _pid = phases.flow_run("flow-run", "first run", deployment)
        report.facts["flow run"] = first_id
        with step(report, "verify"), _log_tail_on_failure(worker):
            requests = proxy.run_task_requests
            verify_stack_run(
                report,
                aws,
                run,
                requests[0] if requests else None,
                kind=stage.kind,
                credential=stage.credential,
            )
            check_flow_run(report, api_url, first_id)
        if not stage.quick:
            warm_id, warm_pid = phases.flow_run("flow-run-warm", "warm run", deployment)
            with step(report, "verify-warm"), _log_tail_on_failure(worker):
                check_warm_run(report, aws, api_url, warm_id, report.calls[STACK]["warm run"])
            _crash(report, aws, phases, warm_id, warm_pid)
    finally:
        with step(report, "worker-stop"):
            report.facts[f"{STACK}: worker stopped in"] = f"{worker.stop():.1f} s"
    with step(report, "authorize"):
        check_calls_allowed(report, run, phases.all_calls(), aws.account_id, STACK, worker.tail())


def default_worker(stage: Stage, cmd: list[str], env: dict[str, str], deployment: str) -> None:
    """The same worker on the default-template pool: start, first run, warm run."""
    report, aws, run, proxy = stage.report, stage.aws, stage.run, stage.proxy
    api_url, home, timeout = stage.api_url, stage.home, stage.timeout
    with running_worker(cmd, env, home / "worker-default.log") as worker:
        phases = WorkerPhases(report, proxy, worker, DEFAULT, api_url, timeout)
        phases.start("default-worker-start")
        run_id, _pid = phases.flow_run("default-flow-run", "first run", deployment)
        with step(report, "verify-default"), _log_tail_on_failure(worker):
            check_default_run(report, aws, run, api_url, run_id)
        phases.flow_run("default-flow-run-warm", "warm run", deployment)
        with step(report, "default-worker-stop"):
            report.facts[f"{DEFAULT}: worker stopped in"] = f"{worker.stop():.1f} s"
    with step(report, "authorize-default"):
        report.facts[f"{DEFAULT}: its calls under the stack's worker policy"] = denied_actions(
            run, phases.all_calls(), aws.account_id
        )


def check_call_targets(report: RehearsalReport) -> None:
    """The stack's pool: 3 calls on a first flow run, 2 on a warm one, no ec2; one
    RunTask per flow run with either template."""
    stack = report.calls[STACK]
    check(report, stack["first run"] == FIRST_RUN, "first flow run: 3 AWS calls", stack)
    check(report, stack["warm run"] == WARM_RUN, "warm flow run: 2 AWS calls", stack)
    ec2 = {p: [op for op in c if op.startswith("ec2:")] for p, c in stack.items()}
    check(report, not any(ec2.values()), "the stack's worker made no ec2 call", ec2)
    for template, phases in report.calls.items():
        for phase, counts in phases.items():
            want = 1 if phase.endswith(" run") else 0
            check(
                report,
                counts.get("ecs:RunTask", 0) == want,
                f"{template}, {phase}: {want} ecs:RunTask",
                counts,
            )
