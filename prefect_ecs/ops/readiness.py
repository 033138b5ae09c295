"""Wait until the worker service is stable and a worker of the pool is online.

Run by a ``pulumi_command.local.Command`` on the deployer's machine after the service
is created or updated::

    python -m prefect_ecs.ops.readiness

Environment (nothing else is read; Prefect's client reads its own variables):

==============================  =========  ==============================================
``PREFECT_API_URL``             required   the API the workers use
``PREFECT_API_KEY``             optional   Prefect Cloud key (secret), or
``PREFECT_API_AUTH_STRING``     optional   a self-hosted server's ``user:password`` (secret)
``PREFECT_ECS_CLUSTER``         required   the cluster ARN (or name)
``PREFECT_ECS_SERVICE``         required   the worker service's name
``PREFECT_ECS_WORK_POOL``       required   the work pool's name
``PREFECT_ECS_WORKER_LOG_GROUP``required   the worker's CloudWatch log group
``PREFECT_ECS_TIMEOUT_SECONDS`` 300        bound on the wait
``PREFECT_ECS_POLL_SECONDS``    5          pause between checks
AWS SDK variables                          ``AWS_REGION``, ``AWS_ENDPOINT_URL``, credentials
==============================  =========  ==============================================

Ready means both:

* the ECS service is stable: ``runningCount == desiredCount`` and exactly one deployment,
  whose ``rolloutState`` is ``COMPLETED`` (or, without a rolloutState, whose status is
  ``PRIMARY`` with its running count equal to the desired count);
* the work pool has at least one worker with status ``ONLINE`` (skipped, and said so,
  when the service's desiredCount is 0).

Exit 0 prints one JSON line on stdout::

    {"ready": true, "seconds": 12.3, "service": {"desiredCount": 1, "runningCount": 1,
     "pendingCount": 0, "deployments": 1, "rolloutState": "COMPLETED"},
     "workers": ["ecs-worker-1a2b"]}

Exit 1 (not ready within the bound, or the API refused the credential) prints a
diagnosis on stderr: what was seen (service events, the service's stopped tasks with
their stop codes and container exit codes, the worker's last log lines, the pool and
its workers) and the troubleshooting checklist items that match it. Exit 2: a missing
or malformed variable.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._common import (
    EXIT_NOT_DONE,
    EXIT_OK,
    OpsConfig,
    Output,
    adopt_stdin_credential,
    aws_client,
    aws_error_code,
    describe_error,
    is_auth_refusal,
    load_config,
    parser,
    prefect_client,
    run_main,
)

__all__ = [
    "REQUIRED",
    "Observation",
    "checklist",
    "main",
    "online_workers",
    "render_diagnosis",
    "service_counts",
    "service_stable",
    "verdict",
    "worker_stopped_tasks",
]

REQUIRED = (
    "PREFECT_API_URL",
    "PREFECT_ECS_CLUSTER",
    "PREFECT_ECS_SERVICE",
    "PREFECT_ECS_WORK_POOL",
    "PREFECT_ECS_WORKER_LOG_GROUP",
)

#: How much of what was seen the diagnosis shows.
EVENTS_SHOWN = 8
STOPPED_TASKS_SHOWN = 5
LOG_LINES_SHOWN = 20


# --- decisions (pure) -----------------------------------------------------------------


def service_counts(service: Mapping[str, Any]) -> dict[str, Any]:
    """The counts the JSON line and the diagnosis show."""
    deployments = list(service.get("deployments") or [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    return {
        "desiredCount": service.get("desiredCount"),
        "runningCount": service.get("runningCount"),
        "pendingCount": service.get("pendingCount"),
        "deployments": len(deployments),
        "rolloutState": (primary or {}).get("rolloutState"),
    }


def service_stable(service: Mapping[str, Any] | None) -> tuple[bool, str]:
    """Whether the service is stable, and why not (or a short "stable")."""
    if service is None:
        return False, "the service was not found"
    status = service.get("status")
    if status and status != "ACTIVE":
        return False, f"the service's status is {status}"
    desired, running = service.get("desiredCount"), service.get("runningCount")
    if desired is None or running is None:
        return False, "the service has no counts yet"
    if running != desired:
        return False, f"{running} of {desired} tasks running"
    deployments = list(service.get("deployments") or [])
    if len(deployments) != 1:
        return False, f"{len(deployments)} deployments (a rollout is under way)"
    deployment = deployments[0]
    rollout = deployment.get("rolloutState")
    if rollout is not None:
        if rollout != "COMPLETED":
            reason = deployment.get("rolloutStateReason")
            return False, f"the deployment's rolloutState is {rollout}" + (
                f" ({reason})" if reason else ""
            )
        return True, "stable"
    if deployment.get("status") != "PRIMARY":
        return False, f"the only deployment's status is {deployment.get('status')}"
    if deployment.get("runningCount") != desired:
        return False, (f"the deployment runs {deployment.get('runningCount')} of {desired} tasks")
    return True, "stable"


def online_workers(workers: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of the workers whose status is ONLINE, sorted."""
    return sorted(str(w.get("name")) for w in workers if w.get("status") == "ONLINE")


