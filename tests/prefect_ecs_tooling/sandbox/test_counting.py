"""The counting reverse proxy in front of moto: AWS calls counted by service and operation."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from prefect_ecs_tooling.sandbox.counting import CountingProxy, operation_of, parse_call
from prefect_ecs_tooling.sandbox.emulator import MotoServer

pytestmark = pytest.mark.emulator

SIG = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{}/aws4_request, SignedHeaders=x"


def test_operation_of_each_protocol() -> None:
    json_headers = {
        "Authorization": SIG.format("ecs"),
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RunTask",
    }
    assert operation_of("POST", "/", json_headers, b"{}") == "ecs:RunTask"
    form = {"Authorization": SIG.format("ec2"), "Content-Type": "application/x-www-form-urlencoded"}
    body = b"Action=DescribeVpcs&Version=2016-11-15"
    assert operation_of("POST", "/", form, body) == "ec2:DescribeVpcs"
    assert operation_of("GET", "/?Action=GetCallerIdentity", {}, b"") == (
        "unsigned:GetCallerIdentity"
    )
    assert operation_of("GET", "/bucket/key?x=1", {"Authorization": SIG.format("s3")}, b"") == (
        "s3:GET /bucket/key"
    )


def test_parse_call_json_and_query_protocols() -> None:
    headers = {
        "Authorization": SIG.format("sqs"),
        "X-Amz-Target": "AmazonSQS.GetQueueUrl",
    }
    call = parse_call("POST", "/", headers, b'{"QueueName": "q"}', 200, b'{"QueueUrl": "u"}')
    assert (call.name, call.region, dict(call.params)) == (
        "sqs:GetQueueUrl",
        "us-east-1",
        {"QueueName": "q"},
    )
    assert call.response == {"QueueUrl": "u"}
    form = {"Authorization": SIG.format("ec2"), "Content-Type": "application/x-www-form-urlencoded"}
    body = b"Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=subnet-1"
    call = parse_call("POST", "/", form, body, 200, b"<xml/>")
    assert call.name == "ec2:DescribeSubnets"
    assert dict(call.params) == {"Version": "2016-11-15", "SubnetId.1": "subnet-1"}
    assert call.response is None  # only JSON protocols are parsed


def test_proxy_counts_what_a_client_calls(moto: MotoServer) -> None:
    proxy = CountingProxy(moto.endpoint_url).start()
    try:

        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=proxy.endpoint_url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

        ecs, ec2, sts, sm = client("ecs"), client("ec2"), client("sts"), client("secretsmanager")
        ecs.create_cluster(clusterName="counted")
        assert ecs.list_clusters()["clusterArns"]
        ec2.describe_vpcs()
        ec2.describe_vpcs()
        assert sts.get_caller_identity()["Account"]
        with pytest.raises(ClientError):
            sm.describe_secret(SecretId="missing")
        counts, errors = proxy.take()
        assert counts == {
            "ec2:DescribeVpcs": 2,
            "ecs:CreateCluster": 1,
            "ecs:ListClusters": 1,
            "secretsmanager:DescribeSecret": 1,
            "sts:GetCallerIdentity": 1,
        }
        assert errors == {"secretsmanager:DescribeSecret": 1}
        assert proxy.take() == ({}, {})  # take() starts from zero
        # Every call is kept, with its parameters and (JSON protocols) its response.
        created = proxy.calls[0]
        assert (created.name, created.params, created.status) == (
            "ecs:CreateCluster",
            {"clusterName": "counted"},
            200,
        )
        assert created.response is not None
        assert created.response["cluster"]["clusterName"] == "counted"
        assert proxy.calls[-1].status >= 400
        assert proxy.arrivals == [c.name for c in proxy.calls]
        assert proxy.calls_since(5) == proxy.calls[5:]
    finally:
        proxy.stop()


class _Upstream:
    """A stand-in for moto answering every POST with ``size`` bytes, on a free port."""

    def __init__(self, size: int):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        body = b"x" * size

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


REQUEST = (
    b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ReceiveMessage\r\n"
    b"Authorization: " + SIG.format("sqs").encode() + b"\r\nContent-Length: 2\r\n\r\n{}"
)


def _reset(sock: Any) -> None:
    """Close with a reset (SO_LINGER 0), as a killed process's socket ends."""
    import socket
    import struct

    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_client_that_closes_mid_response_leaves_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A worker stopped during a long poll: the proxy has started to answer (the status
    line reached the client), then the client's socket is reset, and the rest of the
    8 MB response cannot be sent. Nothing is printed, the call is recorded, and the proxy
    goes on serving."""
    import socket

    upstream = _Upstream(8_000_000)
    proxy = CountingProxy(upstream.url).start()
    try:
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", proxy.port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(REQUEST)
            assert sock.recv(12).startswith(b"HTTP/1.1 200")  # mid-response
            _reset(sock)
        _wait_for(lambda: len(proxy.calls) == 5)
        # Still serving: a whole request and response after the broken ones.
        sock = socket.create_connection(("127.0.0.1", proxy.port))
        sock.sendall(REQUEST.replace(b"POST / HTTP/1.1", b"POST / HTTP/1.0"))
        got = b""
        while chunk := sock.recv(1 << 20):
            got += chunk
        sock.close()
        assert got.startswith(b"HTTP/1.1 200") or got.startswith(b"HTTP/1.0 200")
        assert got.endswith(b"x" * 1000)
        assert [c.name for c in proxy.calls] == ["sqs:ReceiveMessage"] * 6
    finally:
        proxy.stop()
        upstream.stop()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err


def test_a_client_that_closes_mid_request_leaves_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The request's body cut short (the client reset mid request): nothing forwarded,
    nothing printed."""
    import socket

    upstream = _Upstream(10)
    proxy = CountingProxy(upstream.url).start()
    try:
        sock = socket.create_connection(("127.0.0.1", proxy.port))
        sock.sendall(REQUEST[:-1])
        _reset(sock)
        sock = socket.create_connection(("127.0.0.1", proxy.port))
        sock.sendall(REQUEST[:-1])
        sock.shutdown(socket.SHUT_WR)  # a clean close, the body still short
        assert sock.recv(100) == b""
        sock.close()
    finally:
        proxy.stop()
        upstream.stop()
    assert proxy.calls == [] and proxy.arrivals == []
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err


def test_an_emulator_that_is_gone_is_a_502(capfd: pytest.CaptureFixture[str]) -> None:
    """moto stopped while a request waits (the end of a run): the client gets a 502 and
    the proxy prints nothing."""
    from prefect_ecs_tooling.local_prefect import find_free_port

    proxy = CountingProxy(f"http://127.0.0.1:{find_free_port()}").start()  # nothing there
    try:
        sqs = boto3.client(
            "sqs",
            endpoint_url=proxy.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(ClientError) as info:
            sqs.get_queue_url(QueueName="q")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
        assert proxy.errors == {"sqs:GetQueueUrl": 1}
    finally:
        proxy.stop()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
