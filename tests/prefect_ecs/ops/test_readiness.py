"""readiness: what is stable, what is ready, and what the diagnosis says (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from prefect_ecs.ops.readiness import (
    Observation,
    checklist,
    online_workers,
    ready_line,
    render_diagnosis,
    service_stable,
    verdict,
    worker_stopped_tasks,
)

pytestmark = pytest.mark.pure


def service(
    desired: int = 1,
    running: int = 1,
    deployments: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    if deployments is None:
        deployments = [
            {
                "id": "ecs-svc/1",
                "status": "PRIMARY",
                "rolloutState": "COMPLETED",
                "runningCount": running,
                "desiredCount": desired,
            }
        ]
    return {
        "status": "ACTIVE",
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": desired - running,
        "deployments": deployments,
        "events": [],
        **extra,
    }


def obs(**fields: Any) -> Observation:
    base: dict[str, Any] = {
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
        "service_name": "svc",
        "pool_name": "pool",
        "log_group": "/lg",
        "api_url": "http://127.0.0.1:4200/api",
        "timeout_seconds": 300,
        "service": service(),
        "pool": {"name": "pool", "type": "ecs", "is_paused": False, "status": "READY"},
        "workers": [{"name": "w1", "status": "ONLINE", "last_heartbeat_time": None}],
        "log_lines": ["Worker started"],
    }
    base.update(fields)
    return Observation(**base)


# --- stable -----------------------------------------------------------------------


def test_stable_with_one_completed_deployment() -> None:
    assert service_stable(service()) == (True, "stable")


@pytest.mark.parametrize(
    ("svc", "why"),
    [
        (None, "not found"),
        (service(running=0), "0 of 1 tasks running"),
        (service(status="DRAINING"), "status is DRAINING"),
        (
            service(deployments=[{"status": "PRIMARY", "rolloutState": "IN_PROGRESS"}]),
            "rolloutState is IN_PROGRESS",
        ),
        (
            service(
                deployments=[
                    {"status": "PRIMARY", "rolloutState": "IN_PROGRESS"},
                    {"status": "ACTIVE", "rolloutState": "COMPLETED"},
                ]
            ),
            "2 deployments",
        ),
        (
            service(deployments=[{"status": "ACTIVE", "runningCount": 1}]),
            "status is ACTIVE",
        ),
        (
            service(deployments=[{"status": "PRIMARY", "runningCount": 0}]),
            "runs 0 of 1",
        ),
    ],
)
def test_not_stable(svc: dict[str, Any] | None, why: str) -> None:
    stable, reason = service_stable(svc)
    assert not stable
    assert why in reason


def test_stable_without_rollout_state_needs_primary_with_all_running() -> None:
    assert service_stable(service(deployments=[{"status": "PRIMARY", "runningCount": 1}]))[0]


def test_stable_at_zero() -> None:
    assert service_stable(service(desired=0, running=0))[0]


# --- ready ------------------------------------------------------------------------


def test_online_workers_only() -> None:
    workers = [
        {"name": "b", "status": "ONLINE"},
        {"name": "a", "status": "ONLINE"},
        {"name": "c", "status": "OFFLINE"},
    ]
    assert online_workers(workers) == ["a", "b"]


def test_ready_needs_both() -> None:
    assert verdict(obs()).ready
    not_stable = verdict(obs(service=service(running=0)))
    assert (not_stable.ready, not_stable.final) == (False, False)
    no_worker = verdict(obs(workers=[{"name": "w", "status": "OFFLINE"}]))
    assert not no_worker.ready
    assert "no worker of pool 'pool' is ONLINE" in no_worker.reasons
    assert "does not exist" in verdict(obs(pool=None, pool_missing=True, workers=[])).reasons[0]


def test_desired_zero_skips_workers_and_says_so() -> None:
    o = obs(service=service(desired=0, running=0), workers=[], pool_missing=True)
    assert verdict(o).ready
    line = ready_line(o, 1.23)
    assert line["ready"] is True and line["workers"] == [] and line["seconds"] == 1.2
    assert "desiredCount is 0" in line["note"]
    assert line["service"]["desiredCount"] == 0


def test_refused_credential_is_final() -> None:
    v = verdict(obs(credential_refused="HTTP 401 Unauthorized", workers=[], pool=None))
    assert (v.ready, v.final) == (False, True)
    assert "refused the credential" in v.reasons[0]


def test_ready_line_shape() -> None:
    assert ready_line(obs(), 3.04) == {
        "ready": True,
        "seconds": 3.0,
        "service": {
            "desiredCount": 1,
            "runningCount": 1,
            "pendingCount": 0,
            "deployments": 1,
            "rolloutState": "COMPLETED",
        },
        "workers": ["w1"],
    }


def test_only_the_services_stopped_tasks_newest_first() -> None:
    t = [
        {"taskArn": "a", "group": "service:svc", "stoppedAt": datetime(2026, 1, 1, tzinfo=UTC)},
        {"taskArn": "b", "group": "family:prefect_pool_x"},
        {"taskArn": "c", "group": "service:svc", "stoppedAt": datetime(2026, 1, 2, tzinfo=UTC)},
        {"taskArn": "d", "group": "service:svc-other"},
    ]
    assert [x["taskArn"] for x in worker_stopped_tasks(t, "svc")] == ["c", "a"]


# --- the checklist ----------------------------------------------------------------


def stopped(
    reason: str = "",
    code: str = "TaskFailedToStart",
    exit_code: int | None = None,
    container_reason: str = "",
) -> dict[str, Any]:
    return {
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/c/abc",
        "group": "service:svc",
        "stoppedReason": reason,
        "stopCode": code,
        "containers": [{"name": "worker", "exitCode": exit_code, "reason": container_reason}],
    }


def matched(o: Observation) -> str:
    return "\n".join(checklist(o))


def test_cannot_pull() -> None:
    o = obs(
        service=service(running=0),
        workers=[],
        stopped_tasks=[stopped("CannotPullContainerError: pull image manifest has been retried")],
    )
    text = matched(o)
    assert "image could not be pulled" in text and "NAT" in text
    assert "cannot reach the Prefect API" not in text  # nothing runs


def test_secrets_resource_initialization() -> None:
    o = obs(
        service=service(running=0),
        workers=[],
        stopped_tasks=[
            stopped(
                "ResourceInitializationError: unable to pull secrets or registry auth: "
                "retrieve secret from asm: service call has been retried 5 time(s): "
                "failed to fetch secret arn:aws:secretsmanager:us-east-1:1:secret:x"
            )
        ],
    )
    text = matched(o)
    assert "execution role" in text and "secretsmanager:GetSecretValue" in text
    assert "VPC endpoint" in text


def test_worker_log_401() -> None:
    o = obs(
        workers=[],
        log_lines=["httpx.HTTPStatusError: Client error '401 Unauthorized' for url ..."],
    )
    assert "API key or auth string is wrong" in matched(o)


def test_running_but_no_worker_means_unreachable_api() -> None:
    text = matched(obs(workers=[]))
    assert "cannot reach the Prefect API" in text
    assert "public IP or a NAT route" in text and "PREFECT_API_URL" in text
    assert "cannot reach" not in matched(obs())  # a worker is online


def test_pool_missing_and_paused() -> None:
    assert "createWorkPool" in matched(obs(pool=None, pool_missing=True, workers=[]))
    assert "is paused" in matched(obs(pool={"name": "pool", "is_paused": True}))


def test_exit_code_one_points_at_the_log() -> None:
    o = obs(
        service=service(running=0),
        workers=[],
        stopped_tasks=[
            stopped("Essential container in task exited", "EssentialContainerExited", 1)
        ],
    )
    assert "exited with code 1: read the worker's log lines above" in matched(o)
    assert "out of memory" in matched(obs(stopped_tasks=[stopped(exit_code=137)]))


def test_refused_credential_item() -> None:
    o = obs(credential_refused="HTTP 401 Unauthorized", workers=[], auth_mode="PREFECT_API_KEY")
    text = matched(o)
    assert "refused the credential this check was given (PREFECT_API_KEY)" in text
    assert "cannot reach the Prefect API" not in text


def test_api_unreachable_from_here() -> None:
    o = obs(pool=None, pool_error="ConnectError: [Errno 111] Connection refused", workers=[])
    assert "This check could not reach the Prefect API at http://127.0.0.1:4200/api" in matched(o)


def test_nothing_matched_says_so() -> None:
    o = obs(service=service(running=0), workers=[])
    assert checklist(o) == [
        "Nothing seen matched a known cause: read the service events and worker log "
        "above, and raise PREFECT_ECS_TIMEOUT_SECONDS if the rollout is only slow."
    ]


# --- the diagnosis ----------------------------------------------------------------


def test_diagnosis_shows_what_was_seen_then_the_checklist() -> None:
    svc = service(
        running=0,
        deployments=[{"id": "ecs-svc/9", "status": "PRIMARY", "rolloutState": "IN_PROGRESS"}],
        events=[
            {
                "createdAt": datetime(2026, 1, 1, 12, tzinfo=UTC),
                "message": "(service svc) has started 1 tasks: (task abc).",
            }
        ],
    )
    o = obs(
        service=svc,
        workers=[
            {
                "name": "old",
                "status": "OFFLINE",
                "last_heartbeat_time": datetime(2026, 1, 1, 11, tzinfo=UTC),
            }
        ],
        stopped_tasks=[
            stopped("Essential container in task exited", "EssentialContainerExited", 1, "boom")
        ],
        log_stream="worker/worker/abc",
        log_lines=[f"line {i}" for i in range(25)],
    )
    text = render_diagnosis(o, verdict(o))
    assert text.startswith("prefect-ecs readiness: NOT READY within 300s")
    assert "  - 0 of 1 tasks running" in text
    assert "2026-01-01T12:00:00+00:00 (service svc) has started 1 tasks" in text
    assert "stopCode EssentialContainerExited" in text
    assert "container worker: exitCode 1, reason 'boom'" in text
    assert "  | line 24" in text and "  | line 5" in text and "  | line 4" not in text
    assert "worker old: OFFLINE, last heartbeat 2026-01-01T11:00:00+00:00" in text
    assert text.index("Checklist") > text.index("Worker log")
    assert "exited with code 1" in text.split("Checklist")[1]


def test_diagnosis_notes_read_errors_and_goes_on() -> None:
    o = obs(
        service=None,
        service_error="AccessDeniedException: not authorized to perform ecs:DescribeServices",
        tasks_error="AccessDeniedException: no",
        logs_error="ResourceNotFoundException: The specified log group does not exist.",
        pool=None,
        pool_error="ConnectError: [Errno 111] Connection refused",
        workers=[],
        workers_error="ConnectError: [Errno 111] Connection refused",
        log_lines=[],
    )
    text = render_diagnosis(o, verdict(o))
    assert "could not read it: AccessDeniedException" in text
    assert "Stopped worker tasks:\n  could not read them: AccessDeniedException: no" in text
    assert "could not read it: ResourceNotFoundException" in text
    assert "could not read it: ConnectError" in text
    assert "An AWS call was denied" not in text  # read errors are shown, not matched


def test_final_diagnosis_for_refused_credential() -> None:
    o = obs(credential_refused="HTTP 401 Unauthorized", workers=[], pool=None, elapsed_seconds=0.4)
    text = render_diagnosis(o, verdict(o))
    assert text.startswith("prefect-ecs readiness: NOT READY after 0s")
    assert "the API refused the credential: HTTP 401 Unauthorized" in text
