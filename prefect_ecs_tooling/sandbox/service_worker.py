"""The stack's worker, started when the deploy creates its ECS service, as ECS would.

moto records a service but runs nothing (its running count stays 0 and its deployment
IN_PROGRESS). When the emulator creates the stack's service, the rehearsal starts the
real worker with the command and environment of the stack's task definition, and once
the worker's health endpoint answers it marks the service's task running in moto's
in-process backend, the way ECS reports a task that passed its health check. The deploy
goes on meanwhile: the stack's readiness gate (a local command) then sees the service
turn stable and the worker come ONLINE, as it would on AWS.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..aws_types import MOTO_ACCOUNT_ID, Created
from .counting import CountingProxy
from .phases import WorkerPhases
from .processes import Worker, local_worker_command, worker_env
from .report import RehearsalError, RehearsalReport

__all__ = ["ServiceWorker", "mark_service_running"]

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"


def mark_service_running(region: str, cluster: str, service: str) -> None:
    """Report ``service``'s desired tasks as running and its deployment COMPLETED in
    moto's in-process ECS backend (what ECS does once the tasks are healthy)."""
    from moto.backends import get_backend

    backend = get_backend("ecs")[MOTO_ACCOUNT_ID][region]
    svc = backend._get_service(cluster, service)
    svc.running_count, svc.pending_count = svc.desired_count, 0
    for deployment in svc.deployments:
        deployment.update(runningCount=svc.desired_count, pendingCount=0, rolloutState="COMPLETED")


class ServiceWorker:
    """``MotoAws.after_create`` hook: remembers the stack's worker container, starts the
    worker when the service is created; ``worker``/``phases`` then hold it."""

    def __init__(
        self,
        report: RehearsalReport,
        proxy: CountingProxy,
        api_url: str,
        region: str,
        home: Path,
        timeout: float,
        template: str,
        secret_value: Callable[[str], str] | None = None,
    ):
        self.report, self.proxy, self.api_url = report, proxy, api_url
        #: Reads a secret's value by ARN (what ECS does for the container's ``secrets``).
        self.secret_value = secret_value
        self.region, self.home, self.timeout, self.template = region, home, timeout, template
        self.container: dict[str, Any] | None = None
        self.env: dict[str, str] = {}
        self.worker: Worker | None = None
        self.phases: WorkerPhases | None = None
        self.service_running_after: float | None = None
        #: Wall-clock time the deploy started (the rehearsal sets it).
        self.deploy_started: float | None = None

    def __call__(self, item: Created) -> None:
        if item.type == TASK_DEFINITION:
            self.container = json.loads(item.props["containerDefinitions"])[0]
        elif item.type == SERVICE and self.container is not None and self.worker is None:
            self._start(str(item.props["cluster"]), str(item.outs["name"]))

    def _start(self, cluster: str, service: str) -> None:
        assert self.container is not None
        command = self.container["command"]
        pool = command[command.index("--pool") + 1]
        env = worker_env(
            self.api_url,
            self.proxy.endpoint_url,
            self.region,
            self.home,
            self.container.get("environment"),
            self._secrets(),
        )
        self.env = env
        worker = Worker(local_worker_command(command, pool), env, self.home / "worker.log")
        # Counting starts before the process does: its start-up calls are its own phase.
        self.phases = WorkerPhases(
            self.report, self.proxy, worker, self.template, self.api_url, self.timeout
        )
        self.worker = worker.start()
        threading.Thread(target=self._report_running, args=(cluster, service), daemon=True).start()

    def _secrets(self) -> dict[str, str]:
        """The container's ``secrets``, resolved as ECS injects them at task start."""
        assert self.container is not None
        entries = self.container.get("secrets") or []
        if self.secret_value is None:
            return {}
        return {e["name"]: self.secret_value(e["valueFrom"]) for e in entries}

    def _report_running(self, cluster: str, service: str) -> None:
        worker = self.worker
        assert worker is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if worker.proc is not None and worker.proc.poll() is not None:
                return  # exited: the service never becomes stable (the gate says why)
            if worker.healthy():
                mark_service_running(self.region, cluster, service)
                self.service_running_after = time.monotonic() - worker.started
                return
            time.sleep(0.1)

    def started(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The worker container (command, environment) and the worker's local
        environment; a failed step if the deploy created no service to start."""
        if self.container is None or self.worker is None:
            raise RehearsalError("worker-start", "the deploy created no ECS service to start")
        return self.container, self.env

    def stop(self) -> float:
        """Stop the worker (if it started); how long that took."""
        return self.worker.stop() if self.worker is not None else 0.0
