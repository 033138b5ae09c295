"""The ECS work pool's base job template policy."""

from __future__ import annotations

import copy
import json

import pytest

from tests.fixtures.manual_guide import (
    ACCOUNT,
    REGION,
    SECRET_ARN,
    good_stack_resources,
    good_work_pool_template,
    resource,
)
from tests.fixtures.policy_helpers import validate

# isort: split
from prefect_ecs_policies import work_pool
from prefect_ecs_policies.analyzer import analyze_resources

pytestmark = pytest.mark.pure

POOL = "pulumi-python:dynamic/prefect:WorkPool"


def props(template: object, type_: str = "ecs") -> dict:
    return {"name": "p", "type": type_, "base_job_template": template}


def variables(template: dict) -> dict:
    return template["variables"]["properties"]


def check(template: object, config: dict | None = None, type_: str = "ecs") -> list[str]:
    return validate(
        work_pool.prefect_work_pool_secure_template, POOL, props(template, type_), config
    )


def test_good_template_passes_dict_and_json() -> None:
    assert check(good_work_pool_template()) == []
    assert check(json.dumps(good_work_pool_template())) == []


def test_non_ecs_pools_are_ignored() -> None:
    assert check({}, type_="process") == []
    assert check({}, type_="kubernetes") == []


def test_missing_template() -> None:
    assert check(None)


def test_plaintext_credentials_in_env_default() -> None:
    template = good_work_pool_template()
    variables(template)["env"]["default"] = {"PREFECT_API_KEY": "pnu_x"}
    messages = check(template)
    assert len(messages) == 1 and "PREFECT_API_KEY" in messages[0]
    template = good_work_pool_template()
    template["job_configuration"]["env"] = {"PREFECT_API_AUTH_STRING": "a:b"}
    assert check(template)


def test_no_credential_is_fine_unless_required() -> None:
    template = good_work_pool_template()
    del variables(template)["prefect_api_key_secret_arn"]
    assert check(template) == []
    assert check(template, {"requireCredentialSecret": True})
    auth = copy.deepcopy(template)
    variables(auth)["prefect_api_auth_string_secret_arn"] = {"type": "string", "default": "arn:s"}
    assert check(auth, {"requireCredentialSecret": True}) == []


@pytest.mark.parametrize("variable", ["execution_role_arn", "network_configuration"])
def test_required_defaults(variable: str) -> None:
    template = good_work_pool_template()
    del variables(template)[variable]["default"]
    messages = check(template)
    assert len(messages) == 1 and variable in messages[0]


def test_network_configuration_shapes() -> None:
    template = good_work_pool_template()
    net = variables(template)["network_configuration"]
    net["default"] = {"awsvpcConfiguration": {"subnets": ["s"], "securityGroups": ["sg"]}}
    assert check(template) == []
    net["default"] = {"subnets": ["s"], "securityGroups": []}
    assert check(template)
    net["default"] = {"subnets": ["s"], "securityGroups": ["sg"], "assignPublicIp": "ENABLED"}
    assert check(template)
    assert check(template, {"allowPublicIp": True}) == []


def test_network_in_the_task_run_request_counts() -> None:
    """The stack's shape: the network written into task_run_request, no variable default."""
    template = good_work_pool_template()
    del variables(template)["network_configuration"]["default"]
    run_request = {"awsvpcConfiguration": {"subnets": ["s"], "securityGroups": ["sg"]}}
    template["job_configuration"]["task_run_request"] = {"networkConfiguration": run_request}
    assert check(template) == []
    run_request["awsvpcConfiguration"]["assignPublicIp"] = "ENABLED"
    assert check(template)
    template["job_configuration"]["task_run_request"] = {
        "networkConfiguration": "{{ network_configuration }}"
    }
    assert check(template)


def test_via_analyzer_with_config() -> None:
    template = good_work_pool_template()
    del variables(template)["prefect_api_key_secret_arn"]
    resources = [resource(POOL, "pool", props(template))]
    assert analyze_resources(resources) == []
    config = {"prefect-work-pool-secure-template": {"requireCredentialSecret": True}}
    assert [v.policy_name for v in analyze_resources(resources, config)] == [
        "prefect-work-pool-secure-template"
    ]


def test_credential_like_env_default_by_the_shared_rule() -> None:
    template = good_work_pool_template()
    variables(template)["env"]["default"] = {"DB_PASSWD": "hunter2", "TOKENIZERS_PARALLELISM": "0"}
    messages = check(template)
    assert len(messages) == 1 and "DB_PASSWD" in messages[0]
    assert "TOKENIZERS" not in messages[0] and "hunter2" not in messages[0]


# --- the stack policy: the pool's credential secret is the worker's --------------------
OTHER_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:someone-else-XyZ123"


