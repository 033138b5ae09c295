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
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["CountingProxy", "operation_of"]

_SCOPE = re.compile(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request")
# Hop-by-hop headers are not forwarded; the body is re-sent with a Content-Length.
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


def operation_of(method: str, path: str, headers: Any, body: bytes) -> str:
    """``service:Operation`` of one AWS API request (see the module docstring)."""
    match = _SCOPE.search(headers.get("Authorization", "") or "")
    service = match.group(1) if match else "unsigned"
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


class CountingProxy:
    """Reverse proxy on ``host`` (a free port) to ``upstream``; ``counts`` per operation."""

    def __init__(self, upstream: str, host: str = "127.0.0.1"):
        parts = urllib.parse.urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()  # operations answered with status >= 400
        #: Bodies of the ecs:RunTask requests, in order: what the worker asked AWS for.
        self.run_task_requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                op = operation_of(self.command, self.path, self.headers, body)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                conn = http.client.HTTPConnection(*proxy._upstream, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    status, reason, resp_headers = resp.status, resp.reason, resp.getheaders()
                finally:
                    conn.close()
                proxy._record(op, status)
                if op == "ecs:RunTask":
                    with proxy._lock, contextlib.suppress(ValueError):
                        proxy.run_task_requests.append(json.loads(body))
                self.send_response(status, reason)
                for key, value in resp_headers:
                    if key.lower() not in _HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.endpoint_url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="counting-proxy", daemon=True
        )

    def _record(self, op: str, status: int) -> None:
        with self._lock:
            self.counts[op] += 1
            if status >= 400:
                self.errors[op] += 1

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
