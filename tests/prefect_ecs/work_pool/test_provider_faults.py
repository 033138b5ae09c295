"""WorkPoolProvider against servers that misbehave: they drop answers, echo credentials,
trickle bytes. Local servers on 127.0.0.1 (threads of this process), some in front of the
real Prefect server of the session."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from prefect_ecs.work_pool import (
    PrefectApiError,
    PrefectApiUnavailable,
    WorkPoolProvider,
)
from prefect_ecs.work_pool.transport import count_requests
from prefect_ecs_tooling.local_prefect import PrefectServerHandle
from tests.fixtures.api_proxy import ApiProxy, once

pytestmark = pytest.mark.server

OWNER = "org/proj/test/pool"


def provider(budget: float = 5) -> WorkPoolProvider:
    return WorkPoolProvider(retry_budget_seconds=budget)


def raw_get(server: PrefectServerHandle, name: str) -> httpx.Response:
    with httpx.Client(base_url=server.api_url, trust_env=False) as c:
        return c.get(f"/work_pools/{quote(name, safe='')}")


def checked(api_url: str, name: str, **extra: Any) -> dict[str, Any]:
    result = provider().check({}, {"api_url": api_url, "name": name, "owner": OWNER, **extra})
    assert result.failures == []
    return result.inputs


# --- create converges after a lost answer ------------------------------------------------------


def test_lost_post_answer_is_taken_back_in_the_same_create(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    """Before: the dropped answer failed the create, and every later create got 409."""
    with ApiProxy(prefect_server.api_url, once("POST", "/work_pools/", "drop_after")) as proxy:
        res = provider().create(checked(proxy.api_url, pool_name, description="d"))
    assert proxy.seen[0] == "POST /api/work_pools/"  # sent once: a POST is never repeated
    srv = raw_get(prefect_server, pool_name).json()
    assert res.outs["pool_id"] == srv["id"]
    assert res.outs["description"] == "d" and res.outs["owner"] == OWNER
    assert srv["description"] == f"d\n\n[managed-by-pulumi: {OWNER}]"
    provider().delete(pool_name, {**res.outs, "api_url": prefect_server.api_url})


def test_lost_post_answer_then_next_create_converges(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    """The server acted, then went out of reach: this create fails, the next one converges."""
    rule = once("POST", "/work_pools/", "drop_after", then="drop_before")
    news = checked(prefect_server.api_url, pool_name, queues=[{"name": "q", "priority": 2}])
    with ApiProxy(prefect_server.api_url, rule) as proxy, pytest.raises(PrefectApiError):
        provider(budget=1.5).create({**news, "api_url": proxy.api_url})
    left = raw_get(prefect_server, pool_name).json()  # the pool the lost POST created
    res = provider().create(news)
    assert res.outs["pool_id"] == left["id"] and res.outs["owner"] == OWNER
    assert res.outs["queues"] == [{"name": "q", "priority": 2, "concurrency_limit": None}]
    assert provider().diff(pool_name, res.outs, news).changes is False
    provider().delete(pool_name, res.outs)


def test_cleanup_that_could_not_reach_the_server_then_create_converges(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    """A queue fails, and the delete that cleans up the new pool can't reach the server."""

    def rule(method: str, path: str) -> str:
        if method == "POST" and path.rstrip("/").endswith("/queues"):
            return "drop_before"
        return "drop_before" if method == "DELETE" else "forward"

    news = checked(prefect_server.api_url, pool_name, queues=[{"name": "q"}])
    with ApiProxy(prefect_server.api_url, rule) as proxy, pytest.raises(PrefectApiError):
        provider(budget=1.5).create({**news, "api_url": proxy.api_url})
    assert any(s.startswith("DELETE") for s in proxy.seen)
    left = raw_get(prefect_server, pool_name).json()
    res = provider().create(news)
    assert res.outs["pool_id"] == left["id"]
    provider().delete(pool_name, res.outs)


@pytest.mark.parametrize(
    "description",
    [None, "made by hand", f"copied\n\n[managed-by-pulumi: {OWNER}-other]"],
)
def test_foreign_pool_still_needs_adopt_existing(
    prefect_server: PrefectServerHandle, pool_name: str, description: str | None
) -> None:
    with httpx.Client(base_url=prefect_server.api_url, trust_env=False) as c:
        body = {"name": pool_name, "type": "ecs", "description": description}
        assert c.post("/work_pools/", json=body).status_code == 201
    with pytest.raises(PrefectApiError) as info:
        provider().create(checked(prefect_server.api_url, pool_name))
    msg = str(info.value)
    assert "already exists" in msg and "adopt_existing" in msg and "pulumi import" in msg
    assert raw_get(prefect_server, pool_name).json()["description"] == description


# --- queue listing is retried like every read --------------------------------------------------


