"""Talk to one Prefect API about one work pool, configured only from resource inputs.

The calls go through Prefect's own ``SyncPrefectClient`` (its work pool and work queue
methods, its Bearer/Basic header handling, its API-version header), constructed per
operation with an explicit ``api`` URL and explicit credentials, inside
``prefect.settings.temporary_settings`` that pins every client setting the constructor
would otherwise take from the profile or environment of the machine running Pulumi
(``PREFECT_API_*``, ``PREFECT_CLIENT_CUSTOM_HEADERS`` which may carry an
``Authorization`` header, retries, CSRF, TLS, HTTP/2, timeouts).

Two parts are deliberately not left to the Prefect client, for concrete reasons:

* Retries. ``PrefectHttpxSyncClient`` retries a fixed number of times
  (``PREFECT_CLIENT_MAX_RETRIES``, a global setting) with ``2**n`` s backoff (about 62 s
  with the default 5), does not retry "connection refused" until a first request has
  succeeded, does not retry 504, and still sleeps about 2 s after a retryable status even
  with ``PREFECT_CLIENT_MAX_RETRIES=0``. A provider needs one bounded time budget per
  operation, so the client's own retries are set to 0 and a small httpx transport
  (``transport._RetryingTransport``) retries connection failures and 429/502/503/504 with capped
  exponential backoff (honouring ``Retry-After``) until the operation's deadline, then raises
  a clear ``PrefectApiUnavailable`` that the Prefect layer does not retry again. The
  deadline also caps every socket operation (``transport.deadline_transport``).
* Path encoding. The client formats names into paths without percent-encoding them,
  so a pool or queue name containing ``?`` or ``#`` (the server accepts both) would
  address the wrong URL. Names are percent-encoded here before being handed to it.

CSRF: the client fetches a CSRF token before each mutating request when CSRF support is
on, one extra request, although servers have CSRF protection off by default. Here it
starts off and is switched on (and the request repeated) only when the server answers
403 "Missing CSRF token".

No client object is kept between operations, so the provider stays picklable.
Error messages name the URL and the auth mode, never a credential.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from .transport import (
    Connection,
    PrefectApiError,
    PrefectAuthError,
    _RetryingTransport,
    deadline_transport,
)

__all__ = ["WorkPoolApi", "load_prefect"]

T = TypeVar("T")


# --- the API wrapper --------------------------------------------------------------------


def _encode(name: str) -> str:
    return quote(name, safe="")


def _detail(exc: httpx.HTTPStatusError) -> str:
    try:
        body = exc.response.json()
    except ValueError:
        return exc.response.text[:500]
    if isinstance(body, dict):
        for key in ("detail", "exception_message"):
            if key in body:
                return str(body[key])[:1000]
    return str(body)[:1000]


_settings_cache: dict[tuple[int, bool], tuple[Any, Any]] = {}
_settings_lock = threading.Lock()


def _pinned_settings(ambient: Any, csrf: bool) -> Any:
    """The ambient Prefect settings with every client-relevant setting pinned.

    Building a Settings object costs about 45 ms, so the result is cached per
    ambient Settings object (a process-level cache, not part of the pickled provider).
    """
    key = (id(ambient), csrf)
    with _settings_lock:
        hit = _settings_cache.get(key)
        if hit is not None and hit[0] is ambient:
            return hit[1]
    from prefect.settings import (
        PREFECT_API_AUTH_STRING,
        PREFECT_API_KEY,
        PREFECT_API_URL,
        PREFECT_CLIENT_CSRF_SUPPORT_ENABLED,
        PREFECT_CLIENT_CUSTOM_HEADERS,
        PREFECT_CLIENT_MAX_RETRIES,
        PREFECT_CLIENT_RETRY_EXTRA_CODES,
        PREFECT_CLIENT_RETRY_JITTER_FACTOR,
    )

    pinned = ambient.copy_with_update(
        updates={
            PREFECT_CLIENT_MAX_RETRIES: 0,
            PREFECT_CLIENT_RETRY_JITTER_FACTOR: 0,
            PREFECT_CLIENT_CSRF_SUPPORT_ENABLED: csrf,
        },
        # Dict-valued updates are MERGED into the ambient value (measured), so an
        # empty update would keep env custom headers: restore the defaults instead.
        restore_defaults={
            PREFECT_API_URL,
            PREFECT_API_KEY,
            PREFECT_API_AUTH_STRING,
            PREFECT_CLIENT_CUSTOM_HEADERS,
            PREFECT_CLIENT_RETRY_EXTRA_CODES,
        },
    )
    with _settings_lock:
        _settings_cache[key] = (ambient, pinned)
    return pinned


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (certifi CA bundle) per process; about 20 ms to build."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def load_prefect() -> None:
    """Import Prefect's client (a second or two the first time in a process).

    Called before an operation's time budget starts: the budget is for the server.
    """
    import prefect.client.orchestration
    import prefect.client.schemas.actions  # noqa: F401


class WorkPoolApi:
    """Work pool and queue calls against one API; use as a context manager.

    Every method maps HTTP errors to ``PrefectApiError`` subclasses with messages that
    name the URL and auth mode but never a credential.
    """

    def __init__(self, conn: Connection) -> None:
        load_prefect()
        if conn.deadline is None:
            # The budget covers everything done through this object (one operation).
            conn = dataclasses.replace(conn, deadline=time.monotonic() + conn.retry_budget_seconds)
        self.conn = conn
        self._csrf = False
        self._client: Any = None
        self._settings_cm: contextlib.ExitStack | None = None

    # context management
    def __enter__(self) -> WorkPoolApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def _close(self) -> None:
        if self._settings_cm is not None:
            self._settings_cm.close()
        self._client = None
        self._settings_cm = None

    def _open(self) -> Any:
        from prefect.client.orchestration import SyncPrefectClient
        from prefect.context import SettingsContext, get_settings_context

        conn = self.conn
        stack = contextlib.ExitStack()
        # Pin every setting the client consults, so the profile/env of the machine
        # running Pulumi cannot redirect or re-authenticate these calls. This is what
        # prefect.settings.temporary_settings does, with the pinned Settings cached.
        ambient = get_settings_context()
        stack.enter_context(
            SettingsContext(
                profile=ambient.profile, settings=_pinned_settings(ambient.settings, self._csrf)
            )
        )
        timeout = httpx.Timeout(conn.request_timeout_seconds)
        tls = _ssl_context()
        assert conn.deadline is not None
        transport = _RetryingTransport(deadline_transport(tls, conn.deadline), conn)
        client = SyncPrefectClient(
            conn.base_url,
            api_key=conn.api_key or None,
            auth_string=conn.auth_string or None,
            httpx_settings={
                "transport": transport,
                "timeout": timeout,
                "verify": tls,
                "http2": False,
                "follow_redirects": True,
                "trust_env": False,
            },
        )
        if not (conn.api_key or conn.auth_string):
            # Belt and braces: no ambient Authorization header may survive.
            client._client.headers.pop("Authorization", None)
        stack.enter_context(client)
        self._client = client
        self._settings_cm = stack
        return client

    def _call(self, what: str, fn: Callable[[Any], T]) -> T:
        from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

        for _ in range(2):
            client = self._client or self._open()
            try:
                return fn(client)
            except (ObjectNotFound, ObjectAlreadyExists):
                raise
            except httpx.HTTPStatusError as exc:
                status = exc.response.status_code
                detail = _detail(exc)
                if status == 403 and "csrf" in detail.lower() and not self._csrf:
                    # Server has CSRF protection on: retry once with tokens.
                    self._close()
                    self._csrf = True
                    continue
                if status in (401, 403) and not (status == 403 and "reserved" in detail.lower()):
                    raise PrefectAuthError(
                        f"Prefect API at {self.conn.base_url} refused {what} "
                        f"(HTTP {status}: {detail}) using {self.conn.auth_mode}. Check "
                        "api_key (Prefect Cloud) or auth_string (self-hosted user:password).",
                        status,
                    ) from None
                raise PrefectApiError(
                    f"Prefect API at {self.conn.base_url}: {what} failed with HTTP "
                    f"{status}: {detail}",
                    status,
                ) from None
            except PrefectApiError:
                raise
            except httpx.HTTPError as exc:
                raise PrefectApiError(
                    f"Prefect API at {self.conn.base_url}: {what} failed: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    # --- pools ---------------------------------------------------------------------

    def read_pool(self, name: str) -> dict[str, Any] | None:
        """The pool as JSON, or None if it does not exist."""
        from prefect.exceptions import ObjectNotFound

        try:
            pool = self._call(
                f"reading work pool {name!r}", lambda c: c.read_work_pool(_encode(name))
            )
        except ObjectNotFound:
            return None
        return dict(pool.model_dump(mode="json"))

    def create_pool(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """Create a pool; returns its JSON, or None if a pool of that name exists (409)."""
        from prefect.client.schemas.actions import WorkPoolCreate
        from prefect.exceptions import ObjectAlreadyExists

        model = WorkPoolCreate(**body)
        try:
            pool = self._call(
                f"creating work pool {body['name']!r}", lambda c: c.create_work_pool(model)
            )
        except ObjectAlreadyExists:
            return None
        return dict(pool.model_dump(mode="json"))

    def update_pool(self, name: str, body: dict[str, Any]) -> bool:
        """PATCH the given fields (explicit None clears); False if the pool is gone."""
        from prefect.client.schemas.actions import WorkPoolUpdate
        from prefect.exceptions import ObjectNotFound

        model = WorkPoolUpdate(**body)
        try:
            self._call(
                f"updating work pool {name!r}",
                lambda c: c.update_work_pool(work_pool_name=_encode(name), work_pool=model),
            )
        except ObjectNotFound:
            return False
        return True

    def delete_pool(self, name: str) -> bool:
        """Delete the pool; False if it was already gone."""
        from prefect.exceptions import ObjectNotFound

        try:
            self._call(f"deleting work pool {name!r}", lambda c: c.delete_work_pool(_encode(name)))
        except ObjectNotFound:
            return False
        return True

    # --- queues --------------------------------------------------------------------

    def read_queues(self, pool_name: str) -> list[dict[str, Any]]:
        """All queues of the pool as JSON (empty if the pool is gone)."""
        from prefect.exceptions import ObjectNotFound

        try:
            queues = self._call(
                f"listing queues of work pool {pool_name!r}",
                lambda c: c.read_work_queues(work_pool_name=_encode(pool_name)),
            )
        except ObjectNotFound:
            return []
        return [dict(q.model_dump(mode="json")) for q in queues]

    def create_queue(
        self,
        pool_name: str,
        name: str,
        priority: int | None,
        concurrency_limit: int | None,
    ) -> dict[str, Any]:
        """Create a queue in the pool; returns its JSON."""
        queue = self._call(
            f"creating queue {name!r} in work pool {pool_name!r}",
            lambda c: c.create_work_queue(
                name=name,
                priority=priority,
                concurrency_limit=concurrency_limit,
                work_pool_name=_encode(pool_name),
            ),
        )
        return dict(queue.model_dump(mode="json"))

    def update_queue(self, queue_id: str, **fields: Any) -> None:
        """PATCH a queue by id (explicit None clears concurrency_limit)."""
        self._call(
            f"updating queue {queue_id}", lambda c: c.update_work_queue(id=queue_id, **fields)
        )

    def delete_queue(self, queue_id: str) -> bool:
        """Delete a queue by id; False if it was already gone."""
        from prefect.exceptions import ObjectNotFound

        try:
            self._call(
                f"deleting queue {queue_id}", lambda c: c.delete_work_queue_by_id(id=queue_id)
            )
        except ObjectNotFound:
            return False
        return True