@dataclass
class Observation:
    """Everything one check (and, on failure, the diagnosis) saw. Errors are text."""

    cluster: str
    service_name: str
    pool_name: str
    log_group: str = ""
    api_url: str = ""
    auth_mode: str = "no credential"
    timeout_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    service: dict[str, Any] | None = None
    service_error: str | None = None
    pool: dict[str, Any] | None = None
    pool_missing: bool = False
    pool_error: str | None = None
    workers: list[dict[str, Any]] = field(default_factory=list)
    workers_error: str | None = None
    #: The API refused this process's own credential (the HTTP status and detail).
    credential_refused: str | None = None
    stopped_tasks: list[dict[str, Any]] = field(default_factory=list)
    tasks_error: str | None = None
    log_stream: str | None = None
    log_lines: list[str] = field(default_factory=list)
    logs_error: str | None = None

    @property
    def desired_zero(self) -> bool:
        return self.service is not None and self.service.get("desiredCount") == 0


@dataclass(frozen=True)
class Verdict:
    ready: bool
    #: Stop waiting now (a refused credential does not fix itself).
    final: bool
    reasons: tuple[str, ...]


def verdict(obs: Observation) -> Verdict:
    """Ready, still waiting (and why), or failed for good."""
    reasons = []
    stable, why = service_stable(obs.service)
    if obs.service_error:
        reasons.append(f"the service could not be read ({obs.service_error})")
    elif not stable:
        reasons.append(why)
    if obs.credential_refused:
        return Verdict(
            False,
            True,
            (f"the Prefect API refused the credential ({obs.credential_refused})", *reasons),
        )
    if not obs.desired_zero:
        if obs.pool_missing:
            reasons.append(f"work pool {obs.pool_name!r} does not exist")
        elif obs.workers_error:
            reasons.append(f"the pool's workers could not be read ({obs.workers_error})")
        elif not online_workers(obs.workers):
            reasons.append(f"no worker of pool {obs.pool_name!r} is ONLINE")
    return Verdict(not reasons, False, tuple(reasons))


def worker_stopped_tasks(
    tasks: Sequence[Mapping[str, Any]], service_name: str
) -> list[dict[str, Any]]:
    """The service's own stopped tasks (``group`` ``service:<name>``), newest first."""
    own = [dict(t) for t in tasks if t.get("group") == f"service:{service_name}"]

    def when(t: Mapping[str, Any]) -> float:
        value = t.get("stoppedAt") or t.get("createdAt")
        return value.timestamp() if isinstance(value, datetime) else 0.0

    return sorted(own, key=when, reverse=True)


# --- the checklist (pure) -------------------------------------------------------------

_AUTH_IN_LOG = re.compile(r"\b40[13]\b|unauthori[sz]ed|forbidden|invalid api key", re.I)
_NETWORK_IN_LOG = re.compile(
    r"connecterror|connecttimeout|connection refused|name or service not known|"
    r"temporary failure in name resolution|nodename nor servname|network is unreachable|"
    r"timed out",
    re.I,
)


