"""readiness against a REAL local Prefect server (the ECS side a small stand-in).

A worker is made ONLINE the way ``BaseWorker.sync_with_backend`` does it over REST
(``send_worker_heartbeat`` on the pool), without starting a worker process.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from prefect_ecs.ops._common import EXIT_NOT_DONE, EXIT_OK, OpsConfig, Output
from prefect_ecs.ops.readiness import check
from prefect_ecs_tooling.local_prefect import PrefectServerHandle, find_free_port

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[3]


@contextmanager
def prefect_settings(api_url: str, auth_string: str | None = None) -> Iterator[None]:
    """What PREFECT_API_URL / PREFECT_API_AUTH_STRING in a Command's env give a process."""
    from prefect.settings import (
        PREFECT_API_AUTH_STRING,
        PREFECT_API_KEY,
        PREFECT_API_URL,
        temporary_settings,
    )

    updates: dict[Any, Any] = {PREFECT_API_URL: api_url}
    restore = {PREFECT_API_KEY}
    if auth_string:
        updates[PREFECT_API_AUTH_STRING] = auth_string
    else:
        restore.add(PREFECT_API_AUTH_STRING)
    with temporary_settings(updates=updates, restore_defaults=restore):
        yield


class FakeEcs:
    """describe_services with a fixed service; no stopped tasks."""

    def __init__(self, desired: int = 1, running: int = 1) -> None:
        self.service = {
            "serviceName": "svc",
            "status": "ACTIVE",
            "desiredCount": desired,
            "runningCount": running,
            "pendingCount": 0,
            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "rolloutState": "COMPLETED"}],
            "events": [],
        }

    def describe_services(self, **_: Any) -> dict[str, Any]:
        return {"services": [self.service], "failures": []}

    def list_tasks(self, **_: Any) -> dict[str, Any]:
        return {"taskArns": []}


class NoLogs:
    def describe_log_streams(self, **_: Any) -> dict[str, Any]:
        return {"logStreams": []}


def config(server: PrefectServerHandle, pool: str, **extra: Any) -> OpsConfig:
    values: dict[str, Any] = {
        "api_url": server.api_url,
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
        "service": "svc",
        "work_pool": pool,
        "log_group": "/lg",
        "timeout_seconds": 5.0,
        "poll_seconds": 0.2,
    }
    values.update(extra)
    return OpsConfig(**values)


def run_check(cfg: OpsConfig, ecs: Any = None) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    t0 = time.monotonic()
    rc = check(cfg, Output(stdout=out, stderr=err), ecs=ecs or FakeEcs(), logs=NoLogs())
    return rc, out.getvalue(), err.getvalue(), time.monotonic() - t0


def create_pool(name: str) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=name, type="ecs"))


def heartbeat(pool: str, worker: str) -> None:
    """What the worker's REST fallback sends (``_send_rest_worker_heartbeat``)."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        client.send_worker_heartbeat(
            work_pool_name=pool, worker_name=worker, heartbeat_interval_seconds=30
        )


def later_heartbeat(api_url: str, pool: str, worker: str) -> None:
    with prefect_settings(api_url):
        heartbeat(pool, worker)


def test_ready_when_a_worker_is_online(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    with prefect_settings(prefect_server.api_url):
        create_pool(pool_name)
        heartbeat(pool_name, "ecs-worker-1")
        rc, out, err, _ = run_check(config(prefect_server, pool_name))
    assert (rc, err) == (EXIT_OK, "")
    line = json.loads(out)
    assert line["ready"] is True
    assert line["workers"] == ["ecs-worker-1"]
    assert line["service"]["runningCount"] == line["service"]["desiredCount"] == 1
    assert out.count("\n") == 1


def test_waits_for_a_worker_that_comes_online(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    with prefect_settings(prefect_server.api_url):
        create_pool(pool_name)
        # settings are a context variable: the thread needs its own
        later = threading.Timer(
            0.6, lambda: later_heartbeat(prefect_server.api_url, pool_name, "late-worker")
        )
        later.start()
        try:
            rc, out, _, took = run_check(config(prefect_server, pool_name))
        finally:
            later.join()
    assert rc == EXIT_OK
    assert json.loads(out)["workers"] == ["late-worker"]
    assert 0.6 <= took < 4
    assert json.loads(out)["seconds"] >= 0.5


def test_never_online_times_out_with_a_diagnosis(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    with prefect_settings(prefect_server.api_url):
        create_pool(pool_name)
        rc, out, err, took = run_check(config(prefect_server, pool_name, timeout_seconds=1.0))
    assert (rc, out) == (EXIT_NOT_DONE, "")
    assert 1.0 <= took < 4, took
    assert "NOT READY within 1s (PREFECT_ECS_TIMEOUT_SECONDS)" in err
    assert f"no worker of pool {pool_name!r} is ONLINE" in err
    assert "exists, type ecs, not paused" in err
    assert "no workers have ever sent a heartbeat" in err
    # one task runs and no worker is online: the worker cannot reach the API
    checklist = err.split("Checklist")[1]
    assert "cannot reach the Prefect API" in checklist


def test_missing_pool_is_diagnosed(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    with prefect_settings(prefect_server.api_url):
        rc, _, err, _ = run_check(config(prefect_server, pool_name, timeout_seconds=0.3))
    assert rc == EXIT_NOT_DONE
    assert "  does not exist" in err
    assert "createWorkPool" in err.split("Checklist")[1]


def test_desired_zero_needs_no_worker(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    with prefect_settings(prefect_server.api_url):
        rc, out, err, _ = run_check(
            config(prefect_server, pool_name), ecs=FakeEcs(desired=0, running=0)
        )
    assert rc == EXIT_OK
    assert json.loads(out)["workers"] == []
    assert "desiredCount is 0" in json.loads(out)["note"]
    assert "desiredCount is 0, workers not required" in err


def test_wrong_credential_is_diagnosed_and_never_shown(
    prefect_auth_server: PrefectServerHandle, pool_name: str, tmp_path: Path
) -> None:
    """As the Command runs it: a process with a clean environment; AWS unreachable too,
    which the diagnosis notes and goes on."""
    assert prefect_auth_server.auth_string
    password = f"wrong-{secrets.token_hex(12)}"
    wrong = f"admin:{password}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": prefect_auth_server.api_url,
        "PREFECT_API_AUTH_STRING": wrong,
        "PREFECT_ECS_CLUSTER": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
        "PREFECT_ECS_SERVICE": "svc",
        "PREFECT_ECS_WORK_POOL": pool_name,
        "PREFECT_ECS_WORKER_LOG_GROUP": "/lg",
        "PREFECT_ECS_TIMEOUT_SECONDS": "20",
        "PREFECT_ECS_POLL_SECONDS": "1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{find_free_port()}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_MAX_ATTEMPTS": "1",
    }
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "prefect_ecs.ops.readiness"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.monotonic() - t0
    assert proc.returncode == EXIT_NOT_DONE, proc.stderr
    assert proc.stdout == ""
    # final at once: a refused credential does not wait for the 20 s bound
    assert took < 15, took
    assert "the Prefect API refused the credential (HTTP 401" in proc.stderr
    assert "refused the credential this check was given (PREFECT_API_AUTH_STRING)" in proc.stderr
    # the AWS reads failed and were noted
    assert re.search(r"ECS service 'svc' in .*\n  could not read it: ", proc.stderr)
    for text in (wrong, password, prefect_auth_server.auth_string):
        assert text not in proc.stdout + proc.stderr
