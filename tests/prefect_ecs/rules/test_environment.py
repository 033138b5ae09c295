"""The worker's environment and the secrets of the worker and flow runs: credentials only
as secrets (the fix names the secrets arguments), nothing that contradicts the component."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.args import arg_to_config_key
from prefect_ecs.settings import check_now
from tests.fixtures.credential_cases import CREDENTIAL_CASES

pytestmark = pytest.mark.pure

SELF = "https://prefect.example.com/api"
SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:warehouse-AbCdEf"
SSM = "arn:aws:ssm:us-east-1:123456789012:parameter/prefect/warehouse"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def problems(**args: Any) -> list[tuple[str, str]]:
    return check_now({"prefect_api_url": SELF, **args})


def on(field: str, **args: Any) -> list[str]:
    return [msg for f, msg in problems(**args) if f == field]


@pytest.mark.parametrize(("name", "value", "credential"), CREDENTIAL_CASES)
def test_worker_environment_credentials_by_the_shared_table(
    name: str, value: str, credential: bool
) -> None:
    found = on("worker_environment", worker_environment={name: value})
    if name == "PREFECT_API_URL":
        assert found and "prefect_api_url" in found[0]
    elif credential:
        assert len(found) == 1 and "looks like a credential" in found[0], found
        assert value not in found[0]
        fix = "prefect_api_key" if name.startswith("PREFECT_API_") else "worker_secrets"
        assert fix in found[0]
    else:
        assert found == []


def test_credential_fix_names_the_config_key_in_a_stack() -> None:
    found = check_now(
        {"prefect_api_url": SELF, "worker_environment": {"DB_PASSWD": "x"}},
        label=arg_to_config_key,
    )
    assert found[0][0] == "workerEnvironment" and "workerSecrets" in found[0][1]


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({"PREFECT_WORKER_WEBSERVER_PORT": "9090"}, True),
        ({"PREFECT_WORKER_WEBSERVER_PORT": "8080"}, False),
        ({"PREFECT_WORKER_WEBSERVER_HOST": "10.0.0.5"}, True),
        ({"PREFECT_WORKER_WEBSERVER_HOST": "127.0.0.1"}, False),
        ({"PREFECT_WORKER_WEBSERVER_HOST": "0.0.0.0"}, False),
        ({"PREFECT_WORKER_QUERY_SECONDS": "30"}, False),
        ({"PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME": "q"}, True),
    ],
)
def test_worker_environment_that_contradicts_the_component(
    env: dict[str, str], refused: bool
) -> None:
    found = on("worker_environment", worker_environment=env)
    assert bool(found) is refused, found
    if refused and "WEBSERVER" in next(iter(env)):
        assert "health check" in found[0]


@pytest.mark.parametrize("field", ["worker_secrets", "flow_run_secrets"])
@pytest.mark.parametrize(
    ("secrets", "fragment"),
    [
        ({"1X": SM}, "not an environment variable name"),
        ({"PREFECT_API_KEY": SM}, "prefect_api_secret_arn"),
        ({"PREFECT_API_AUTH_STRING": SM}, "prefect_auth_string"),
        ({"PREFECT_API_URL": SM}, "prefect_api_url"),
        ({"PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME": SM}, "queue"),
        ({"WAREHOUSE": "arn:aws:s3:::bucket/key"}, "neither a Secrets Manager"),
        ({"WAREHOUSE": "warehouse"}, "neither a Secrets Manager"),
        ({"WAREHOUSE": SM + ":password"}, "neither a Secrets Manager"),
    ],
)
def test_bad_secrets(field: str, secrets: dict[str, str], fragment: str) -> None:
    found = on(field, **{field: secrets})
    assert len(found) == 1 and fragment in found[0], found


@pytest.mark.parametrize(
    "secrets",
    [{"WAREHOUSE": SM}, {"WAREHOUSE_PASSWORD": SM + ":password::"}, {"DB": SSM}, {}],
)
def test_good_secrets(secrets: dict[str, str]) -> None:
    assert problems(worker_secrets=secrets, flow_run_secrets=secrets) == []


def test_flow_run_only_names_and_an_unmanaged_pool() -> None:
    assert on("flow_run_secrets", flow_run_secrets={"PREFECT__FLOW_RUN_ID": SM})
    assert on("worker_secrets", worker_secrets={"PREFECT__FLOW_RUN_ID": SM}) == []
    found = on("flow_run_secrets", flow_run_secrets={"WAREHOUSE": SM}, create_work_pool=False)
    assert len(found) == 1 and "create_work_pool" in found[0]


def test_a_name_in_both_environment_and_secrets() -> None:
    found = on(
        "worker_secrets", worker_environment={"WAREHOUSE": "x"}, worker_secrets={"WAREHOUSE": SM}
    )
    assert len(found) == 1 and "also in worker_environment" in found[0]


def test_secrets_kms_keys() -> None:
    assert problems(secrets_kms_key_arns=[KEY], worker_secrets={"W": SM}) == []
    alias = "arn:aws:kms:us-east-1:123456789012:alias/mine"
    found = on("secrets_kms_key_arns", secrets_kms_key_arns=[alias], flow_run_secrets={"W": SM})
    assert len(found) == 1 and "not a KMS key ARN" in found[0]
    found = on("secrets_kms_key_arns", secrets_kms_key_arns=[KEY])
    assert len(found) == 1 and "neither is set" in found[0]
