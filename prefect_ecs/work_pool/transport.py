"""How the work pool provider reaches the Prefect API: where, with what, and how long.

:class:`Connection` holds the URL and credentials (from resource inputs only);
``_RetryingTransport`` is an httpx transport that retries connection failures and
429/502/503/504 with capped exponential backoff (honouring ``Retry-After``) until one
time budget per operation is spent, then raises :class:`PrefectApiUnavailable`. Why the
Prefect client's own retries are not used: see ``client.py``. :func:`count_requests`
records every attempt (benchmarks and tests).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

__all__ = [
    "DEFAULT_REQUEST_TIMEOUT_SECONDS",
    "DEFAULT_RETRY_BUDGET_SECONDS",
    "TRANSIENT_STATUS_CODES",
    "Connection",
    "PrefectApiError",
    "PrefectApiUnavailable",
    "PrefectAuthError",
    "count_requests",
]

#: Default time budget for retrying transient failures of one API call.
DEFAULT_RETRY_BUDGET_SECONDS = 30.0
#: Default per-request timeout (connect/read/write/pool).
DEFAULT_REQUEST_TIMEOUT_SECONDS = 10.0
#: Statuses retried within the budget (besides connection failures).
TRANSIENT_STATUS_CODES = frozenset({429, 502, 503, 504})

_MAX_BACKOFF_SECONDS = 4.0
_FIRST_BACKOFF_SECONDS = 0.25


class PrefectApiError(RuntimeError):
    """A Prefect API call failed; the message is safe to show (no credentials)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class PrefectAuthError(PrefectApiError):
    """The API rejected the credentials (401/403)."""


class PrefectApiUnavailable(PrefectApiError):
    """The API stayed unreachable or overloaded for the whole retry budget."""


# --- request counting (benchmarks, tests) ------------------------------------------

_observers: list[Callable[[httpx.Request, str], None]] = []
_observers_lock = threading.Lock()


@contextlib.contextmanager
def count_requests() -> Iterator[list[str]]:
    """Record ``"METHOD path"`` of every HTTP request sent while the block runs.

    Every attempt counts; a retried attempt is suffixed with ``" (retry: <reason>)"``.
    """
    seen: list[str] = []

    def observe(request: httpx.Request, note: str) -> None:
        line = f"{request.method} {request.url.raw_path.decode()}"
        seen.append(f"{line} (retry: {note})" if note else line)

    with _observers_lock:
        _observers.append(observe)
    try:
        yield seen
    finally:
        with _observers_lock:
            _observers.remove(observe)


def _notify(request: httpx.Request, note: str = "") -> None:
    for observer in list(_observers):
        observer(request, note)


# --- connection settings ------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    """Where and how to reach the Prefect API (from resource inputs only)."""

    api_url: str
    api_key: str | None = field(default=None, repr=False)
    auth_string: str | None = field(default=None, repr=False)
    retry_budget_seconds: float = DEFAULT_RETRY_BUDGET_SECONDS
    request_timeout_seconds: float = DEFAULT_REQUEST_TIMEOUT_SECONDS

    @property
    def base_url(self) -> str:
        """The API URL without a trailing slash."""
        return self.api_url.rstrip("/")

    @property
    def auth_mode(self) -> str:
        """Human-readable auth mode, never the credential itself."""
        if self.auth_string:
            return "auth string (HTTP Basic, auth_string input)"
        if self.api_key:
            return "API key (Bearer, api_key input)"
        return "no credentials"


# --- transport with a bounded retry budget ---------------------------------------------


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
# For a non-idempotent request (POST) only these statuses are retried: the server
# refused it before doing anything. A 502/504 may come after the server acted.
_SAFE_TO_REPEAT_STATUSES = frozenset({429, 503})


class _RetryingTransport(httpx.BaseTransport):
    """Retry connection failures and transient statuses until a time budget is spent."""

    def __init__(self, inner: httpx.BaseTransport, conn: Connection) -> None:
        self._inner = inner
        self._conn = conn

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        budget = self._conn.retry_budget_seconds
        deadline = time.monotonic() + budget
        attempt = 0
        last = ""
        while True:
            attempt += 1
            _notify(request, last if attempt > 1 else "")
            wait: float | None = None
            try:
                response = self._inner.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                last = f"{type(exc).__name__}: {exc}"
            except (
                httpx.ReadTimeout,
                httpx.ReadError,
                httpx.WriteError,
                httpx.RemoteProtocolError,
            ) as exc:
                if request.method not in _IDEMPOTENT:
                    raise
                last = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status not in TRANSIENT_STATUS_CODES:
                    return response
                response.read()
                response.close()
                if request.method not in _IDEMPOTENT and status not in _SAFE_TO_REPEAT_STATUSES:
                    raise PrefectApiError(
                        f"Prefect API at {self._conn.base_url} answered HTTP {status} to "
                        f"{request.method} {request.url.path}; not repeated because the "
                        "server may have acted on it. Run the operation again (a pool that "
                        "was created meanwhile needs adopt_existing=True).",
                        status,
                    )
                last = f"HTTP {status}"
                wait = _retry_after_seconds(response)
            remaining = deadline - time.monotonic()
            # Exponential backoff; a Retry-After header can lengthen it, never shorten it
            # (a "Retry-After: 0" must not turn into a hot loop).
            backoff = min(_MAX_BACKOFF_SECONDS, _FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1))
            wait = backoff if wait is None else max(wait, backoff)
            if remaining <= 0:
                raise PrefectApiUnavailable(
                    f"Prefect API at {self._conn.base_url} did not answer "
                    f"{request.method} {request.url.path} after {attempt} attempt(s) "
                    f"over {budget:g} s (last error: {last}). Is the server running and "
                    "is api_url right?"
                )
            time.sleep(min(wait, remaining))

    def close(self) -> None:
        self._inner.close()
