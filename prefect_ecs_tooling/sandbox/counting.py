"""A counting HTTP reverse proxy in front of the AWS emulator.

A worker whose ``AWS_ENDPOINT_URL`` points at :class:`CountingProxy` reaches moto through
it; every request is counted as ``service:Operation`` before it is forwarded:

- JSON protocols (ECS, CloudWatch Logs, Secrets Manager, SQS): the operation is the part
  of the ``X-Amz-Target`` header after the last dot (``AmazonEC2ContainerServiceV20141113.
  RunTask`` -> ``RunTask``);
- query protocols (EC2, STS, IAM): the ``Action`` parameter of the form body or query;
- anything else (REST protocols): ``METHOD /path``.

The service is the one the request is signed for (``Credential=<key>/<date>/<region>/
<service>/aws4_request`` in the SigV4 ``Authorization`` header), so counts do not depend
on the endpoint the SDK resolved. Only clients pointed at the proxy are counted: the
rehearsal's own boto3 calls go to moto directly.

Each request is also kept, in order, as an :class:`~prefect_ecs_tooling.iam_requests.AwsCall`
(``calls``): service, operation, the region it is signed for, its parameters (the JSON
body, or the query protocols' form fields) and, for JSON protocols, the parsed response:
what :mod:`prefect_ecs_tooling.iam_requests` maps to the IAM requests AWS would evaluate.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import threading
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..iam_requests import AwsCall

__all__ = ["CountingProxy", "operation_of", "parse_call"]

_SCOPE = re.compile(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/aws4_request")
# Hop-by-hop headers are not forwarded; the body is re-sent with a Content-Length.
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


def operation_of(method: str, path: str, headers: Any, body: bytes) -> str:
    """``service:Operation`` of one AWS API request (see the module docstring)."""
    match = _SCOPE.search(headers.get("Authorization", "") or "")
    service = match.group(2) if match else "unsigned"
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    query = urllib.parse.urlsplit(path).query
    action = urllib.parse.parse_qs(query).get("Action")
    ctype = headers.get("Content-Type", "") or ""
    if not action and body and "x-www-form-urlencoded" in ctype:
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return f"{service}:{action[0]}"
    return f"{service}:{method} {urllib.parse.urlsplit(path).path}"


def _json(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data) if data else {}
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_call(
    method: str, path: str, headers: Any, body: bytes, status: int = 200, response: bytes = b""
) -> AwsCall:
    """One request (and its response) as an :class:`AwsCall`: parameters from the JSON
    body or, for query protocols, from the form fields (``VpcIds.member.1`` as is);
    the response parsed only for JSON protocols."""
    service, operation = operation_of(method, path, headers, body).split(":", 1)
    match = _SCOPE.search(headers.get("Authorization", "") or "")
    region = match.group(1) if match else ""
    params: dict[str, Any] = {}
    parsed: dict[str, Any] | None = None
    if headers.get("X-Amz-Target"):
        params = _json(body) or {}
        parsed = _json(response)
    else:
        query = urllib.parse.urlsplit(path).query
        ctype = headers.get("Content-Type", "") or ""
        if body and "x-www-form-urlencoded" in ctype:
            query = "&".join(q for q in (query, body.decode("utf-8", "replace")) if q)
        params = {k: v[0] for k, v in urllib.parse.parse_qs(query).items() if k != "Action"}
    return AwsCall(service, operation, region, params, parsed, status)


#: A client that went away (a worker stopped mid long poll: the socket is closed or
#: reset while the proxy reads its request or writes the response), or stopped talking.
GONE = (ConnectionError, TimeoutError)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that went away (:data:`GONE`); anything else is a bug of
        the proxy and printed as usual."""
        if isinstance(sys.exc_info()[1], GONE):
            return
        super().handle_error(request, client_address)


class CountingProxy:
    """Reverse proxy on ``host`` (a free port) to ``upstream``; ``counts`` per operation."""

    def __init__(self, upstream: str, host: str = "127.0.0.1"):
        parts = urllib.parse.urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()  # operations answered with status >= 400
        #: Every request with its response, in the order they completed (never reset).
        self.calls: list[AwsCall] = []
        #: ``service:Operation`` of every request, in the order they arrived: a long
        #: poll (the observer's 20 s ``sqs:ReceiveMessage``) is here while it waits.
        self.arrivals: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if len(body) < length:  # the client went away mid request
                    self.close_connection = True
                    return
                proxy._arrived(operation_of(self.command, self.path, self.headers, body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                conn = http.client.HTTPConnection(*proxy._upstream, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    status, reason, resp_headers = resp.status, resp.reason, resp.getheaders()
                except (OSError, http.client.HTTPException) as exc:
                    # The emulator is gone or failed (stopped at the end of a run while a
                    # long poll waits): the client gets a 502, as from a gateway.
                    data = f"counting proxy: upstream failed: {type(exc).__name__}".encode()
                    status, reason, resp_headers = 502, "Bad Gateway", []
                finally:
                    conn.close()
                proxy._record(parse_call(self.command, self.path, self.headers, body, status, data))
                self.send_response(status, reason)
                for key, value in resp_headers:
                    if key.lower() not in _HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                try:
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                except GONE:
                    # A client stopped during a long poll has gone: nothing to answer, and
                    # no next request to read on this connection.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        self._server = _Server((host, 0), Handler)
        self.port = int(self._server.server_address[1])
        self.endpoint_url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="counting-proxy", daemon=True
        )

    def _arrived(self, op: str) -> None:
        with self._lock:
            self.arrivals.append(op)

    def _record(self, call: AwsCall) -> None:
        with self._lock:
            self.calls.append(call)
            self.counts[call.name] += 1
            if call.status >= 400:
                self.errors[call.name] += 1

    @property
    def run_task_requests(self) -> list[dict[str, Any]]:
        """Parameters of the ecs:RunTask requests, in order: what the worker asked for."""
        with self._lock:
            return [dict(c.params) for c in self.calls if c.name == "ecs:RunTask"]

    def calls_since(self, start: int) -> list[AwsCall]:
        """The calls from index ``start`` on (``len(proxy.calls)`` marks a point)."""
        with self._lock:
            return self.calls[start:]

    def arrivals_since(self, start: int) -> list[str]:
        """The operations that arrived from index ``start`` of ``arrivals`` on."""
        with self._lock:
            return self.arrivals[start:]

    def start(self) -> CountingProxy:
        """Serve in a daemon thread; returns self."""
        self._thread.start()
        return self

    def take(self) -> tuple[dict[str, int], dict[str, int]]:
        """Counts and error counts so far (sorted by operation), then start from zero."""
        with self._lock:
            counts, errors = dict(sorted(self.counts.items())), dict(sorted(self.errors.items()))
            self.counts.clear()
            self.errors.clear()
        return counts, errors

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
