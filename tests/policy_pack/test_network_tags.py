"""Network (public IP on services) and required tags policies."""

from __future__ import annotations

from tests.fixtures.manual_guide import resource
from tests.fixtures.policy_helpers import validate

# isort: split
import pytest
from prefect_ecs_policies import network, tags
from prefect_ecs_policies.analyzer import analyze_resources

pytestmark = pytest.mark.pure

SERVICE = "aws:ecs/service:Service"


def service(assign: object = None) -> dict:
    net: dict = {"subnets": ["subnet-a"], "securityGroups": ["sg-a"]}
    if assign is not None:
        net["assignPublicIp"] = assign
    return resource(SERVICE, "svc", {"networkConfiguration": net})


def test_public_ip() -> None:
    policy = network.ecs_service_no_public_ip
    assert validate(policy, SERVICE, service(False)["inputs"]) == []
    assert validate(policy, SERVICE, service()["inputs"]) == []
    assert validate(policy, SERVICE, {}) == []
    assert validate(policy, SERVICE, service(True)["inputs"])
    assert validate(policy, SERVICE, service(True)["inputs"], {"allowPublicIp": True}) == []


def test_public_ip_via_analyzer_and_config() -> None:
    assert [v.policy_name for v in analyze_resources([service(True)])] == [
        "ecs-service-no-public-ip"
    ]
    config = {"ecs-service-no-public-ip": {"allowPublicIp": True}}
    assert analyze_resources([service(True)], config) == []
    assert analyze_resources([service(False)]) == []


def test_required_tags_default_requires_nothing() -> None:
    assert validate(tags.required_tags, "aws:ecs/cluster:Cluster", {}) == []
    assert analyze_resources([resource("aws:ecs/cluster:Cluster", "c", {})]) == []


def test_required_tags() -> None:
    config = {"requiredTags": ["owner", "env"]}
    cluster = "aws:ecs/cluster:Cluster"
    assert validate(tags.required_tags, cluster, {"tags": {"owner": "a", "env": "b"}}, config) == []
    messages = validate(tags.required_tags, cluster, {"tags": {"owner": "a"}}, config)
    assert messages == ["missing required tags: env."]
    assert validate(tags.required_tags, cluster, {}, config)
    # Non-taggable types are skipped unless they carry tags.
    attachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    assert validate(tags.required_tags, attachment, {"role": "r"}, config) == []
    assert validate(tags.required_tags, "aws:some/new:Thing", {"tags": {}}, config)
    assert validate(tags.required_tags, "pulumi-python:dynamic/prefect:WorkPool", {}, config) == []


def test_required_tags_via_analyzer() -> None:
    resources = [
        resource("aws:ecs/cluster:Cluster", "tagged", {"tags": {"owner": "me"}}),
        resource("aws:ecs/cluster:Cluster", "untagged", {}),
        resource("aws:secretsmanager/secretVersion:SecretVersion", "v", {"secretId": "s"}),
    ]
    config = {"required-tags": {"requiredTags": ["owner"]}}
    assert [v.resource_name for v in analyze_resources(resources, config)] == ["untagged"]
