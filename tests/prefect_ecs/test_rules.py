"""Bad input: a clear error naming the field and the fix, before anything is created."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs import PrefectEcsConfigError
from prefect_ecs.settings import check_now
from prefect_ecs_tooling.fake_aws import FakeAws
from tests.support import CLOUD_URL, RAW_API_KEY, RAW_AUTH_STRING, run_component

pytestmark = pytest.mark.mocks

SELF = "https://prefect.example.com/api"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf"


def validate_args(args: dict[str, Any]) -> None:
    found = check_now(args)
    if found:
        raise PrefectEcsConfigError(found)


def problems(args: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(PrefectEcsConfigError) as info:
        validate_args(args)
    return info.value.problems


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        ({}, "prefect_api_url", "is required"),
        ({"prefect_api_url": "ftp://x/api"}, "prefect_api_url", "not an http(s) URL"),
        ({"prefect_api_url": "prefect.example.com"}, "prefect_api_url", "not an http(s) URL"),
        ({"prefect_api_url": CLOUD_URL}, "prefect_api_key", "pulumi config set --secret prefectApiKey"),
        ({"prefect_api_url": CLOUD_URL, "prefect_auth_string": RAW_AUTH_STRING},
         "prefect_auth_string", "API key, not a basic-auth string"),
        ({"prefect_api_url": SELF, "prefect_api_key": RAW_API_KEY, "prefect_auth_string": RAW_AUTH_STRING},
         "prefect_auth_string", "only one credential source"),
        ({"prefect_api_url": SELF, "prefect_api_key": RAW_API_KEY, "prefect_api_secret_arn": SECRET_ARN},
         "prefect_api_secret_arn", "keep exactly one"),
        ({"prefect_api_url": SELF, "prefect_api_secret_arn": "not-an-arn"},
         "prefect_api_secret_arn", "not a Secrets Manager secret ARN"),
        ({"prefect_api_url": SELF, "prefect_api_secret_kind": "password"},
         "prefect_api_secret_kind", "not one of api_key, auth_string"),
        ({"prefect_api_url": SELF, "worker_cpu": 512, "worker_memory": 512},
         "worker_memory", "valid memory values for cpu 512: 1024, 2048, 3072, 4096"),
        ({"prefect_api_url": SELF, "worker_cpu": 300, "worker_memory": 1024},
         "worker_cpu", "not a Fargate size"),
        ({"prefect_api_url": SELF, "flow_run_cpu": 1024, "flow_run_memory": 1024},
         "flow_run_memory", "valid memory values for cpu 1024"),
        ({"prefect_api_url": SELF, "work_pool_name": "a/b"}, "work_pool_name", "Prefect server rejects"),
        ({"prefect_api_url": SELF, "work_pool_name": "50%"}, "work_pool_name", "Prefect server rejects"),
        ({"prefect_api_url": SELF, "work_pool_name": "x&y<z>"}, "work_pool_name", "Prefect server rejects"),
        ({"prefect_api_url": SELF, "work_pool_name": "   "}, "work_pool_name", "non-blank"),
        ({"prefect_api_url": SELF, "work_pool_name": "Prefect-pool"}, "work_pool_name", "reserves"),
        ({"prefect_api_url": SELF, "work_pool_name": "my pool"}, "work_pool_name", "task definition family"),
        ({"prefect_api_url": SELF, "worker_desired_count": -1}, "worker_desired_count", ">= 0"),
        ({"prefect_api_url": SELF, "vpc_id": "vpc-1"}, "subnet_ids", "are required when vpc_id"),
        ({"prefect_api_url": SELF, "subnet_ids": ["subnet-1"]}, "vpc_id", "is required when subnet_ids"),
        ({"prefect_api_url": SELF, "log_retention_days": 31}, "log_retention_days", "1, 3, 5, 7, 14, 30"),
        ({"prefect_api_url": SELF, "log_retention_days": 0}, "log_retention_days", "CloudWatch Logs accepts"),
        ({"prefect_api_url": SELF, "cluster_arn": "arn:aws:ecs:us-east-1:1:cluster/x"}, "cluster_arn", "cluster ARN"),
        ({"prefect_api_url": SELF, "container_insights": "on"}, "container_insights", "enabled, enhanced, disabled"),
        ({"prefect_api_url": SELF, "cpu_architecture": "arm"}, "cpu_architecture", "X86_64, ARM64"),
        ({"prefect_api_url": SELF, "worker_image": "prefecthq/prefect:3-latest"}, "worker_image", "floats"),
        ({"prefect_api_url": SELF, "worker_image": "prefecthq/prefect"}, "worker_image", "has no tag"),
        ({"prefect_api_url": SELF, "worker_environment": {"PREFECT_API_KEY": "x"}}, "worker_environment", "looks like a credential"),
        ({"prefect_api_url": SELF, "flow_run_task_role_policy_arns": ["s3-read"]}, "flow_run_task_role_policy_arns", "not an IAM policy ARN"),
        ({"prefect_api_url": SELF, "tags": {"team": 1}}, "tags", "string to string"),
    ],
)  # fmt: skip
def test_bad_input_names_field_and_fix(args: dict[str, Any], field: str, fragment: str) -> None:
    found = problems(args)
    assert any(f == field and fragment in msg for f, msg in found), found


def test_all_problems_reported_at_once() -> None:
    found = problems(
        {"prefect_api_url": "nope", "worker_desired_count": -2, "log_retention_days": 2}
    )
    assert {f for f, _ in found} == {
        "prefect_api_url",
        "worker_desired_count",
        "log_retention_days",
    }


def test_valid_inputs_pass() -> None:
    validate_args({"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY})
    validate_args({"prefect_api_url": "http://127.0.0.1:4200/api"})
    validate_args({"prefect_api_url": SELF, "prefect_api_secret_arn": SECRET_ARN,
                   "worker_image": "repo/img@sha256:" + "a" * 64})  # fmt: skip


def test_error_never_echoes_a_credential() -> None:
    with pytest.raises(PrefectEcsConfigError) as info:
        validate_args({"prefect_api_url": CLOUD_URL, "prefect_auth_string": RAW_AUTH_STRING})
    assert RAW_AUTH_STRING not in str(info.value)
    assert "RAW_AUTH" not in str(info.value)


def test_component_rejects_bad_input_before_registering_anything() -> None:
    registered: list[str] = []

    class Recording(FakeAws):
        def register(self, res):  # type: ignore[no-untyped-def]
            registered.append(res.type)
            return super().register(res)

    with pytest.raises(PrefectEcsConfigError, match="worker_memory"):
        run_component({"prefect_api_url": SELF, "worker_memory": 999}, fake=Recording())
    assert registered == []


def test_forbidden_pool_name_characters_match_prefects_own() -> None:
    from prefect.types.names import BANNED_CHARACTERS

    from prefect_ecs.validation import FORBIDDEN_POOL_NAME_CHARS

    assert sorted(FORBIDDEN_POOL_NAME_CHARS) == sorted(BANNED_CHARACTERS)
