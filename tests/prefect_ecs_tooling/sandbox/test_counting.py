"""The counting reverse proxy in front of moto: AWS calls counted by service and operation."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
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
