"""Other secrets of the worker and of flow runs, as documents: the container entries, the
execution roles' exact reads, and the pool template's flow-run container, rendered by
prefect-aws's own worker code (the secrets survive and the credential joins them)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from prefect_ecs.documents.containers import container_secrets
from prefect_ecs.documents.iam import read_container_secrets_statements, secret_source
from prefect_ecs.documents.job_template import (
    build_ecs_base_job_template,
    default_ecs_base_job_template,
)
from tests.fixtures.work_pool import SAMPLE_TEMPLATE, SAMPLE_TEMPLATE_ARGS

pytestmark = pytest.mark.pure

ACCOUNT = "123456789012"
SM = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:warehouse-AbCdEf"
SM_OTHER_REGION = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:shared-XyZ123"
SSM = f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/prefect/warehouse-user"
API_KEY_SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prefect-key-QwErTy"
GOV_SSM = f"arn:aws-us-gov:ssm:us-gov-west-1:{ACCOUNT}:parameter/x"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("value_from", "resource"),
    [
        (SM, SM),
        (f"{SM}:password::", SM),
        (f"{SM}:password:AWSCURRENT:", SM),
        (f"{SM}::AWSPREVIOUS:", SM),
        (SSM, SSM),
        (GOV_SSM, GOV_SSM),
        (f"{SM}:password", None),
        ("warehouse", None),
        (f"arn:aws:s3:::bucket/{ACCOUNT}", None),
    ],
)
def test_value_from_forms(value_from: str, resource: str | None) -> None:
    match = secret_source(value_from)
    assert (match["arn"] if match else None) == resource


def test_container_entries_are_sorted_by_name() -> None:
    assert container_secrets({"B": SSM, "A": SM}) == [
        {"name": "A", "valueFrom": SM},
        {"name": "B", "valueFrom": SSM},
    ]


def test_reads_exactly_the_named_secrets_and_parameters() -> None:
    statements = read_container_secrets_statements(
        value_froms=[f"{SM}:password::", f"{SM}:user::", SSM, SM_OTHER_REGION]
    )
    assert statements == [
        {
            "Sid": "ReadContainerSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [SM, SM_OTHER_REGION],
        },
        {
            "Sid": "ReadContainerParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": [SSM],
        },
    ]
    assert read_container_secrets_statements(value_froms=[]) == []
    assert read_container_secrets_statements(value_froms=[], kms_key_arns=[KEY]) == []


def test_decrypt_only_with_a_given_key_and_only_through_the_services() -> None:
    statements = read_container_secrets_statements(
        value_froms=[SM, SSM, SM_OTHER_REGION], kms_key_arns=[KEY, KEY]
    )
    assert statements[-1] == {
        "Sid": "DecryptContainerSecrets",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": [KEY],
        "Condition": {
            "StringEquals": {
                "kms:ViaService": [
                    "secretsmanager.eu-west-1.amazonaws.com",
                    "secretsmanager.us-east-1.amazonaws.com",
                    "ssm.eu-west-1.amazonaws.com",
                ]
            }
        },
    }


def test_template_without_secrets_is_unchanged() -> None:
    upstream = default_ecs_base_job_template()["job_configuration"]["task_definition"]
    assert SAMPLE_TEMPLATE["job_configuration"]["task_definition"] == upstream


def _template(**more: Any) -> dict[str, Any]:
    contributed = {
        **SAMPLE_TEMPLATE_ARGS["contributed"],
        "prefect_api_key_secret_arn": API_KEY_SECRET,
    }
    return build_ecs_base_job_template(
        **{**SAMPLE_TEMPLATE_ARGS, "contributed": contributed},
        container_secrets=[
            {"name": "WAREHOUSE_USER", "valueFrom": SSM},
            {"name": "WAREHOUSE_PASSWORD", "valueFrom": f"{SM}:password::"},
        ],
        **more,
    )


def test_flow_run_secrets_survive_prefect_aws_rendering_and_join_the_credential() -> None:
    """prefect-aws 0.7.12's own code: the pool's template rendered into a job
    configuration (no block references, so no API call), prepared for a flow run of a
    worker that holds an API key, and turned into the task definition it registers."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.settings import PREFECT_API_KEY, PREFECT_API_URL, temporary_settings
    from prefect_aws.workers.ecs_worker import ECSJobConfiguration, ECSWorker

    template = _template()
    values = {
        name: spec["default"]
        for name, spec in template["variables"]["properties"].items()
        if spec.get("default") is not None and name != "aws_credentials"
    }
    flow_run = FlowRun(flow_id=uuid.uuid4(), name="r", deployment_id=uuid.uuid4())
    unreachable = {PREFECT_API_URL: "http://127.0.0.1:9/api", PREFECT_API_KEY: "pnu_" + "k" * 36}
    with temporary_settings(unreachable):
        configuration = asyncio.run(ECSJobConfiguration.from_template_and_values(template, values))
        configuration.prepare_for_flow_run(flow_run)
    worker = ECSWorker.__new__(ECSWorker)
    worker._work_pool_name = "pool"
    task_definition = worker._prepare_task_definition(configuration, "eu-west-1", flow_run)
    (container,) = task_definition["containerDefinitions"]
    assert container["secrets"] == [
        {"name": "WAREHOUSE_PASSWORD", "valueFrom": f"{SM}:password::"},
        {"name": "WAREHOUSE_USER", "valueFrom": SSM},
        {"name": "PREFECT_API_KEY", "valueFrom": API_KEY_SECRET},
    ]
    assert "PREFECT_API_KEY" not in configuration.env  # the key only as a secret
    assert not {"WAREHOUSE_USER", "WAREHOUSE_PASSWORD"} & set(configuration.env)
