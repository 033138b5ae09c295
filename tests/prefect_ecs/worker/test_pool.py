"""The work pool the component creates: template defaults wired to the stack, secrets."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from prefect_ecs import PrefectEcsConfigError
from prefect_ecs.documents.job_template import default_ecs_base_job_template
from prefect_ecs_tooling.runner import RecordedResource, StackRun, is_secret_envelope
from tests.support import CLOUD_URL, RAW_API_KEY, RAW_AUTH_STRING, run_component

pytestmark = pytest.mark.mocks

POOL = "pulumi-python:dynamic/prefect:WorkPool"
SELF = "https://prefect.example.com/api"


def defaults(pool: RecordedResource) -> dict[str, Any]:
    props = pool.inputs["base_job_template"]["variables"]["properties"]
    return {k: v["default"] for k, v in props.items() if "default" in v}


@pytest.fixture(scope="module")
def cloud() -> StackRun:
    return run_component({"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY})


def test_pool_template_defaults_are_the_stacks_resources(cloud: StackRun) -> None:
    pool = cloud.one(POOL)
    d = defaults(pool)
    secret_arn = cloud.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert d["cluster"] == cloud.one("aws:ecs/cluster:Cluster").outputs["arn"]
    assert (
        d["execution_role_arn"]
        == cloud.one("aws:iam/role:Role", "flow-run-execution").outputs["arn"]
    )
    assert d["task_role_arn"] == cloud.one("aws:iam/role:Role", "flow-run-task").outputs["arn"]
    svc_net = cloud.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    assert d.get("vpc_id") is None and not d.get("network_configuration")
    run_request = pool.inputs["base_job_template"]["job_configuration"]["task_run_request"]
    assert run_request["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": svc_net["subnets"],
        "securityGroups": svc_net["securityGroups"],
        "assignPublicIp": "DISABLED",
    }
    assert d["configure_cloudwatch_logs"] is True
    logs = d["cloudwatch_logs_options"]
    assert (
        logs["awslogs-group"]
        == cloud.one("aws:cloudwatch/logGroup:LogGroup", "flow-runs").outputs["name"]
    )
    assert logs["awslogs-create-group"] == "false"
    assert d["prefect_api_key_secret_arn"] == secret_arn
    assert "prefect_api_auth_string_secret_arn" not in d
    assert (d["cpu"], d["memory"]) == (1024, 2048)
    # Reuse a flow's task definition revision instead of registering one per run.
    assert d["match_latest_revision_in_family"] is True


def test_pool_is_prefect_aws_template_with_only_defaults_changed(cloud: StackRun) -> None:
    upstream = default_ecs_base_job_template()
    tmpl = copy.deepcopy(cloud.one(POOL).inputs["base_job_template"])
    assert tmpl["job_configuration"]["task_run_request"].pop("networkConfiguration")
    assert tmpl["job_configuration"] == upstream["job_configuration"]
    assert set(tmpl["variables"]["properties"]) == set(upstream["variables"]["properties"])


def test_pool_identity_and_credentials_are_secret(cloud: StackRun) -> None:
    pool = cloud.one(POOL)
    p = pool.inputs
    assert (p["name"], p["type"], p["api_url"]) == ("w", "ecs", CLOUD_URL)
    assert "stack unit" in p["description"] and "Pulumi" in p["description"]
    assert is_secret_envelope(p["api_key"]) and p["api_key"]["value"] == RAW_API_KEY
    assert p.get("auth_string") is None
    assert p["adopt_existing"] is False
    assert pool.parent == next(r.urn for r in cloud.resources if not r.custom)


def test_service_waits_for_the_pool(cloud: StackRun) -> None:
    pool = cloud.one(POOL)
    assert pool.urn in cloud.one("aws:ecs/service:Service").dependencies


def test_auth_string_stack_sets_auth_string_arn_only() -> None:
    run = run_component({"prefect_api_url": SELF, "prefect_auth_string": RAW_AUTH_STRING})
    pool = run.one(POOL)
    d = defaults(pool)
    assert (
        d["prefect_api_auth_string_secret_arn"]
        == run.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    )
    assert "prefect_api_key_secret_arn" not in d
    assert is_secret_envelope(pool.inputs["auth_string"])
    assert pool.inputs.get("api_key") is None


def test_existing_secret_is_read_for_the_pool_provider() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf"
    run = run_component({"prefect_api_url": SELF, "prefect_api_secret_arn": arn})
    calls = [i for i in run.invokes if i.token.endswith("getSecretVersion")]
    assert [c.args["secretId"] for c in calls] == [arn]
    pool = run.one(POOL)
    assert is_secret_envelope(pool.inputs["api_key"])
    assert defaults(pool)["prefect_api_key_secret_arn"] == arn


def test_unauthenticated_pool_has_no_credential_and_no_secret_arn() -> None:
    run = run_component({"prefect_api_url": "http://prefect.internal:4200/api"})
    pool = run.one(POOL)
    assert pool.inputs.get("api_key") is None and pool.inputs.get("auth_string") is None
    d = defaults(pool)
    assert "prefect_api_key_secret_arn" not in d and "prefect_api_auth_string_secret_arn" not in d


def test_options_reach_the_pool() -> None:
    run = run_component(
        {
            "prefect_api_url": SELF,
            "work_pool_name": "etl",
            "assign_public_ip": True,
            "flow_run_cpu": 2048,
            "flow_run_memory": 4096,
            "adopt_existing_work_pool": True,
            "work_pool_job_variables": {"match_latest_revision_in_family": False,
                                        "labels": {"team": "data"}},
        }
    )  # fmt: skip
    pool = run.one(POOL)
    d = defaults(pool)
    assert pool.inputs["name"] == "etl" and pool.inputs["adopt_existing"] is True
    run_request = pool.inputs["base_job_template"]["job_configuration"]["task_run_request"]
    assert run_request["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"
    assert (d["cpu"], d["memory"]) == (2048, 4096)
    assert d["match_latest_revision_in_family"] is False  # the user's value wins
    assert d["labels"] == {"team": "data"}


def test_create_work_pool_false_creates_none() -> None:
    run = run_component({"prefect_api_url": SELF, "create_work_pool": False})
    assert run.by_type(POOL) == []
    assert run.outputs["workPoolName"] == "w" and run.outputs["workPoolId"] is None


def test_unknown_job_variable_fails_before_anything_is_created() -> None:
    with pytest.raises(PrefectEcsConfigError, match=r"unknown ECS job variable.*cpus") as info:
        run_component({"prefect_api_url": SELF, "work_pool_job_variables": {"cpus": 1}})
    assert "work_pool_job_variables" in str(info.value)
