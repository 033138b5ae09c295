"""Work pool job variables that would undo the stack's wiring are refused before anything
is created, naming the argument that sets the variable instead; the ones a pool may set
are checked like the stack's own values."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.args import arg_to_config_key
from prefect_ecs.documents.job_template import (
    WIRED_JOB_VARIABLES,
    build_ecs_base_job_template,
    ecs_job_variable_names,
)
from prefect_ecs.settings import check_now
from tests.fixtures.work_pool import SAMPLE_TEMPLATE_ARGS

pytestmark = pytest.mark.pure

SELF = "https://prefect.example.com/api"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf"


def pool_problems(variables: dict[str, Any], **more: Any) -> list[str]:
    found = check_now({"prefect_api_url": SELF, "work_pool_job_variables": variables, **more})
    return [msg for field, msg in found if field == "work_pool_job_variables"]


@pytest.mark.parametrize(
    ("variables", "fix"),
    [
        ({"prefect_api_key_secret_arn": SECRET}, "prefect_api_secret_arn"),
        ({"prefect_api_key_secret_arn": None}, "prefect_api_key"),
        ({"prefect_api_auth_string_secret_arn": None}, "flow_run_secrets"),
        ({"prefect_api_auth_string_secret_arn": SECRET}, "prefect_auth_string"),
        ({"cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/other"}, "cluster_arn"),
        ({"execution_role_arn": "arn:aws:iam::123456789012:role/x"}, "flow_run_secrets"),
        ({"task_role_arn": "arn:aws:iam::123456789012:role/x"}, "flow_run_task_role_arn"),
        ({"aws_credentials": {"$ref": {"block_document_id": "x"}}}, "task role"),
        ({"configure_cloudwatch_logs": False}, "log_retention_days"),
        ({"cloudwatch_logs_options": {"awslogs-group": "mine"}}, "log_retention_days"),
        ({"cloudwatch_logs_prefix": "mine"}, "no effect"),
        ({"network_configuration": {}}, "subnet_ids"),
        ({"vpc_id": "vpc-1"}, "security_group_ids"),
        ({"family": "mine"}, "RunTask"),
        ({"task_definition_arn": "arn:x"}, "RunTask"),
        ({"stream_output": True}, "unknown ECS job variable"),  # not a variable at all
        ({"subnets": ["subnet-1"]}, "unknown ECS job variable"),
    ],
)  # fmt: skip
def test_wired_variable_is_refused_naming_the_fix(variables: dict[str, Any], fix: str) -> None:
    found = pool_problems(variables)
    assert len(found) == 1 and fix in found[0], found
    name = next(iter(variables))
    assert name in found[0] and SECRET not in found[0]


def test_fix_names_the_config_keys_in_a_stack() -> None:
    found = check_now(
        {"prefect_api_url": SELF, "work_pool_job_variables": {"prefect_api_key_secret_arn": None}},
        label=arg_to_config_key,
    )
    assert [f for f, _ in found] == ["workPoolJobVariables"]
    assert "prefectApiSecretArn" in found[0][1] and "flowRunSecrets" in found[0][1]


def test_every_wired_variable_is_a_template_variable_and_the_builder_refuses_it() -> None:
    assert set(WIRED_JOB_VARIABLES) <= set(ecs_job_variable_names())
    for name in WIRED_JOB_VARIABLES:
        with pytest.raises(ValueError, match=name):
            build_ecs_base_job_template(**SAMPLE_TEMPLATE_ARGS, job_variables={name: None})


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"DB_PASSWD": "x"}, "flow_run_secrets"),
        ({"PREFECT_API_KEY": "x"}, "prefect_api_key"),
        ({"DATABASE_URL": "postgresql://u:hunter2@db/x"}, "a URL with a password"),
        ({"PREFECT_CLIENT_CUSTOM_HEADERS": '{"Authorization": "Bearer x"}'}, "Authorization"),
        ({"PREFECT_API_URL": "http://elsewhere/api"}, "prefect_api_url"),
        ({"PREFECT__FLOW_RUN_ID": "x"}, "each flow run"),
        ({"1BAD": "x"}, "not an environment variable name"),
    ],
)
def test_env_job_variable_is_checked_like_the_workers(env: dict[str, str], fragment: str) -> None:
    found = pool_problems({"env": env})
    assert len(found) == 1 and fragment in found[0], found
    assert "hunter2" not in found[0]


def test_env_job_variable_without_credentials_passes() -> None:
    env = {"TOKENIZERS_PARALLELISM": "false", "KEYCLOAK_URL": "https://k", "AWS_KMS_KEY_ID": "k"}
    assert pool_problems({"env": env}) == []


def test_env_name_also_in_flow_run_secrets_is_refused() -> None:
    found = pool_problems({"env": {"WAREHOUSE": "x"}}, flow_run_secrets={"WAREHOUSE": SECRET})
    assert len(found) == 1 and "also in flow_run_secrets" in found[0]


@pytest.mark.parametrize(
    ("variables", "fragment"),
    [
        ({"cpu": 1000}, "not a Fargate size"),
        ({"memory": 1024}, "memory 1024 is not valid with cpu 1024"),  # flow_run_cpu's 1024
        ({"cpu": 512, "memory": 8192}, "valid memory values for cpu 512"),
        ({"cpu": "lots"}, "whole number"),
        ({"cpu": 8192, "memory": 16384}, "above flow_run_max_cpu"),
        ({"image": "prefecthq/prefect:3-latest"}, "floats"),
        ({"image": "my/flows"}, "has no tag"),
    ],
)
def test_size_and_image_are_checked_like_the_stacks(
    variables: dict[str, Any], fragment: str
) -> None:
    found = pool_problems(variables)
    assert len(found) == 1 and fragment in found[0], found


@pytest.mark.parametrize(
    "variables",
    [
        {"cpu": 2048, "memory": 4096},
        {"cpu": "2048", "memory": "8192"},
        {"memory": 4096},
        {"image": "my/flows:1.2.3"},
        {"auto_deregister_task_definition": True, "launch_type": "FARGATE"},
    ],
)
def test_what_a_pool_may_choose_passes(variables: dict[str, Any]) -> None:
    assert pool_problems(variables) == []


def test_nothing_is_checked_without_a_managed_pool() -> None:
    found = check_now(
        {"prefect_api_url": SELF, "create_work_pool": False,
         "work_pool_job_variables": {"cluster": "x", "env": {"DB_PASSWD": "x"}}}
    )  # fmt: skip
    assert [m for f, m in found if f == "work_pool_job_variables"] == []
