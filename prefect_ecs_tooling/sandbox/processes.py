"""The processes the rehearsal starts and how it stops them: the real ECS worker
(``prefect worker start --run-once``, against the local server and, through the
counting proxy, moto); a worker still running when the step ends (timeout, Ctrl-C) is
stopped, its whole process group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from ..plan import PLACEHOLDER_SECRET
from .counting import CountingProxy
from .report import RehearsalError, RehearsalReport, step

__all__ = [
    "local_worker_command",
    "run_worker",
    "worker_env",
    "worker_run",
]


def worker_env(api_url: str, endpoint_url: str, region: str, home: Path) -> dict[str, str]:
    """The worker's environment: the local server, moto (through the proxy at
    ``endpoint_url``) and nothing of the caller's own PREFECT_* or AWS_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        # The worker task gets PREFECT_API_KEY from the stack's secret; the local server
        # ignores it. The pool sets prefect_api_key_secret_arn, and prefect-aws 0.7.12
        # raises KeyError when that is set and the worker has no PREFECT_API_KEY.
        PREFECT_API_KEY=PLACEHOLDER_SECRET,
        PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_ENABLED="false",
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
    )
    return env


def local_worker_command(stack_command: list[str], pool: str) -> list[str]:
    """The stack's own worker command (from its task definition) as the rehearsal runs
    it: this venv's ``prefect``, the given pool, and ``--run-once`` (poll once, then exit)
    instead of the container's health endpoint."""
    cmd = [str(Path(sys.executable).parent / "prefect"), *stack_command[1:]]
    cmd[cmd.index("--pool") + 1] = pool
    return ["--run-once" if arg == "--with-healthcheck" else arg for arg in cmd]


def run_worker(cmd: list[str], env: dict[str, str], log: Path, timeout: float) -> int:
    """Run the ECS worker command ``cmd`` (output to ``log``); its exit code. A worker
    still running after ``timeout`` s is stopped and the step fails."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RehearsalError(
            "worker", f"no exit after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}"
        ) from None
    finally:
        if proc.poll() is None:
            # Two signals: the worker shuts down gracefully on the first.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue


def worker_run(
    report: RehearsalReport,
    step_name: str,
    cmd: list[str],
    env: dict[str, str],
    log: Path,
    timeout: float,
    proxy: CountingProxy,
    label: str,
) -> None:
    """One timed run of the worker command ``cmd`` (step ``step_name``); its AWS calls go
    to ``report.calls[label]``."""
    with step(report, step_name):
        proxy.take()  # only this run's calls
        code = run_worker(cmd, env, log, timeout)
        if code != 0:
            raise RehearsalError(
                step_name, f"exit code {code}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        report.calls[label], report.call_errors[label] = proxy.take()