def stack_with(template: dict, worker_secrets: list[dict] | None = None) -> list[dict]:
    """The good stack with the pool's template (and the worker's secrets) replaced."""
    resources = good_stack_resources()
    for r in resources:
        if r["type"] == POOL:
            r["inputs"]["base_job_template"] = template
        elif r["type"] == "aws:ecs/taskDefinition:TaskDefinition" and worker_secrets is not None:
            containers = json.loads(r["inputs"]["containerDefinitions"])
            containers[0]["secrets"] = worker_secrets
            r["inputs"]["containerDefinitions"] = json.dumps(containers)
    return resources


def credential_violations(resources: list[dict]) -> list:
    return [
        v
        for v in analyze_resources(resources)
        if v.policy_name == "prefect-work-pool-credential-secret"
    ]


def test_pool_with_the_workers_secret_passes() -> None:
    assert credential_violations(good_stack_resources()) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda props: props.pop("prefect_api_key_secret_arn"), "no default"),
        (lambda props: props["prefect_api_key_secret_arn"].update(default=None), "no default"),
        (
            lambda props: props["prefect_api_key_secret_arn"].update(default=OTHER_SECRET),
            "another secret",
        ),
    ],
    ids=["missing", "null", "another-secret"],
)
def test_pool_without_the_workers_secret_fails(change: object, fragment: str) -> None:
    template = good_work_pool_template()
    change(variables(template))  # type: ignore[operator]
    violations = credential_violations(stack_with(template))
    assert len(violations) == 1 and violations[0].enforcement_level == "mandatory"
    message = violations[0].message
    assert fragment in message and "prefect_api_key_secret_arn" in message
    assert "prefectApiKey" not in message and "prefect_api_secret_arn" in message  # the fix


def test_auth_string_worker_needs_the_auth_string_variable() -> None:
    secrets = [{"name": "PREFECT_API_AUTH_STRING", "valueFrom": SECRET_ARN}]
    template = good_work_pool_template()
    assert credential_violations(stack_with(template, secrets))  # key ARN, not auth string
    del variables(template)["prefect_api_key_secret_arn"]
    variables(template)["prefect_api_auth_string_secret_arn"] = {"default": SECRET_ARN}
    assert credential_violations(stack_with(template, secrets)) == []


def test_worker_without_a_credential_secret_needs_none() -> None:
    template = good_work_pool_template()
    del variables(template)["prefect_api_key_secret_arn"]
    assert credential_violations(stack_with(template, [])) == []


# ------------------------------------------------------------------ capacity placement
def check_capacity(template: object) -> list[str]:
    return validate(work_pool.prefect_work_pool_capacity, POOL, props(template))


SPOT_STRATEGY = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]


def spot_template(env: dict | None) -> dict:
    template = good_work_pool_template()
    variables(template).pop("launch_type", None)
    variables(template)["capacity_provider_strategy"] = {"default": SPOT_STRATEGY}
    variables(template).setdefault("env", {})["default"] = env or {}
    return template


def test_capacity_default_template_passes() -> None:
    assert check_capacity(good_work_pool_template()) == []


def test_spot_with_reschedule_passes() -> None:
    assert check_capacity(spot_template({work_pool.SIGTERM_BEHAVIOR_ENV: "reschedule"})) == []


def test_spot_without_reschedule_fails() -> None:
    (msg,) = check_capacity(spot_template({}))
    assert work_pool.SIGTERM_BEHAVIOR_ENV in msg and "crash" in msg
    (msg,) = check_capacity(spot_template({work_pool.SIGTERM_BEHAVIOR_ENV: "crash"}))
    assert "reschedule" in msg


def test_prefect_aws_fargate_spot_launch_type_needs_reschedule_too() -> None:
    template = good_work_pool_template()
    variables(template)["launch_type"] = {"default": "FARGATE_SPOT"}
    assert any(work_pool.SIGTERM_BEHAVIOR_ENV in m for m in check_capacity(template))


def test_launch_type_and_strategy_together_fail() -> None:
    template = spot_template({work_pool.SIGTERM_BEHAVIOR_ENV: "reschedule"})
    variables(template)["launch_type"] = {"default": "FARGATE"}
    (msg,) = check_capacity(template)
    assert "both launch_type" in msg


def test_the_stacks_spot_template_passes() -> None:
    from prefect_ecs.documents.capacity import flow_run_strategy, spot_environment
    from prefect_ecs.documents.job_template import build_ecs_base_job_template
    from tests.fixtures.work_pool import SAMPLE_TEMPLATE_ARGS

    template = build_ecs_base_job_template(
        **{**SAMPLE_TEMPLATE_ARGS, "contributed": {"env": spot_environment()}},
        capacity_provider_strategy=flow_run_strategy(fargate_spot=True),
    )
    assert check_capacity(template) == []