def _aws_texts(obs: Observation) -> list[str]:
    """Stop reasons, container reasons and service event messages."""
    texts = []
    for task in obs.stopped_tasks:
        texts += [str(task.get("stoppedReason") or ""), str(task.get("stopCode") or "")]
        texts += [str(c.get("reason") or "") for c in task.get("containers") or []]
    texts += [str(e.get("message") or "") for e in (obs.service or {}).get("events") or []]
    return [t for t in texts if t]


def _exit_codes(obs: Observation) -> list[int]:
    codes = []
    for task in obs.stopped_tasks:
        for c in task.get("containers") or []:
            code = c.get("exitCode")
            if isinstance(code, int) and code != 0:
                codes.append(code)
    return codes


def checklist(obs: Observation) -> list[str]:
    """The items of the Prefect ECS guide's troubleshooting checklist that match what
    was seen, most specific first; a generic item when none does."""
    aws = "\n".join(_aws_texts(obs))
    aws_lower = aws.lower()
    logs = "\n".join(obs.log_lines)
    running = (obs.service or {}).get("runningCount") or 0
    items: list[str] = []
    if obs.credential_refused:
        items.append(
            "The Prefect API refused the credential this check was given "
            f"({obs.auth_mode}): use a valid API key of this workspace (Prefect Cloud) or "
            "the server's user:password (PREFECT_SERVER_API_AUTH_STRING, self-hosted); the "
            "workers get the same credential from the stack's secret."
        )
    if obs.pool_error and not obs.credential_refused:
        items.append(
            f"This check could not reach the Prefect API at {obs.api_url} "
            f"({obs.pool_error}): check PREFECT_API_URL and this machine's network; the "
            "workers' state is unknown."
        )
    if obs.service is None and not obs.service_error:
        items.append(
            f"The service {obs.service_name!r} was not found in the cluster: check "
            "PREFECT_ECS_SERVICE and PREFECT_ECS_CLUSTER, and that the stack created it."
        )
    if "cannotpullcontainererror" in aws_lower:
        items.append(
            "CannotPullContainerError: the image could not be pulled. Check the image "
            "name and tag, that the execution role may pull it (ECR permissions, or "
            "repositoryCredentials for a private registry), and that the subnets reach "
            "the registry (a public IP, a NAT gateway, or ECR VPC endpoints)."
        )
    if "resourceinitializationerror" in aws_lower and (
        "secretsmanager" in aws_lower or "secret" in aws_lower
    ):
        items.append(
            "ResourceInitializationError while fetching secrets: the execution role "
            "cannot read the credential's secret (secretsmanager:GetSecretValue, and "
            "kms:Decrypt for a customer key), or the subnets cannot reach Secrets Manager "
            "(a NAT gateway or a secretsmanager VPC endpoint)."
        )
    elif "resourceinitializationerror" in aws_lower:
        items.append(
            "ResourceInitializationError: the task could not be set up (registry "
            "authentication, secrets or log configuration); the subnets need a route to "
            "AWS APIs (a public IP, a NAT gateway, or VPC endpoints)."
        )
    if "outofmemory" in aws_lower or 137 in _exit_codes(obs):
        items.append(
            "The worker ran out of memory (exit code 137 / OutOfMemoryError): raise the "
            "worker's memory."
        )
    if re.search(r"unable to place|no container instance|insufficient", aws_lower):
        items.append(
            "ECS could not place the task: check the capacity provider, the subnets and "
            "the service's launch type (see the service events above)."
        )
    if re.search(r"accessdenied|not authorized to perform", aws_lower + logs.lower()):
        items.append(
            "An AWS call was denied: compare the message above with the worker's task "
            "role and execution role policies."
        )
    if _AUTH_IN_LOG.search(logs):
        items.append(
            "The worker's log shows 401/403/Unauthorized: the worker's API key or auth "
            "string is wrong (the stack's credential secret), or the key belongs to "
            "another workspace."
        )
    if obs.pool_missing:
        items.append(
            f"Work pool {obs.pool_name!r} does not exist: let the stack create it "
            "(createWorkPool, the default) or set workPoolName to an existing pool."
        )
    if obs.pool and obs.pool.get("is_paused"):
        items.append(
            f"Work pool {obs.pool_name!r} is paused: resume it "
            f"(prefect work-pool resume {obs.pool_name})."
        )
    no_worker = not obs.desired_zero and not online_workers(obs.workers)
    if (
        no_worker
        and not obs.pool_missing
        and not obs.credential_refused
        and (running > 0 or _NETWORK_IN_LOG.search(logs))
    ):
        items.append(
            "Tasks run but no worker is ONLINE: the worker cannot reach the Prefect API. "
            "Check PREFECT_API_URL (ending in /api; for Prefect Cloud "
            "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>), that the tasks "
            "get a public IP or a NAT route, and the security group's egress on 443."
        )
    codes = sorted(set(_exit_codes(obs)) - {137})
    if codes:
        items.append(
            f"Worker containers exited with code {', '.join(map(str, codes))}: read the "
            "worker's log lines above for the error (a wrong PREFECT_API_URL, a missing "
            "package in a custom image, a bad work queue name)."
        )
    if obs.logs_error is None and not obs.log_lines and obs.log_group:
        items.append(
            "The worker wrote no log lines: the task may never have started (see the "
            "stopped tasks above), or the execution role cannot write to the log group."
        )
    if not items:
        items.append(
            "Nothing seen matched a known cause: read the service events and worker log "
            "above, and raise PREFECT_ECS_TIMEOUT_SECONDS if the rollout is only slow."
        )
    return items


