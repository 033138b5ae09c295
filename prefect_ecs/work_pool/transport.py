"""How the work pool provider reaches the Prefect API: where, with what, and how long.

:class:`Connection` holds the URL and credentials (from resource inputs only) and the
operation's deadline; ``_RetryingTransport`` is an httpx transport that retries connection
failures and 429/502/503/504 with capped exponential backoff (honouring ``Retry-After``)
until that deadline, then raises :class:`PrefectApiUnavailable`. Why the Prefect client's
own retries are not used: see ``client.py``. :func:`count_requests` records every attempt
(benchmarks and tests).

The budget is a hard deadline for the whole operation (a create, read, update or
delete with all its requests), not per request: httpx's timeouts apply to each socket
operation, so a server that sends one byte a second would never time out.
:func:`deadline_transport` builds an httpx transport whose every connect, TLS handshake,
read and write is capped by the time left and fails once it is spent, so no request can
outlive the operation's deadline, whatever the server does.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpcore
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
    "deadline_transport",
]

#: Default time budget of one provider operation (create, read, update or delete, with all
#: its requests and retries): a hard deadline.
DEFAULT_RETRY_BUDGET_SECONDS = 30.0
#: Default per-request timeout (connect/read/write/pool), capped by the time left.
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
    """The API stayed unreachable, overloaded or too slow for the whole time budget."""


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
    #: ``time.monotonic()`` value after which no request may run; None: the budget
    #: counts from the first request (the provider sets it when the operation starts).
    deadline: float | None = None

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
# Prefect's read-only queries are POSTs (a filter in the body): ".../filter", ".../count".
_READ_ONLY_POST_SUFFIXES = ("/filter", "/count")


def _is_idempotent(request: httpx.Request) -> bool:
    """Whether repeating ``request`` can't do anything twice (reads and read-only POSTs)."""
    if request.method in _IDEMPOTENT:
        return True
    return request.method == "POST" and request.url.path.rstrip("/").endswith(
        _READ_ONLY_POST_SUFFIXES
    )


# --- a hard deadline for every socket operation ---------------------------------------------


class _DeadlineClock:
    """The time left before a deadline; raises ``error`` once it is spent."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def cap(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise error("the operation's time budget is spent")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, clock: _DeadlineClock) -> None:
        self._inner = inner
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clock.cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clock.cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, self._clock.cap(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner, self._clock)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with every operation capped by a deadline."""

    def __init__(self, clock: _DeadlineClock) -> None:
        self._inner = httpcore.SyncBackend()
        self._clock = clock

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host,
            port,
            self._clock.cap(timeout, httpcore.ConnectTimeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _DeadlineStream(stream, self._clock)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - the provider never uses a socket file
        stream = self._inner.connect_unix_socket(
            path, self._clock.cap(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream, self._clock)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(ssl_context: ssl.SSLContext, deadline: float) -> httpx.HTTPTransport:
    """An HTTP/1.1 httpx transport (no proxy) whose sockets give up at ``deadline``.

    httpx's transport takes no network backend, so its connection pool is replaced by
    the same pool httpx would build (its default limits) with the deadline backend.
    """
    transport = httpx.HTTPTransport(verify=ssl_context, http2=False)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=False,
        network_backend=_DeadlineBackend(_DeadlineClock(deadline)),
    )
    return transport


class _RetryingTransport(httpx.BaseTransport):
    """Retry connection failures and transient statuses until the deadline.

    The deadline is the connection's (one per provider operation), else the budget from
    the first request. Each attempt's timeouts are capped by the time left; the inner
    transport (:func:`deadline_transport`) also caps every socket operation, so a body
    that trickles in a byte at a time ends at the deadline too.
    """

    def __init__(self, inner: httpx.BaseTransport, conn: Connection) -> None:
        self._inner = inner
        self._conn = conn

    def _unavailable(
        self, request: httpx.Request, attempt: int, last: str
    ) -> PrefectApiUnavailable:
        budget = self._conn.retry_budget_seconds
        return PrefectApiUnavailable(
            f"Prefect API at {self._conn.base_url} did not answer "
            f"{request.method} {request.url.path} after {attempt} attempt(s) "
            f"within the operation's {budget:g} s budget (last error: {last}). Is the "
            "server running, answering in time, and is api_url right?"
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = self._conn.deadline
        if deadline is None:
            deadline = time.monotonic() + self._conn.retry_budget_seconds
        idempotent = _is_idempotent(request)
        requested = dict(request.extensions.get("timeout") or {})
        attempt = 0
        last = ""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._unavailable(request, attempt, last or "no time left")
            attempt += 1
            _notify(request, last if attempt > 1 else "")
            request.extensions["timeout"] = {
                key: remaining if requested.get(key) is None else min(requested[key], remaining)
                for key in ("connect", "read", "write", "pool")
            }
            wait: float | None = None
            try:
                response = self._inner.handle_request(request)
                # Read the (small, JSON) body here, under the deadline and the retries: a
                # body that never ends fails as a timeout of this attempt.
                try:
                    response.read()
                except BaseException:
                    response.close()
                    raise
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                last = f"{type(exc).__name__}: {exc}"
            except (
                httpx.ReadTimeout,
                httpx.WriteTimeout,
                httpx.ReadError,
                httpx.WriteError,
                httpx.RemoteProtocolError,
            ) as exc:
                last = f"{type(exc).__name__}: {exc}"
                if not idempotent:
                    if deadline - time.monotonic() <= 0:
                        raise self._unavailable(
                            request, attempt, f"{last}; not repeated: the server may have acted"
                        ) from None
                    raise

            else:
                status = response.status_code
                if status not in TRANSIENT_STATUS_CODES:
                    return response
                response.close()
                if not idempotent and status not in _SAFE_TO_REPEAT_STATUSES:
                    raise PrefectApiError(
                        f"Prefect API at {self._conn.base_url} answered HTTP {status} to "
                        f"{request.method} {request.url.path}; not repeated because the "
                        "server may have acted on it. Run the operation again (a pool this "
                        "resource created meanwhile is taken back by the next create).",
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
                raise self._unavailable(request, attempt, last)
            time.sleep(min(wait, remaining))

    def close(self) -> None:
        self._inner.close()