def test_queue_listing_is_retried_after_a_dropped_connection(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    """``POST .../queues/filter`` only reads: before, a dropped connection failed the read."""
    news = checked(prefect_server.api_url, pool_name, queues=[{"name": "q", "priority": 3}])
    res = provider().create(news)
    rule = once("POST", "/queues/filter", "drop_before")
    with ApiProxy(prefect_server.api_url, rule) as proxy, count_requests() as seen:
        read = provider().read(pool_name, {**res.outs, "api_url": proxy.api_url})
    assert read.outs["queues"] == res.outs["queues"]
    assert [s.split()[0] for s in proxy.seen] == ["GET", "POST", "POST"]
    assert "(retry: RemoteProtocolError" in seen[-1]
    provider().delete(pool_name, res.outs)


# --- tiny raw servers: echo and trickle ---------------------------------------------------------


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to ``serve(conn, stop)``."""

    def __init__(self, serve: Callable[[socket.socket, threading.Event], None]) -> None:
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.api_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api"
        self.conns: list[socket.socket] = []

        def accept() -> None:
            while not self.stop.is_set():
                try:
                    conn, _ = self.sock.accept()
                except (TimeoutError, OSError):
                    continue
                self.conns.append(conn)
                threading.Thread(target=serve, args=(conn, self.stop), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += conn.recv(65536)
    return head


def echo(conn: socket.socket, _stop: threading.Event) -> None:
    """Answer 500 with the request's headers in the body (some proxies and debug servers)."""
    with conn:
        head = read_request(conn).decode("latin-1")
        body = ('{"detail": "bad request: ' + head.replace('"', "'") + '"}').encode("latin-1")
        body = body.replace(b"\r\n", b" | ")
        conn.sendall(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )


KEY = "pnu_ECHOEDsecretKEY42"
AUTH = "admin:ECHOEDsecretPW42"


@pytest.mark.parametrize(
    ("creds", "secret_forms"),
    [
        ({"api_key": KEY}, [KEY, "ECHOEDsecretKEY42"]),
        ({"auth_string": AUTH}, [AUTH, "ECHOEDsecretPW42", base64.b64encode(AUTH.encode())]),
        ({"userinfo": AUTH}, [AUTH, "ECHOEDsecretPW42", base64.b64encode(AUTH.encode())]),
    ],
)
def test_echoing_server_never_shows_a_credential(
    creds: dict[str, str], secret_forms: list[Any]
) -> None:
    """Before: the Basic header's base64 (and with userinfo, the password) was printed."""
    with RawServer(echo) as server:
        url = server.api_url
        if "userinfo" in creds:  # create is called directly: check would refuse it
            url = url.replace("http://", f"http://{creds.pop('userinfo')}@")
        props = {"api_url": url, "name": "p", "type": "ecs", "paused": False, **creds}
        p = provider(budget=2)
        for call in (p.create, lambda x: p.read("p", x), lambda x: p.delete("p", x)):
            with pytest.raises(PrefectApiError) as info:
                call(props)
            text = str(info.value)
            assert "HTTP 500" in text and "uthorization" in text  # the echo is shown ...
            for form in secret_forms:  # ... without the credential in any form
                assert (form.decode() if isinstance(form, bytes) else form) not in text
            assert info.value.__context__ is None and info.value.__cause__ is None


def trickle(where: str, interval: float) -> Callable[[socket.socket, threading.Event], None]:
    """Send one byte every ``interval`` s, in the status line or in the body, forever."""

    def serve(conn: socket.socket, stop: threading.Event) -> None:
        with conn:
            read_request(conn)
            if where == "body":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000000\r\n\r\n"
                )
            payload = b"HTTP/1.1 200 OK" if where == "headers" else b"{"
            i = 0
            while not stop.is_set():
                try:
                    conn.sendall(payload[i % len(payload) : i % len(payload) + 1])
                except OSError:
                    return
                i += 1
                stop.wait(interval)

    return serve


def within(seconds: float, fn: Callable[[], Any]) -> tuple[float, BaseException | None]:
    """Run ``fn`` in a thread; (elapsed, what it raised). Fails if it runs past ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            outcome["exc"] = exc

    start = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: no deadline"
    return time.monotonic() - start, outcome.get("exc")


@pytest.fixture(params=["headers", "body"])
def trickling(request: pytest.FixtureRequest) -> Iterator[RawServer]:
    with RawServer(trickle(request.param, interval=0.3)) as server:
        yield server


@pytest.mark.parametrize("operation", ["create", "read"])
def test_trickling_server_ends_at_the_deadline(trickling: RawServer, operation: str) -> None:
    """Before: httpx's read timeout restarts with each byte, so the call never ended."""
    p = WorkPoolProvider(retry_budget_seconds=1.0, request_timeout_seconds=10)
    props = {"api_url": trickling.api_url, "name": "p", "type": "ecs", "paused": False}
    call = (lambda: p.create(props)) if operation == "create" else (lambda: p.read("p", props))
    elapsed, exc = within(6, call)
    # the 1 s budget, not the 10 s per-request timeout (a loaded machine adds a little)
    assert 0.9 <= elapsed < 4.0
    assert isinstance(exc, PrefectApiUnavailable)
    assert "1 s budget" in str(exc) and "ReadTimeout" in str(exc)
