"""Secrets (plaintext credentials, KMS) and logs (retention, log configuration) policies."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.credential_cases import CREDENTIAL_CASES
from tests.fixtures.manual_guide import resource, secret
from tests.fixtures.policy_helpers import by_policy, container, task_definition, validate

# isort: split
from prefect_ecs_policies import logs, secrets
from prefect_ecs_policies.analyzer import analyze_resources

pytestmark = pytest.mark.pure

TD = "aws:ecs/taskDefinition:TaskDefinition"
SECRET = "aws:secretsmanager/secret:Secret"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def td_props(*containers: dict) -> dict:
    return {"containerDefinitions": json.dumps(list(containers))}


def env(**variables: str) -> dict:
    return container(environment=[{"name": k, "value": v} for k, v in variables.items()])


@pytest.mark.parametrize(
    "variables",
    [
        {"PREFECT_API_URL": "https://api.prefect.cloud/api/accounts/a/workspaces/w"},
        {"PREFECT_LOGGING_LEVEL": "INFO", "AWS_REGION": "us-east-1"},
        {"PREFECT_API_URL": "http://prefect-server:4200/api"},
    ],
)
def test_plaintext_credentials_compliant(variables: dict) -> None:
    assert validate(secrets.ecs_no_plaintext_credentials, TD, td_props(env(**variables))) == []


@pytest.mark.parametrize(
    "variables",
    [
        {"PREFECT_API_KEY": "pnu_x"},
        {"PREFECT_API_AUTH_STRING": "admin:pass"},
        {"DB_PASSWORD": "x"},
        {"GITHUB_TOKEN": "x"},
        {"MY_SECRET_VALUE": "x"},
        {"stripe_api_key": "x"},
        {"OTHER": "pnu_0123456789abcdefghijklmnopqrstuvwxyz"},
        {"DATABASE_URL": "postgresql://user:hunter2@db:5432/prefect"},
    ],
)
def test_plaintext_credentials_violations(variables: dict) -> None:
    messages = validate(secrets.ecs_no_plaintext_credentials, TD, td_props(env(**variables)))
    assert len(messages) == 1
    assert next(iter(variables)) in messages[0]


def test_credentials_in_secrets_block_are_fine_and_command_keys_are_not() -> None:
    ok = container(secrets=[{"name": "PREFECT_API_KEY", "valueFrom": "arn:aws:secretsmanager:x"}])
    assert validate(secrets.ecs_no_plaintext_credentials, TD, td_props(ok)) == []
    bad = container(command=["prefect", "cloud", "login", "-k", "pnu_" + "a" * 36])
    assert validate(secrets.ecs_no_plaintext_credentials, TD, td_props(bad))


def test_plaintext_credentials_config() -> None:
    props = td_props(env(PREFECT_API_KEY="x", SIGNING_KEY="not-secret", SESSION_COOKIE="c"))
    assert len(validate(secrets.ecs_no_plaintext_credentials, TD, props)) == 2
    config = {"allowedNames": ["SIGNING_*"], "secretNamePatterns": ["PREFECT_API_KEY", "*COOKIE*"]}
    messages = validate(secrets.ecs_no_plaintext_credentials, TD, props, config)
    assert len(messages) == 2 and not any("SIGNING_KEY" in m for m in messages)
    # The analyzer path with the config file shape.
    resources = [task_definition(env(SIGNING_KEY="x"))]
    assert by_policy(analyze_resources(resources), "ecs-no-plaintext-credentials")
    config_file = {
        "ecs-no-plaintext-credentials": {"allowedNames": ["PREFECT_API_URL", "SIGNING_*"]}
    }
    assert analyze_resources(resources, config_file) == []


def test_secret_wrapped_container_definitions_are_still_checked() -> None:
    resources = [task_definition(env(PREFECT_API_KEY="x"))]
    resources[0]["inputs"]["containerDefinitions"] = secret(
        resources[0]["inputs"]["containerDefinitions"]
    )
    assert [v.policy_name for v in analyze_resources(resources)] == ["ecs-no-plaintext-credentials"]
    # Direct validate calls with an envelope behave the same.
    props = {
        "containerDefinitions": secret(td_props(env(PREFECT_API_KEY="x"))["containerDefinitions"])
    }
    assert validate(secrets.ecs_no_plaintext_credentials, TD, props)


def test_secret_kms_key_advisory() -> None:
    assert validate(secrets.secretsmanager_customer_kms_key, SECRET, {"kmsKeyId": "arn:kms"}) == []
    assert validate(secrets.secretsmanager_customer_kms_key, SECRET, {"name": "s"})
    violations = analyze_resources([resource(SECRET, "s", {"name": "s"})])
    assert [(v.policy_name, v.enforcement_level) for v in violations] == [
        ("secretsmanager-customer-kms-key", "advisory")
    ]
    made_mandatory = analyze_resources(
        [resource(SECRET, "s", {})], {"secretsmanager-customer-kms-key": "mandatory"}
    )
    assert [v.enforcement_level for v in made_mandatory] == ["mandatory"]


@pytest.mark.parametrize(
    ("days", "ok"), [(30, True), (3653, True), (14, False), (0, False), (None, False)]
)
def test_log_group_retention(days: int | None, ok: bool) -> None:
    props = {} if days is None else {"retentionInDays": days}
    assert (validate(logs.log_group_retention, LOG_GROUP, props) == []) is ok


def test_log_group_retention_config() -> None:
    assert (
        validate(
            logs.log_group_retention, LOG_GROUP, {"retentionInDays": 7}, {"minimumRetentionDays": 7}
        )
        == []
    )
    assert validate(
        logs.log_group_retention, LOG_GROUP, {"retentionInDays": 60}, {"minimumRetentionDays": 90}
    )
    # Unset is a violation whatever the minimum.
    assert validate(logs.log_group_retention, LOG_GROUP, {}, {"minimumRetentionDays": 1})


def test_container_log_configuration() -> None:
    policy = logs.ecs_container_log_configuration
    assert validate(policy, TD, td_props(container(), container(name="sidecar"))) == []
    missing = validate(
        policy, TD, td_props(container(), container(name="side", logConfiguration=None))
    )
    assert len(missing) == 1 and "'side'" in missing[0]
    assert validate(policy, TD, td_props(container(logConfiguration={"options": {}})))
    assert validate(policy, TD, {"containerDefinitions": "not json"})
    assert validate(policy, "aws:ecs/service:Service", {}) == []


@pytest.mark.parametrize(("name", "value", "credential"), CREDENTIAL_CASES)
def test_plaintext_credentials_follow_the_stacks_rule(
    name: str, value: str, credential: bool
) -> None:
    """The stack's own table: no false positives (TOKENIZERS_PARALLELISM, KEYCLOAK_URL,
    AWS_KMS_KEY_ID, ..._SECRET_ARN) and no misses (DB_PASSWD, URL passwords, headers)."""
    messages = validate(secrets.ecs_no_plaintext_credentials, TD, td_props(env(**{name: value})))
    assert bool(messages) is credential, messages
    assert all(value not in m for m in messages)
