"""The ECS base job template builder (pure; no Pulumi, no network)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from prefect_aws.workers.ecs_worker import ECSWorker

from prefect_ecs.documents.job_template import (
    build_ecs_base_job_template,
    cloudwatch_logs_variables,
    default_ecs_base_job_template,
    ecs_job_variable_names,
    secret_arn_variables,
)
from prefect_ecs.work_pool import validate_base_job_template
from tests.fixtures.work_pool import SAMPLE_TEMPLATE_ARGS as BASE
from tests.support import ROOT

pytestmark = pytest.mark.pure


def defaults(template: dict[str, Any]) -> dict[str, Any]:
    props = template["variables"]["properties"]
    return {k: v["default"] for k, v in props.items() if "default" in v}


def test_starts_from_prefect_aws_template_and_sets_defaults() -> None:
    upstream = ECSWorker.get_default_base_job_template()
    pristine = copy.deepcopy(upstream)
    t = build_ecs_base_job_template(**BASE)
    assert t["job_configuration"] == upstream["job_configuration"]
    assert set(t["variables"]["properties"]) == set(upstream["variables"]["properties"])
    assert upstream == pristine, "the upstream template must not be mutated"
    d = defaults(t)
    assert d["cluster"] == BASE["cluster_arn"]
    assert d["execution_role_arn"] == BASE["execution_role_arn"]
    assert d["task_role_arn"] == BASE["task_role_arn"]
    assert d["vpc_id"] == "vpc-123"
    # The inner awsvpcConfiguration: prefect-aws wraps it when it builds RunTask.
    assert d["network_configuration"] == {
        "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["sg-1"],
        "assignPublicIp": "DISABLED",
    }
    assert d["configure_cloudwatch_logs"] is True
    assert d["cpu"] == 1024 and d["memory"] == 2048
    assert d["match_latest_revision_in_family"] is True
    assert d.get("prefect_api_key_secret_arn") is None
    assert d.get("prefect_api_auth_string_secret_arn") is None
    assert validate_base_job_template(t) == []


def test_public_ip_enabled() -> None:
    t = build_ecs_base_job_template(**{**BASE, "assign_public_ip": True})
    cfg = defaults(t)["network_configuration"]
    assert cfg["assignPublicIp"] == "ENABLED"


def test_log_options_point_at_stack_group_and_do_not_create_groups() -> None:
    logs = cloudwatch_logs_variables(
        log_group_name="/prefect/flows", region="eu-west-1", stream_prefix="flows"
    )
    t = build_ecs_base_job_template(**{**BASE, "contributed": logs})
    opts = defaults(t)["cloudwatch_logs_options"]
    assert opts["awslogs-group"] == "/prefect/flows"
    assert opts["awslogs-region"] == "eu-west-1"
    assert opts["awslogs-stream-prefix"] == "flows"
    # prefect-aws merges {"awslogs-create-group": "true", ..., **cloudwatch_logs_options}:
    merged = {
        "awslogs-create-group": "true",
        "awslogs-group": "prefect",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "x",
        **opts,
    }
    assert merged["awslogs-create-group"] != "true"
    assert merged["awslogs-group"] == "/prefect/flows"
    assert all(isinstance(v, str) for v in opts.values())  # schema: string values


def test_prefect_aws_merges_log_options_as_assumed() -> None:
    """Guard the assumption above against the installed prefect-aws source."""
    import inspect

    from prefect_aws.workers import ecs_worker

    src = inspect.getsource(ecs_worker)
    assert '"awslogs-create-group": "true"' in src
    assert "**configuration.cloudwatch_logs_options" in src


@pytest.mark.parametrize(
    ("kind", "variable"),
    [
        ("api_key", "prefect_api_key_secret_arn"),
        ("auth_string", "prefect_api_auth_string_secret_arn"),
    ],
)
def test_exactly_the_given_secret_arn(kind: str, variable: str) -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"
    secret = secret_arn_variables(kind=kind, secret_arn=arn)
    d = defaults(build_ecs_base_job_template(**{**BASE, "contributed": secret}))
    other = (
        "prefect_api_auth_string_secret_arn"
        if variable == "prefect_api_key_secret_arn"
        else "prefect_api_key_secret_arn"
    )
    assert d[variable] == arn
    assert d.get(other) is None


def test_both_secret_arns_rejected() -> None:
    with pytest.raises(ValueError, match="at most one"):
        build_ecs_base_job_template(
            **{
                **BASE,
                "contributed": {
                    "prefect_api_key_secret_arn": "a",
                    "prefect_api_auth_string_secret_arn": "b",
                },
            }
        )


def test_job_variables_applied_last() -> None:
    t = build_ecs_base_job_template(
        **BASE, job_variables={"cpu": 4096, "launch_type": "FARGATE_SPOT", "image": "img:1"}
    )
    d = defaults(t)
    assert d["cpu"] == 4096 and d["launch_type"] == "FARGATE_SPOT" and d["image"] == "img:1"


def test_unknown_job_variable_names_it_and_lists_valid_ones() -> None:
    with pytest.raises(ValueError) as info:
        build_ecs_base_job_template(**BASE, job_variables={"cpus": 1})
    msg = str(info.value)
    assert "cpus" in msg and "cluster" in msg and "memory" in msg


def test_variable_names_helper() -> None:
    names = ecs_job_variable_names()
    assert names == sorted(default_ecs_base_job_template()["variables"]["properties"])
    assert {"cluster", "cpu", "prefect_api_key_secret_arn"} <= set(names)


def test_builder_is_pure() -> None:
    a = build_ecs_base_job_template(**BASE)
    a["variables"]["properties"]["cpu"]["default"] = 1
    b = build_ecs_base_job_template(**BASE)
    assert defaults(b)["cpu"] == 1024


def test_network_configuration_reaches_run_task_as_prefect_aws_builds_it() -> None:
    """prefect-aws's own network code, against moto's EC2, turns the default into RunTask's."""
    from types import SimpleNamespace

    import boto3
    from moto import mock_aws
    from prefect_aws.workers.ecs_worker import ECSWorker

    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
        t = build_ecs_base_job_template(**{**BASE, "vpc_id": vpc["VpcId"], "subnet_ids": subnets})
        network = defaults(t)["network_configuration"]
        config = SimpleNamespace(aws_credentials=SimpleNamespace(get_client=lambda _name: ec2))
        worker = ECSWorker.__new__(ECSWorker)
        request = worker._custom_network_configuration(vpc["VpcId"], network, config)
    assert request == {
        "awsvpcConfiguration": {
            "subnets": subnets,
            "securityGroups": ["sg-1"],
            "assignPublicIp": "DISABLED",
        }
    }


def test_shipped_template_is_prefect_aws_own_for_the_worker_images_version() -> None:
    """The template ships as data: it is exactly what the installed prefect-aws builds, and
    that prefect-aws is the version the default worker image runs."""
    from importlib.metadata import version

    from prefect_aws.workers.ecs_worker import ECSWorker

    from prefect_ecs import DEFAULT_WORKER_IMAGE
    from prefect_ecs.documents.job_template import template_prefect_aws_version

    shipped = template_prefect_aws_version()
    assert shipped == version("prefect-aws")
    assert DEFAULT_WORKER_IMAGE.split(":", 1)[1].startswith(f"{shipped}-")
    assert default_ecs_base_job_template() == ECSWorker.get_default_base_job_template()


def test_building_a_template_imports_no_prefect() -> None:
    """A plan needs neither prefect-aws nor Prefect: both take over a second to import."""
    import subprocess
    import sys

    code = (
        "import sys; from prefect_ecs.documents.job_template import build_ecs_base_job_template; "
        "from tests.fixtures.work_pool import SAMPLE_TEMPLATE_ARGS as A; "
        "build_ecs_base_job_template(**A); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'prefect_aws')))"
    )
    root = ROOT
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
        cwd=root,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"
