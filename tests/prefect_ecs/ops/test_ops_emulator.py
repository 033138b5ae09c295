"""readiness and drain against moto (ECS, CloudWatch Logs) and a real local Prefect server,
run as the Command runs them: ``python -m prefect_ecs.ops.<name>`` with a clean environment.

moto creates a service with runningCount 0 and one IN_PROGRESS deployment and never
starts its tasks, so a stable service is made through moto's in-process backend (the
threaded server shares this process's state), and so are a service's events and a
stopped task's stop code and container exit code and reason.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from prefect_ecs.ops._common import EXIT_NOT_DONE, EXIT_OK, OpsConfig, Output
from prefect_ecs.ops.drain import POOL_LEFT, WORK_POOL_TAG, drain
from prefect_ecs.ops.readiness import check
from prefect_ecs_tooling.local_prefect import PrefectServerHandle
from prefect_ecs_tooling.sandbox.emulator import MotoServer
from prefect_ecs_tooling.sandbox.service_worker import mark_service_running

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
FAKE_CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def aws_env(moto: MotoServer) -> dict[str, str]:
    return {"AWS_REGION": REGION, "AWS_ENDPOINT_URL": moto.endpoint_url, **FAKE_CREDS}


@pytest.fixture
def aws(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """The SDK's environment pointed at moto, for in-process runs."""
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in aws_env(moto).items():
        monkeypatch.setenv(key, value)
    yield moto


