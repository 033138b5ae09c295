"""Start a throwaway local Prefect server (tests, benchmarks, offline rehearsal).

``start_prefect_server()`` runs ``prefect server start`` from the current interpreter's
environment with a temporary ``PREFECT_HOME`` (fresh SQLite database), analytics and UI
off, and an environment cleaned of every ``PREFECT_*`` variable of the calling process,
so a developer's profile or ``PREFECT_API_URL`` never leaks into it. It waits for
``/api/health`` and returns a handle that stops the server by its PID.

Importing this module has no side effects.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

__all__ = ["PrefectServerHandle", "find_free_port", "start_prefect_server"]


def find_free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _prefect_executable() -> Path:
    return Path(sys.executable).parent / "prefect"


@dataclass
class PrefectServerHandle:
    """A running local Prefect server; use as a context manager or call ``stop()``."""

    api_url: str
    pid: int
    port: int
    home: Path
    log_path: Path
    auth_string: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _owns_home: bool = field(default=True, repr=False)

    @property
    def health_url(self) -> str:
        """The unauthenticated health endpoint."""
        return f"{self.api_url}/health"

    def is_running(self) -> bool:
        """True while the server process has not exited."""
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        """Last ``chars`` characters of the server log (for error messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server: SIGTERM to its process group, SIGKILL after ``timeout`` s."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                proc.wait(timeout=timeout)
        # Children left in the group (if any) go too.
        _signal_group(self.pid, signal.SIGKILL)
        if self._owns_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> PrefectServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    # The server runs in its own session (start_new_session=True), so its process
    # group id is its pid: this only reaches processes this module started.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def server_env(
    home: Path, auth_string: str | None = None, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment a local server runs with: parent env minus every PREFECT_* var."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_SERVER_LOGGING_LEVEL="WARNING",
    )
    if auth_string is not None:
        env["PREFECT_SERVER_API_AUTH_STRING"] = auth_string
    if extra_env:
        env.update(extra_env)
    return env


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1.0) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_prefect_server(
    auth_string: str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    home: str | Path | None = None,
    startup_timeout: float = 90.0,
    extra_env: dict[str, str] | None = None,
) -> PrefectServerHandle:
    """Start ``prefect server start`` and wait until ``/api/health`` answers.

    ``auth_string`` (``user:pass``) turns on the server's basic auth
    (``PREFECT_SERVER_API_AUTH_STRING``); pass ``"random"`` to generate
    ``admin:<random>``. ``home`` defaults to a new temporary directory that ``stop()``
    removes. Raises ``RuntimeError`` with the server log tail if it does not come up.
    """
    if auth_string == "random":
        auth_string = f"admin:{secrets.token_urlsafe(16)}"
    owns_home = home is None
    home_path = Path(tempfile.mkdtemp(prefix="prefect-home-")) if home is None else Path(home)
    home_path.mkdir(parents=True, exist_ok=True)
    port = port or find_free_port(host)
    log_path = home_path / "server.log"
    log_file = log_path.open("wb")
    cmd = [str(_prefect_executable()), "server", "start", "--host", host, "--port", str(port)]
    try:
        proc = subprocess.Popen(
            cmd,
            env=server_env(home_path, auth_string, extra_env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=str(home_path),
            start_new_session=True,
        )
    finally:
        log_file.close()
    handle = PrefectServerHandle(
        api_url=f"http://{host}:{port}/api",
        pid=proc.pid,
        port=port,
        home=home_path,
        log_path=log_path,
        auth_string=auth_string,
        process=proc,
        _owns_home=owns_home,
    )
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = handle.log_tail()
            handle.stop()
            raise RuntimeError(
                f"prefect server exited with code {proc.returncode} before becoming "
                f"healthy:\n{tail}"
            )
        if _healthy(handle.health_url):
            return handle
        time.sleep(0.2)
    tail = handle.log_tail()
    handle.stop()
    raise RuntimeError(
        f"prefect server on port {port} not healthy after {startup_timeout} s:\n{tail}"
    )
