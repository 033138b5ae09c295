"""The counting reverse proxy in front of moto: AWS calls counted by service and operation."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from prefect_ecs_tooling.sandbox.counting import CountingProxy, operation_of
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
    finally:
        proxy.stop()
