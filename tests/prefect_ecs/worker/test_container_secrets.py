"""``worker_secrets`` and ``flow_run_secrets`` under mocks: ECS ``secrets`` of the worker's
container and of the pool's flow-run container, each execution role reading exactly its
own, KMS only with a key given; plain values, dicts of Outputs and Outputs of dicts."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from prefect_ecs import PrefectEcsWorker
from prefect_ecs_tooling.runner import StackRun
from tests.support import (
    CLOUD_URL,
    RAW_API_KEY,
    SELF,
    config_error,
    problems_of,
    run,
    run_component,
)

pytestmark = pytest.mark.mocks

TD = "aws:ecs/taskDefinition:TaskDefinition"
POLICY = "aws:iam/rolePolicy:RolePolicy"
POOL = "pulumi-python:dynamic/prefect:WorkPool"
ACCOUNT = "123456789012"
SM = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:warehouse-AbCdEf"
SSM = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prefect/dsn"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def worker_secrets_of(result: StackRun, name: str = "w") -> list[dict[str, str]]:
    containers = json.loads(result.one(TD, f"{name}-worker").inputs["containerDefinitions"])
    return containers[0]["secrets"]


def statements(result: StackRun, suffix: str) -> dict[str, Any]:
    document = json.loads(result.one(POLICY, suffix).inputs["policy"])
    return {st["Sid"]: st for st in document["Statement"]}


def pool_container(result: StackRun) -> dict[str, Any]:
    template = result.one(POOL).inputs["base_job_template"]
    return template["job_configuration"]["task_definition"]["containerDefinitions"][0]


@pytest.fixture(scope="module")
def with_secrets() -> StackRun:
    return run_component(
        {
            "prefect_api_url": CLOUD_URL,
            "prefect_api_key": RAW_API_KEY,
            "worker_secrets": {"SLACK_WEBHOOK": SM + ":webhook::"},
            "flow_run_secrets": {"WAREHOUSE_PASSWORD": SM + ":password::", "DSN": SSM},
            "secrets_kms_key_arns": [KEY],
        }
    )


def test_worker_container_gets_its_secrets_beside_the_credential(with_secrets: StackRun) -> None:
    secret_arn = with_secrets.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert worker_secrets_of(with_secrets) == [
        {"name": "PREFECT_API_KEY", "valueFrom": secret_arn},
        {"name": "SLACK_WEBHOOK", "valueFrom": SM + ":webhook::"},
    ]


def test_each_execution_role_reads_exactly_its_own(with_secrets: StackRun) -> None:
    worker = statements(with_secrets, "-worker-execution-secret")
    assert worker["ReadContainerSecrets"]["Resource"] == [SM]
    assert "ReadContainerParameters" not in worker
    flow = statements(with_secrets, "-flow-run-execution")
    assert flow["ReadContainerSecrets"]["Resource"] == [SM]
    assert flow["ReadContainerParameters"]["Resource"] == [SSM]
    for sts in (worker, flow):
        decrypt = sts["DecryptContainerSecrets"]
        assert decrypt["Resource"] == [KEY] and decrypt["Action"] == "kms:Decrypt"
        assert "ReadPrefectApiSecret" in sts  # the credential's read stays


def test_flow_runs_get_theirs_through_the_pool_template(with_secrets: StackRun) -> None:
    assert pool_container(with_secrets)["secrets"] == [
        {"name": "DSN", "valueFrom": SSM},
        {"name": "WAREHOUSE_PASSWORD", "valueFrom": SM + ":password::"},
    ]


def test_without_them_nothing_changes() -> None:
    result = run_component({"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY})
    assert [s["name"] for s in worker_secrets_of(result)] == ["PREFECT_API_KEY"]
    for suffix in ("-worker-execution-secret", "-flow-run-execution"):
        assert not {sid for sid in statements(result, suffix) if "Container" in sid}
    assert "secrets" not in pool_container(result)


def test_outputs_of_dicts_and_dicts_of_outputs() -> None:
    def program() -> None:
        PrefectEcsWorker(
            "w",
            {
                "prefect_api_url": SELF,
                "worker_secrets": pulumi.Output.from_input({"A": SSM}),
                "flow_run_secrets": {"B": pulumi.Output.from_input(SM)},
            },
        )

    result = run(program)
    assert worker_secrets_of(result) == [{"name": "A", "valueFrom": SSM}]
    assert pool_container(result)["secrets"] == [{"name": "B", "valueFrom": SM}]
    assert statements(result, "-worker-execution-secret")["ReadContainerParameters"]
    assert "DecryptContainerSecrets" not in statements(result, "-flow-run-execution")


def test_an_output_resolving_to_a_bad_secret_fails_with_the_same_message() -> None:
    def program() -> None:
        PrefectEcsWorker(
            "w",
            {
                "prefect_api_url": SELF,
                "worker_secrets": pulumi.Output.from_input({"PREFECT_API_KEY": SM}),
            },
        )

    with pytest.raises(Exception) as info:
        run(program)
    problems = config_error(info.value).problems
    assert problems[0][0] == "worker_secrets" and "prefect_api_secret_arn" in problems[0][1]


def test_bad_input_is_refused_before_anything_exists() -> None:
    found = problems_of(
        {
            "prefect_api_url": SELF,
            "worker_environment": {"DB_PASSWD": "x", "PREFECT_WORKER_WEBSERVER_PORT": "9000"},
            "flow_run_secrets": {"B": "not-an-arn"},
            "work_pool_job_variables": {"prefect_api_key_secret_arn": None},
        }
    )
    assert sorted(f for f, _ in found) == [
        "flow_run_secrets",
        "work_pool_job_variables",
        "worker_environment",
        "worker_environment",
    ]