# --- the diagnosis text (pure) --------------------------------------------------------


def _stamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value) if value else "-"


def render_diagnosis(obs: Observation, v: Verdict) -> str:
    """The text written on stderr when the check fails."""
    lines = []
    if v.final:
        lines.append(f"prefect-ecs readiness: NOT READY after {obs.elapsed_seconds:.0f}s")
    else:
        lines.append(
            f"prefect-ecs readiness: NOT READY within {obs.timeout_seconds:g}s "
            f"(PREFECT_ECS_TIMEOUT_SECONDS)"
        )
    lines += [f"  - {r}" for r in v.reasons]

    lines.append("")
    lines.append(f"ECS service {obs.service_name!r} in {obs.cluster}:")
    if obs.service_error:
        lines.append(f"  could not read it: {obs.service_error}")
    elif obs.service is None:
        lines.append("  not found")
    else:
        counts = service_counts(obs.service)
        lines.append(
            "  "
            + ", ".join(f"{k} {v!s}" for k, v in counts.items() if v is not None)
            + f", status {obs.service.get('status', '-')}"
        )
        for d in obs.service.get("deployments") or []:
            lines.append(
                f"  deployment {d.get('id', '?')}: {d.get('status', '-')}, rolloutState "
                f"{d.get('rolloutState', '-')}, running {d.get('runningCount', '-')}/"
                f"{d.get('desiredCount', '-')}, failed tasks {d.get('failedTasks', 0)}"
            )
        events = list(obs.service.get("events") or [])[:EVENTS_SHOWN]
        lines.append("  last events:" if events else "  no service events")
        for e in events:
            lines.append(f"    {_stamp(e.get('createdAt'))} {e.get('message', '')}")

    lines.append("")
    lines.append("Stopped worker tasks:")
    if obs.tasks_error:
        lines.append(f"  could not read them: {obs.tasks_error}")
    elif not obs.stopped_tasks:
        lines.append("  none")
    for t in obs.stopped_tasks[:STOPPED_TASKS_SHOWN]:
        task_id = str(t.get("taskArn", "?")).rsplit("/", 1)[-1]
        lines.append(
            f"  {task_id} stopped {_stamp(t.get('stoppedAt'))}: stopCode "
            f"{t.get('stopCode') or '-'}, stoppedReason {t.get('stoppedReason') or '-'!r}"
        )
        for c in t.get("containers") or []:
            lines.append(
                f"    container {c.get('name', '?')}: exitCode "
                f"{c.get('exitCode', '-')}, reason {c.get('reason') or '-'!r}"
            )

    lines.append("")
    where = obs.log_group + (f" (stream {obs.log_stream})" if obs.log_stream else "")
    lines.append(f"Worker log {where}:")
    if obs.logs_error:
        lines.append(f"  could not read it: {obs.logs_error}")
    elif not obs.log_lines:
        lines.append("  no lines")
    lines += [f"  | {line}" for line in obs.log_lines[-LOG_LINES_SHOWN:]]

    lines.append("")
    lines.append(f"Work pool {obs.pool_name!r} at {obs.api_url} ({obs.auth_mode}):")
    if obs.credential_refused:
        lines.append(f"  the API refused the credential: {obs.credential_refused}")
    elif obs.pool_error:
        lines.append(f"  could not read it: {obs.pool_error}")
    elif obs.pool_missing:
        lines.append("  does not exist")
    elif obs.pool is not None:
        lines.append(
            f"  exists, type {obs.pool.get('type', '-')}, "
            + ("PAUSED" if obs.pool.get("is_paused") else "not paused")
            + f", status {obs.pool.get('status') or '-'}"
        )
    if obs.desired_zero:
        lines.append("  desiredCount is 0: workers not required")
    if obs.workers_error and not obs.credential_refused:
        lines.append(f"  workers could not be read: {obs.workers_error}")
    elif not obs.workers and not obs.credential_refused and not obs.pool_missing:
        lines.append("  no workers have ever sent a heartbeat")
    for w in obs.workers:
        lines.append(
            f"  worker {w.get('name')}: {w.get('status')}, last heartbeat "
            f"{_stamp(w.get('last_heartbeat_time'))}"
        )

    lines.append("")
    lines.append("Checklist (Prefect ECS guide, troubleshooting), matched to the above:")
    lines += [f"  * {item}" for item in checklist(obs)]
    return "\n".join(lines)


