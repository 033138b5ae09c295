"""The ECS base job template builder (pure; no Pulumi, no network)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from prefect_aws.workers.ecs_worker import ECSWorker

from prefect_ecs.documents.job_template import (
    build_ecs_base_job_template,
    default_ecs_base_job_template,
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
    run_request = t["job_configuration"]["task_run_request"]
    assert run_request.pop("networkConfiguration") == {
        "awsvpcConfiguration": {
            "subnets": ["subnet-a", "subnet-b"],
            "securityGroups": ["sg-1"],
            "assignPublicIp": "DISABLED",
        }
    }
    assert t["job_configuration"] == upstream["job_configuration"], "nothing else changed"
    assert set(t["variables"]["properties"]) == set(upstream["variables"]["properties"])
    assert upstream == pristine, "the upstream template must not be mutated"
    d = defaults(t)
    assert d["cluster"] == BASE["cluster_arn"]
    assert d["execution_role_arn"] == BASE["execution_role_arn"]
    assert d["task_role_arn"] == BASE["task_role_arn"]
    # Either would send the worker through its ec2 lookups on every flow run.
    assert d.get("vpc_id") is None and not d.get("network_configuration")
    assert d["configure_cloudwatch_logs"] is True
    assert d["cpu"] == 1024 and d["memory"] == 2048
    assert d["match_latest_revision_in_family"] is True
    assert d.get("prefect_api_key_secret_arn") is None
    assert d.get("prefect_api_auth_string_secret_arn") is None
    assert validate_base_job_template(t) == []


def test_public_ip_enabled() -> None:
    t = build_ecs_base_job_template(**{**BASE, "assign_public_ip": True})
    network = t["job_configuration"]["task_run_request"]["networkConfiguration"]
    assert network["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"


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
