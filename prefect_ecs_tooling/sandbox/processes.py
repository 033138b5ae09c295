"""The worker process the rehearsal starts and how it stops it: the real ECS worker,
long-lived, with the stack's own command and environment (from its task definition),
against the local server and, through the counting proxy, moto.

The container's ``--with-healthcheck`` stays: its endpoint listens on a free local port
(``PREFECT_WORKER_WEBSERVER_PORT``) and tells the rehearsal the worker is up. A worker
still running when its block ends (done, failed, Ctrl-C) is stopped, its whole process
group, by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..local_prefect import find_free_port
from ..plan import PLACEHOLDER_SECRET
from .interrupts import deferred_interrupts
from .report import RehearsalError

__all__ = [
    "QUERY_SECONDS",
    "Worker",
    "local_worker_command",
    "running_worker",
    "worker_env",
]

#: How often the rehearsal's worker polls its pool (the default is 10 s).
QUERY_SECONDS = "1"
#: The stack's container environment entries the rehearsal replaces (the local server).
_LOCAL = ("PREFECT_API_URL",)


def worker_env(
    api_url: str,
    endpoint_url: str,
    region: str,
    home: Path,
    container_env: list[dict[str, str]] | None = None,
    container_secrets: dict[str, str] | None = None,
) -> dict[str, str]:
    """The worker's environment: the stack's container environment (``container_env``,
    the ``environment`` of its task definition), its secrets as ECS injects them
    (``container_secrets``: name -> the value read from the secret its ``valueFrom``
    names), the local server, moto (through the proxy at ``endpoint_url``), a short poll
    interval, and nothing of the caller's own PREFECT_* or AWS_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_"))}
    env.update({e["name"]: e["value"] for e in container_env or [] if e["name"] not in _LOCAL})
    # The worker task gets its credential (PREFECT_API_KEY or PREFECT_API_AUTH_STRING)
    # from the stack's secret. Without one, a placeholder key: the local server without
    # auth ignores it, and prefect-aws 0.7.12 raises KeyError when the pool sets
    # prefect_api_key_secret_arn and the worker has no PREFECT_API_KEY.
    env.update(container_secrets or {"PREFECT_API_KEY": PLACEHOLDER_SECRET})
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_WORKER_QUERY_SECONDS=QUERY_SECONDS,
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
    )
    return env


def local_worker_command(stack_command: list[str], pool: str) -> list[str]:
    """The stack's own worker command (from its task definition) as the rehearsal runs
    it: this venv's ``prefect`` and the given pool; everything else as the container has
    it (``--with-healthcheck`` included)."""
    cmd = [str(Path(sys.executable).parent / "prefect"), *stack_command[1:]]
    cmd[cmd.index("--pool") + 1] = pool
    return cmd


class Worker:
    """One long-lived worker process (output to ``log``); its health endpoint on
    ``port``."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path):
        self.port = find_free_port()
        self.cmd = cmd
        self.env = {
            **env,
            "PREFECT_WORKER_WEBSERVER_HOST": "127.0.0.1",
            "PREFECT_WORKER_WEBSERVER_PORT": str(self.port),
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> Worker:
        with deferred_interrupts(), self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started = time.monotonic()
        return self

    def tail(self, chars: int = 3000) -> str:
        """The end of the worker's log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def healthy(self) -> bool:
        """``GET /health`` answers 200."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"http://127.0.0.1:{self.port}/health", timeout=2) as resp:
                return int(resp.status) == 200
        except OSError:
            return False

    def wait_for(
        self, step_name: str, what: str, condition: Callable[[], Any], timeout: float
    ) -> Any:
        """Poll ``condition`` until it returns something truthy (returned); fail
        ``step_name`` with the log tail if the worker exits or ``timeout`` s pass."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if self.proc is not None and self.proc.poll() is not None:
                raise RehearsalError(
                    step_name,
                    f"the worker exited ({self.proc.returncode}) before {what}:\n{self.tail()}",
                )
            if time.monotonic() > deadline:
                raise RehearsalError(
                    step_name, f"no {what} after {timeout:g} s; worker log tail:\n{self.tail()}"
                )
            time.sleep(0.1)

    def stop(self) -> float:
        """Stop the worker (SIGINT, then SIGTERM: the observer long-polls SQS, then
        SIGKILL), its whole process group; returns how long it took."""
        t0 = time.monotonic()
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return 0.0
        for sig, grace in ((signal.SIGINT, 3), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever else is left in the group
        return time.monotonic() - t0


@contextlib.contextmanager
def running_worker(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[Worker]:
    """A started :class:`Worker`, stopped when the block ends however it ends."""
    worker = Worker(cmd, env, log)
    try:
        yield worker.start()
    finally:
        worker.stop()