def ready_line(obs: Observation, seconds: float) -> dict[str, Any]:
    """The JSON line printed on success."""
    line: dict[str, Any] = {
        "ready": True,
        "seconds": round(seconds, 1),
        "service": service_counts(obs.service or {}),
        "workers": online_workers(obs.workers),
    }
    if obs.desired_zero:
        line["note"] = "desiredCount is 0: no worker expected, the pool's workers not checked"
    return line


# --- I/O ------------------------------------------------------------------------------


def read_service(ecs: Any, obs: Observation) -> None:
    obs.service, obs.service_error = None, None
    try:
        resp = ecs.describe_services(cluster=obs.cluster, services=[obs.service_name])
    except Exception as exc:
        if aws_error_code(exc) == "ClusterNotFoundException":
            obs.service_error = f"the cluster does not exist ({describe_error(exc)})"
        else:
            obs.service_error = describe_error(exc)
        return
    services = [s for s in resp.get("services") or [] if s.get("status") != "INACTIVE"]
    obs.service = dict(services[0]) if services else None


def read_prefect(obs: Observation) -> None:
    """The pool and its workers (read even when desiredCount is 0, for the diagnosis);
    errors become text, a refused credential is kept apart."""
    from prefect.exceptions import ObjectNotFound

    obs.pool, obs.pool_missing, obs.pool_error = None, False, None
    obs.workers, obs.workers_error = [], None
    try:
        with prefect_client() as client:
            try:
                pool = client.read_work_pool(obs.pool_name)
            except ObjectNotFound:
                obs.pool_missing = True
                return
            obs.pool = pool.model_dump(mode="json")
            try:
                workers = client.read_workers_for_work_pool(obs.pool_name)
            except Exception as exc:
                if is_auth_refusal(exc):
                    raise
                obs.workers_error = describe_error(exc)
                return
            obs.workers = [
                {
                    "name": w.name,
                    "status": getattr(w.status, "value", w.status),
                    "last_heartbeat_time": w.last_heartbeat_time,
                }
                for w in workers
            ]
    except Exception as exc:
        if is_auth_refusal(exc):
            obs.credential_refused = describe_error(exc)
        else:
            obs.pool_error = describe_error(exc)
            obs.workers_error = obs.workers_error or obs.pool_error