def client(moto: MotoServer, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto.endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def ecs_backend(moto: MotoServer) -> Any:
    from moto.backends import get_backend

    account = client(moto, "sts").get_caller_identity()["Account"]
    return get_backend("ecs")[account][REGION]


class World:
    """A cluster with a worker service (desiredCount 1) and a task definition."""

    def __init__(self, moto: MotoServer) -> None:
        self.moto = moto
        self.ecs = client(moto, "ecs")
        suffix = uuid.uuid4().hex[:8]
        self.cluster_name = f"c-{suffix}"
        self.cluster = self.ecs.create_cluster(clusterName=self.cluster_name)["cluster"][
            "clusterArn"
        ]
        self.task_def = self.ecs.register_task_definition(
            family=f"worker-{suffix}",
            containerDefinitions=[
                {"name": "worker", "image": "prefecthq/prefect-aws", "memory": 512}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        self.service_name = f"svc-{suffix}"
        self.ecs.create_service(
            cluster=self.cluster,
            serviceName=self.service_name,
            taskDefinition=self.task_def,
            desiredCount=1,
            launchType="FARGATE",
        )
        self.log_group = f"/prefect-ecs/{suffix}/worker"

    def backend_service(self) -> Any:
        for svc in ecs_backend(self.moto).services.values():
            if svc.name == self.service_name and svc.cluster_name == self.cluster_name:
                return svc
        raise AssertionError("service not in moto's backend")

    def make_stable(self) -> None:
        mark_service_running(REGION, self.cluster, self.service_name)

    def run_task(self, tags: dict[str, str], group: str | None = None) -> str:
        kwargs: dict[str, Any] = {"group": group} if group else {}
        return str(
            self.ecs.run_task(
                cluster=self.cluster,
                taskDefinition=self.task_def,
                launchType="FARGATE",
                tags=[{"key": k, "value": v} for k, v in tags.items()],
                **kwargs,
            )["tasks"][0]["taskArn"]
        )

    def status(self, arns: list[str]) -> dict[str, tuple[str, str]]:
        tasks = self.ecs.describe_tasks(cluster=self.cluster, tasks=arns)["tasks"]
        return {t["taskArn"]: (t["lastStatus"], t.get("stoppedReason", "")) for t in tasks}


def prefect_env(server: PrefectServerHandle) -> dict[str, str]:
    env = {"PREFECT_API_URL": server.api_url}
    if server.auth_string:
        env["PREFECT_API_AUTH_STRING"] = server.auth_string
    return env


def run_op(
    module: str, env: dict[str, str], tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``python -m prefect_ecs.ops.<module>`` with only PATH, a HOME and ``env``."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", f"prefect_ecs.ops.{module}", *args],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def prefect_client(server: PrefectServerHandle) -> Any:
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(server.api_url, auth_string=server.auth_string)


def create_pool(server: PrefectServerHandle, name: str, *, worker: str | None = None) -> None:
    from prefect.client.schemas.actions import WorkPoolCreate

    with prefect_client(server) as c:
        c.create_work_pool(WorkPoolCreate(name=name, type="ecs"))
        if worker:
            # what the worker's REST heartbeat sends (BaseWorker.sync_with_backend)
            c.send_worker_heartbeat(
                work_pool_name=name, worker_name=worker, heartbeat_interval_seconds=30
            )


def pool_paused(server: PrefectServerHandle, name: str) -> bool:
    with prefect_client(server) as c:
        return bool(c.read_work_pool(name).is_paused)


# --- readiness ------------------------------------------------------------------------


def test_readiness_ready_as_a_command(
    moto: MotoServer, prefect_server: PrefectServerHandle, pool_name: str, tmp_path: Path
) -> None:
    world = World(moto)
    world.make_stable()
    create_pool(prefect_server, pool_name, worker="ecs-worker-abc")
    env = {
        **aws_env(moto),
        **prefect_env(prefect_server),
        "PREFECT_ECS_CLUSTER": world.cluster,
        "PREFECT_ECS_SERVICE": world.service_name,
        "PREFECT_ECS_WORK_POOL": pool_name,
        "PREFECT_ECS_WORKER_LOG_GROUP": world.log_group,
        "PREFECT_ECS_TIMEOUT_SECONDS": "20",
        "PREFECT_ECS_POLL_SECONDS": "0.5",
    }
    proc = run_op("readiness", env, tmp_path)
    assert (proc.returncode, proc.stderr) == (EXIT_OK, ""), proc.stderr
    line = json.loads(proc.stdout)
    assert line["ready"] is True
    assert line["workers"] == ["ecs-worker-abc"]
    assert line["service"] == {
        "desiredCount": 1,
        "runningCount": 1,
        "pendingCount": 0,
        "deployments": 1,
        "rolloutState": "COMPLETED",
    }
    assert line["seconds"] < 20


def test_readiness_missing_variable_exits_2(tmp_path: Path) -> None:
    proc = run_op("readiness", {"PREFECT_API_URL": "http://127.0.0.1:9/api"}, tmp_path)
    assert proc.returncode == 2
    assert "missing environment variables PREFECT_ECS_CLUSTER, PREFECT_ECS_SERVICE" in proc.stderr
    assert proc.stdout == ""


def test_readiness_never_stable_is_diagnosed(
    aws: MotoServer, prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    world = World(aws)
    # A worker task that could not pull its image, as ECS reports it.
    failed = world.run_task({}, group=f"service:{world.service_name}")
    world.ecs.stop_task(cluster=world.cluster, task=failed, reason="Task failed to start")
    backend = ecs_backend(aws)
    task = backend.tasks[world.cluster_name][failed]
    task.stop_code = "TaskFailedToStart"
    task.containers[0].exitCode = 1
    task.containers[0].reason = (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
        "failed to resolve ref docker.io/prefecthq/prefect-aws:nope"
    )
    world.backend_service().events = [
        {
            "id": "e1",
            "createdAt": datetime.now(UTC),
            "message": f"(service {world.service_name}) has started 1 tasks: (task x).",
        }
    ]
    logs = client(aws, "logs")
    logs.create_log_group(logGroupName=world.log_group)
    logs.create_log_stream(logGroupName=world.log_group, logStreamName="worker/worker/x")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=world.log_group,
        logStreamName="worker/worker/x",
        logEvents=[{"timestamp": now + i, "message": f"log line {i}"} for i in range(30)],
    )
    create_pool(prefect_server, pool_name)
    cfg = OpsConfig(
        api_url=prefect_server.api_url,
        cluster=world.cluster,
        service=world.service_name,
        work_pool=pool_name,
        log_group=world.log_group,
        timeout_seconds=1.0,
        poll_seconds=0.3,
    )
    out, err = io.StringIO(), io.StringIO()
    t0 = time.monotonic()
    with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
        rc = check(cfg, Output(stdout=out, stderr=err))
    took = time.monotonic() - t0
    text = err.getvalue()
    assert (rc, out.getvalue()) == (EXIT_NOT_DONE, ""), text
    assert took < 5, took
    assert "0 of 1 tasks running" in text
    assert "rolloutState IN_PROGRESS" in text
    assert f"(service {world.service_name}) has started 1 tasks" in text
    assert "stopCode TaskFailedToStart, stoppedReason 'Task failed to start'" in text
    assert "container worker: exitCode 1, reason 'CannotPullContainerError" in text
    assert "(stream worker/worker/x)" in text
    assert "  | log line 29" in text and "  | log line 10" in text
    assert "  | log line 9\n" not in text
    checklist = text.split("Checklist")[1]
    assert "image could not be pulled" in checklist
    assert "exited with code 1" in checklist


# --- drain ----------------------------------------------------------------------------


def test_drain_stops_only_the_pools_flow_run_tasks(
    moto: MotoServer,
    prefect_server: PrefectServerHandle,
    pool_name: str,
    tmp_path: Path,
) -> None:
    world = World(moto)
    ours = sorted(
        world.run_task({WORK_POOL_TAG: pool_name, "prefect.io/flow-run-id": str(uuid.uuid4())})
        for _ in range(2)
    )
    other = world.run_task({WORK_POOL_TAG: f"{pool_name}-other"})
    # the worker service's task: never stopped, whatever its tags
    worker = world.run_task({WORK_POOL_TAG: pool_name}, group=f"service:{world.service_name}")
    create_pool(prefect_server, pool_name)
    env = {
        **aws_env(moto),
        **prefect_env(prefect_server),
        "PREFECT_ECS_CLUSTER": world.cluster,
        "PREFECT_ECS_WORK_POOL": pool_name,
        "PREFECT_ECS_TIMEOUT_SECONDS": "20",
        "PREFECT_ECS_POLL_SECONDS": "0.5",
    }
    everything = [*ours, other, worker]

    dry = run_op("drain", env, tmp_path, "--dry-run")
    assert dry.returncode == EXIT_OK, dry.stderr
    line = json.loads(dry.stdout)
    assert (line["dry_run"], line["cluster"], line["pool"]) == (True, "present", "would pause")
    assert line["would_stop"] == ours
    assert {s for s, _ in world.status(everything).values()} == {"RUNNING"}
    assert not pool_paused(prefect_server, pool_name)

    first = run_op("drain", env, tmp_path)
    assert (first.returncode, first.stderr) == (EXIT_OK, ""), first.stderr
    line = json.loads(first.stdout)
    assert (line["dry_run"], line["pool"]) == (False, "paused")
    assert line["stopped"] == ours
    status = world.status(everything)
    for arn in ours:
        assert status[arn][0] == "STOPPED"
        assert status[arn][1].startswith("prefect-ecs drain:")
    assert status[other][0] == status[worker][0] == "RUNNING"
    assert pool_paused(prefect_server, pool_name)

    second = run_op("drain", env, tmp_path)
    assert second.returncode == EXIT_OK, second.stderr
    assert json.loads(second.stdout)["stopped"] == []
    assert world.status([other, worker])[other][0] == "RUNNING"


def test_drain_never_pauses_a_pool_the_stack_does_not_own(
    moto: MotoServer,
    prefect_server: PrefectServerHandle,
    pool_name: str,
    tmp_path: Path,
) -> None:
    """createWorkPool off: the pool is someone else's (other workers may poll it, and it
    outlives the stack), so the drain stops the stack's worker service instead of
    pausing the pool, then stops the pool's flow-run tasks in the stack's cluster."""
    world = World(moto)
    ours = world.run_task({WORK_POOL_TAG: pool_name})
    create_pool(prefect_server, pool_name)
    env = {
        **aws_env(moto),
        **prefect_env(prefect_server),
        "PREFECT_ECS_CLUSTER": world.cluster,
        "PREFECT_ECS_WORK_POOL": pool_name,
        "PREFECT_ECS_SERVICE": world.service_name,
        "PREFECT_ECS_POOL_NOT_MANAGED": "1",
        "PREFECT_ECS_TIMEOUT_SECONDS": "20",
        "PREFECT_ECS_POLL_SECONDS": "0.5",
    }
    dry = run_op("drain", env, tmp_path, "--dry-run")
    assert dry.returncode == EXIT_OK, dry.stderr
    line = json.loads(dry.stdout)
    assert (line["pool"], line["worker"], line["would_stop"]) == (POOL_LEFT, "would stop", [ours])

    done = run_op("drain", env, tmp_path)
    assert (done.returncode, done.stderr) == (EXIT_OK, ""), done.stderr
    line = json.loads(done.stdout)
    assert (line["pool"], line["worker"], line["stopped"]) == (POOL_LEFT, "stopped", [ours])
    assert not pool_paused(prefect_server, pool_name)
    svc = world.ecs.describe_services(cluster=world.cluster, services=[world.service_name])
    assert svc["services"][0]["desiredCount"] == 0
    assert world.status([ours])[ours][0] == "STOPPED"

    without_service = {k: v for k, v in env.items() if k != "PREFECT_ECS_SERVICE"}
    refused = run_op("drain", without_service, tmp_path)
    assert refused.returncode == 2 and "PREFECT_ECS_SERVICE" in refused.stderr


def test_drain_of_a_gone_cluster_and_pool_succeeds(
    aws: MotoServer, prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    cfg = OpsConfig(
        api_url=prefect_server.api_url,
        cluster=f"arn:aws:ecs:{REGION}:123456789012:cluster/gone-{uuid.uuid4().hex[:8]}",
        work_pool=pool_name,
        timeout_seconds=5,
        poll_seconds=0.2,
    )
    out, err = io.StringIO(), io.StringIO()
    with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
        rc = drain(cfg, Output(stdout=out, stderr=err), dry_run=False)
    assert rc == EXIT_OK, err.getvalue()
    line = json.loads(out.getvalue())
    assert (line["cluster"], line["pool"], line["stopped"]) == ("absent", "absent", [])
    assert err.getvalue() == ""
