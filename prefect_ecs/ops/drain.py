"""Stop the pool's flow-run tasks before ``pulumi destroy`` removes their cluster.

Run by a ``pulumi_command.local.Command`` on the deployer's machine::

    python -m prefect_ecs.ops.drain             # the delete step
    python -m prefect_ecs.ops.drain --dry-run   # the create step: list, change nothing

Environment (nothing else is read; Prefect's client reads its own variables):

==============================  =========  ==============================================
``PREFECT_API_URL``             required   the API the pool lives in
``PREFECT_API_KEY``             optional   Prefect Cloud key (secret), or
``PREFECT_API_AUTH_STRING``     optional   a self-hosted server's ``user:password`` (secret)
``PREFECT_ECS_CLUSTER``         required   the cluster ARN (or name)
``PREFECT_ECS_WORK_POOL``       required   the work pool's name
``PREFECT_ECS_TIMEOUT_SECONDS`` 300        bound on the wait for STOPPED
``PREFECT_ECS_POLL_SECONDS``    5          pause between checks
``PREFECT_ECS_POOL_NOT_MANAGED`` unset     ``1``: the stack does not own the pool
``PREFECT_ECS_SERVICE``         with it    the stack's worker service (name or ARN)
AWS SDK variables                          ``AWS_REGION``, ``AWS_ENDPOINT_URL``, credentials
==============================  =========  ==============================================

Steps: pause the work pool (so no worker submits another run; a pool that is gone is
fine, and an API that fails or refuses is a warning, not a failure: the tasks still
go). A pool the stack does not own (``createWorkPool`` off) may serve other workers and
outlives the stack, so it is never paused: the stack's own worker service is scaled to
zero instead, and the drain waits (bounded) until none of its tasks runs, so it submits
nothing more. Then list the cluster's tasks whose desired status is RUNNING, describe them with their
tags, stop those tagged ``prefect.io/work-pool-name`` = the pool (prefect-aws tags every
flow-run task with its pool; the pool names this component accepts are made of
``[A-Za-z0-9_-]``, which prefect-aws's tag slugification leaves as they are) and never
a service's own task (``group`` ``service:...``), with a reason naming prefect-ecs; then
wait, bounded, until every one (and any of the pool's tasks already stopping) is
STOPPED.

Exit 0 prints one JSON line::

    {"dry_run": false, "cluster": "present", "pool": "paused",
     "stopped": ["arn:aws:ecs:...:task/c/1"], "seconds": 4.2}

(a pool the stack does not own: ``"pool": "left as it is (not this stack's)"`` and
``"worker": "stopped"``.)

(``--dry-run``: ``"would_stop"`` instead of ``"stopped"``, and nothing changed.) A
cluster that no longer exists is success (``"cluster": "absent"``); a second run finds
nothing to stop. Exit 1: a task could not be stopped, or was not STOPPED within the
bound (the line is printed, the problem on stderr). Exit 2: a missing or malformed
variable.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..documents.commands import POOL_NOT_MANAGED
from ..documents.iam import WORK_POOL_TAG
from ._common import (
    EXIT_NOT_DONE,
    EXIT_OK,
    OpsConfig,
    Output,
    adopt_stdin_credential,
    aws_client,
    aws_error_code,
    describe_error,
    load_config,
    parser,
    prefect_client,
    run_main,
)

__all__ = [
    "POOL_LEFT",
    "POOL_NOT_MANAGED",
    "REQUIRED",
    "STOP_REASON",
    "WORK_POOL_TAG",
    "main",
    "pool_tasks",
    "still_running",
    "stop_reason",
]

REQUIRED = ("PREFECT_API_URL", "PREFECT_ECS_CLUSTER", "PREFECT_ECS_WORK_POOL")
#: What the drain reports for a pool it must not pause.
POOL_LEFT = "left as it is (not this stack's)"

#: The tag prefect-aws puts on every flow-run task (``prefect_ecs.documents.iam``).
STOP_REASON = "prefect-ecs drain: work pool {pool} is being destroyed"
#: DescribeTasks takes at most 100 tasks per call.
DESCRIBE_BATCH = 100


# --- decisions (pure) -----------------------------------------------------------------


def stop_reason(pool: str) -> str:
    """The reason StopTask records (ECS keeps at most 255 characters)."""
    return STOP_REASON.format(pool=pool)[:255]


def _tags(task: Mapping[str, Any]) -> dict[str, str]:
    return {str(t.get("key")): str(t.get("value")) for t in task.get("tags") or []}


def is_pool_flow_run_task(task: Mapping[str, Any], pool: str) -> bool:
    """Tagged for this pool, and not a service's task (the worker's own tasks)."""
    if str(task.get("group") or "").startswith("service:"):
        return False
    return _tags(task).get(WORK_POOL_TAG) == pool


def pool_tasks(tasks: Iterable[Mapping[str, Any]], pool: str) -> tuple[list[str], list[str]]:
    """(to stop, already stopping) among described tasks: the pool's flow-run tasks whose
    desired status is RUNNING, and those already told to stop but not yet STOPPED."""
    to_stop, stopping = [], []
    for task in tasks:
        if not is_pool_flow_run_task(task, pool):
            continue
        arn = str(task["taskArn"])
        if task.get("lastStatus") == "STOPPED":
            continue
        if task.get("desiredStatus") == "STOPPED":
            stopping.append(arn)
        else:
            to_stop.append(arn)
    return sorted(to_stop), sorted(stopping)


def still_running(described: Iterable[Mapping[str, Any]], waited: Sequence[str]) -> dict[str, str]:
    """Of the tasks waited for, those not STOPPED yet, with their lastStatus. A task
    ECS no longer describes counts as stopped."""
    status = {str(t.get("taskArn")): str(t.get("lastStatus")) for t in described}
    return {arn: status[arn] for arn in waited if arn in status and status[arn] != "STOPPED"}


# --- I/O ------------------------------------------------------------------------------


class ClusterGone(Exception):
    """The cluster no longer exists."""


def _batches(items: Sequence[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), DESCRIBE_BATCH):
        yield list(items[i : i + DESCRIBE_BATCH])


def _describe(ecs: Any, cluster: str, arns: Sequence[str]) -> list[dict[str, Any]]:
    described: list[dict[str, Any]] = []
    for batch in _batches(arns):
        resp = ecs.describe_tasks(cluster=cluster, tasks=batch, include=["TAGS"])
        described += resp.get("tasks", [])
    return described


def _list(ecs: Any, cluster: str, desired_status: str) -> list[str]:
    arns: list[str] = []
    for page in ecs.get_paginator("list_tasks").paginate(
        cluster=cluster, desiredStatus=desired_status
    ):
        arns += page.get("taskArns", [])
    return arns


def find_tasks(ecs: Any, cluster: str, pool: str) -> tuple[list[str], list[str]]:
    """(to stop, already stopping); raises ClusterGone."""
    try:
        arns = _list(ecs, cluster, "RUNNING")
        stopping = _list(ecs, cluster, "STOPPED")
        described = _describe(ecs, cluster, arns + stopping)
    except Exception as exc:
        if aws_error_code(exc) == "ClusterNotFoundException":
            raise ClusterGone from None
        raise
    return pool_tasks(described, pool)


def pause_pool(pool: str, *, dry_run: bool) -> str:
    """Pause the pool (or, dry run, read it): "paused", "would pause", "absent", or
    "not paused: <error>"."""
    from prefect.client.schemas.actions import WorkPoolUpdate
    from prefect.exceptions import ObjectNotFound

    try:
        with prefect_client() as client:
            if dry_run:
                client.read_work_pool(pool)
                return "would pause"
            client.update_work_pool(pool, WorkPoolUpdate(is_paused=True))
            return "paused"
    except ObjectNotFound:
        return "absent"
    except Exception as exc:
        return f"not paused: {describe_error(exc)}"


def stop_worker_service(ecs: Any, cfg: OpsConfig, *, deadline: float, dry_run: bool) -> str:
    """Scale the stack's worker service to zero and wait, until ``deadline``, for its
    tasks to stop: "stopped", "would stop", "absent", or "not stopped: <why>"."""
    gone = {"ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException"}
    try:
        if dry_run:
            found = ecs.describe_services(cluster=cfg.cluster, services=[cfg.service])
            active = [x for x in found.get("services", []) if x.get("status") == "ACTIVE"]
            return "would stop" if active else "absent"
        ecs.update_service(cluster=cfg.cluster, service=cfg.service, desiredCount=0)
        while True:
            found = ecs.describe_services(cluster=cfg.cluster, services=[cfg.service])
            running = sum(int(x.get("runningCount") or 0) for x in found.get("services", []))
            if running == 0:
                return "stopped"
            now = time.monotonic()
            if now >= deadline:
                return f"not stopped: {running} task(s) still running"
            time.sleep(min(cfg.poll_seconds, deadline - now))
    except Exception as exc:
        if aws_error_code(exc) in gone:
            return "absent"
        return f"not stopped: {describe_error(exc)}"


def drain(cfg: OpsConfig, out: Output, *, dry_run: bool, pool_managed: bool = True) -> int:
    start = time.monotonic()
    line: dict[str, Any] = {"dry_run": dry_run, "cluster": "present"}
    then = "listing" if dry_run else "stopping"
    ecs = aws_client("ecs")
    if pool_managed:
        line["pool"] = pause_pool(cfg.work_pool, dry_run=dry_run)
        if line["pool"].startswith("not paused"):
            out.err(
                f"prefect-ecs drain: warning: work pool {cfg.work_pool!r} {line['pool']}; "
                f"{then} its tasks anyway"
            )
    else:
        line["pool"] = POOL_LEFT
        line["worker"] = stop_worker_service(
            ecs, cfg, deadline=start + cfg.timeout_seconds, dry_run=dry_run
        )
        if line["worker"].startswith("not stopped"):
            out.err(
                f"prefect-ecs drain: warning: worker service {cfg.service!r} "
                f"{line['worker']}; {then} the pool's tasks anyway"
            )
    try:
        to_stop, stopping = find_tasks(ecs, cfg.cluster, cfg.work_pool)
    except ClusterGone:
        line.update(cluster="absent", **{"would_stop" if dry_run else "stopped": []})
        line["seconds"] = round(time.monotonic() - start, 1)
        out.json_line(line)
        return EXIT_OK

    if dry_run:
        line["would_stop"] = to_stop
        if stopping:
            line["stopping"] = stopping
        line["seconds"] = round(time.monotonic() - start, 1)
        out.json_line(line)
        return EXIT_OK

    stopped, failed = [], {}
    for arn in to_stop:
        try:
            ecs.stop_task(cluster=cfg.cluster, task=arn, reason=stop_reason(cfg.work_pool))
            stopped.append(arn)
        except Exception as exc:
            failed[arn] = describe_error(exc)

    waited = stopped + stopping
    deadline = start + cfg.timeout_seconds
    left: dict[str, str] = {}
    while waited:
        try:
            left = still_running(_describe(ecs, cfg.cluster, waited), waited)
        except Exception as exc:
            if aws_error_code(exc) == "ClusterNotFoundException":
                left = {}
            else:
                left = {arn: f"unknown ({describe_error(exc)})" for arn in waited}
        now = time.monotonic()
        if not left or now >= deadline:
            break
        time.sleep(min(cfg.poll_seconds, deadline - now))

    line["stopped"] = stopped
    if stopping:
        line["stopping"] = stopping
    line["seconds"] = round(time.monotonic() - start, 1)
    out.json_line(line)
    for arn, error in failed.items():
        out.err(f"prefect-ecs drain: could not stop {arn}: {error}")
    for arn, status in left.items():
        out.err(
            f"prefect-ecs drain: {arn} not STOPPED within {cfg.timeout_seconds:g}s "
            f"(PREFECT_ECS_TIMEOUT_SECONDS): lastStatus {status}"
        )
    return EXIT_NOT_DONE if failed or left else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """The entry point; Prefect's client reads the process environment, so this does too."""
    adopt_stdin_credential()
    cli = parser(
        prog="python -m prefect_ecs.ops.drain",
        description="Pause the work pool and stop its flow-run tasks in the cluster. "
        "Configured only by environment variables (see the module's docstring).",
    )
    cli.add_argument(
        "--dry-run", action="store_true", help="list what would be stopped; change nothing"
    )
    args = cli.parse_args(argv)
    managed = os.environ.get(POOL_NOT_MANAGED, "") != "1"
    required = REQUIRED if managed else (*REQUIRED, "PREFECT_ECS_SERVICE")
    return run_main(
        "drain",
        os.environ,
        lambda out: drain(
            load_config(os.environ, required), out, dry_run=args.dry_run, pool_managed=managed
        ),
    )


if __name__ == "__main__":
    raise SystemExit(main())