def read_stopped_tasks(ecs: Any, obs: Observation) -> None:
    try:
        arns = ecs.list_tasks(
            cluster=obs.cluster, serviceName=obs.service_name, desiredStatus="STOPPED"
        ).get("taskArns", [])[:100]
        tasks = ecs.describe_tasks(cluster=obs.cluster, tasks=arns)["tasks"] if arns else []
        obs.stopped_tasks = worker_stopped_tasks(tasks, obs.service_name)
    except Exception as exc:
        obs.tasks_error = describe_error(exc)


def read_log_tail(logs: Any, obs: Observation) -> None:
    try:
        streams = logs.describe_log_streams(
            logGroupName=obs.log_group, orderBy="LastEventTime", descending=True, limit=1
        ).get("logStreams", [])
        if not streams:
            return
        obs.log_stream = streams[0]["logStreamName"]
        events = logs.get_log_events(
            logGroupName=obs.log_group,
            logStreamName=obs.log_stream,
            limit=LOG_LINES_SHOWN,
            startFromHead=False,
        ).get("events", [])
        obs.log_lines = [str(e.get("message", "")).rstrip("\n") for e in events]
    except Exception as exc:
        obs.logs_error = describe_error(exc)


def client_or_error(service: str) -> tuple[Any, str | None]:
    try:
        return aws_client(service), None
    except Exception as exc:
        return None, describe_error(exc)


def check(cfg: OpsConfig, out: Output, *, ecs: Any = None, logs: Any = None) -> int:
    """Poll until ready or the bound; print the JSON line or the diagnosis. ``ecs`` and
    ``logs`` are boto3 clients (made from the environment when not given)."""
    obs = Observation(
        cluster=cfg.cluster,
        service_name=cfg.service,
        pool_name=cfg.work_pool,
        log_group=cfg.log_group,
        api_url=cfg.api_url,
        auth_mode=cfg.auth_mode,
        timeout_seconds=cfg.timeout_seconds,
    )
    start = time.monotonic()
    deadline = start + cfg.timeout_seconds
    ecs_error = logs_error = None
    if ecs is None:
        ecs, ecs_error = client_or_error("ecs")
    said_zero = False
    while True:
        if ecs is None:
            obs.service_error = ecs_error
        else:
            read_service(ecs, obs)
        read_prefect(obs)
        v = verdict(obs)
        obs.elapsed_seconds = time.monotonic() - start
        if obs.desired_zero and not said_zero:
            out.err("prefect-ecs readiness: desiredCount is 0, workers not required")
            said_zero = True
        if v.ready:
            out.json_line(ready_line(obs, obs.elapsed_seconds))
            return EXIT_OK
        now = time.monotonic()
        if v.final or now >= deadline:
            break
        time.sleep(min(cfg.poll_seconds, deadline - now))

    if ecs is not None:
        read_stopped_tasks(ecs, obs)
    else:
        obs.tasks_error = ecs_error
    if logs is None:
        logs, logs_error = client_or_error("logs")
    if logs is not None:
        read_log_tail(logs, obs)
    else:
        obs.logs_error = logs_error
    obs.elapsed_seconds = time.monotonic() - start
    out.err(render_diagnosis(obs, v))
    return EXIT_NOT_DONE


def main(argv: Sequence[str] | None = None) -> int:
    """The entry point; Prefect's client reads the process environment, so this does too."""
    adopt_stdin_credential()
    parser(
        prog="python -m prefect_ecs.ops.readiness",
        description="Wait until the worker service is stable and a worker is ONLINE. "
        "Configured only by environment variables (see the module's docstring).",
    ).parse_args(argv)
    return run_main(
        "readiness", os.environ, lambda out: check(load_config(os.environ, REQUIRED), out)
    )


if __name__ == "__main__":
    raise SystemExit(main())
