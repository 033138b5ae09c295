"""The stack program's loader: secret config checked on its plain value before anything
exists, warnings named by config key, project defaults not counted as set, the stack's
region compared with ARNs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prefect_ecs import PrefectEcsConfigError
from prefect_ecs_tooling.plan import make_plan, render_plan
from tests.support import ROOT

pytestmark = pytest.mark.mocks

BASE = """\
config:
  aws:region: {region}
  prefect-ecs:prefectApiUrl: {url}
  prefect-ecs:workPoolName: pool-a
"""


def project(tmp_path: Path, stack: str, extra: str = "", *, region: str = "us-east-1",
            url: str = "https://prefect.example.com/api") -> Path:  # fmt: skip
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(BASE.format(region=region, url=url) + extra)
    return tmp_path


@pytest.mark.parametrize(
    ("extra", "key", "fragment"),
    [
        ("  prefect-ecs:prefectAuthString: null\n", "prefectAuthString", "is the word 'null'"),
        ("  prefect-ecs:prefectAuthString: adminNEVERSHOWN\n", "prefectAuthString", "<user>:<password>"),
        ("  prefect-ecs:prefectAuthString: ''\n", "prefectAuthString", "is empty"),
    ],
    ids=["null", "no-colon", "empty"],
)  # fmt: skip
def test_secret_config_is_checked_before_anything_exists(
    tmp_path: Path, extra: str, key: str, fragment: str
) -> None:
    with pytest.raises(PrefectEcsConfigError) as info:
        make_plan(project(tmp_path, "s", extra), "s")
    assert any(f == f"prefect-ecs:{key}" and fragment in m for f, m in info.value.problems)
    assert "NEVERSHOWN" not in str(info.value)


def test_a_warning_names_the_config_key_once_and_the_plan_prints_it(tmp_path: Path) -> None:
    plan = make_plan(project(tmp_path, "w", "  prefect-ecs:workerDesiredCount: 8\n"), "w")
    (warning,) = [w for w in plan.run.warnings if "workerDesiredCount" in w]
    assert warning.startswith("prefect-ecs:workerDesiredCount: 8 workers cost about $")
    assert f"warning: {warning}" in render_plan(plan)


def test_project_defaults_do_not_count_as_set(tmp_path: Path) -> None:
    """Pulumi.yaml's default flowImageKeepCount used to refuse every stack without
    flowImageRepository ('applies to the repository ... creates')."""
    plan = make_plan(project(tmp_path, "plain"), "plain")
    assert plan.run.by_type("aws:ecs/service:Service")


def test_an_arn_of_another_region_than_the_stack_is_refused(tmp_path: Path) -> None:
    cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/shared"
    extra = f"  prefect-ecs:clusterArn: {cluster}\n"
    with pytest.raises(PrefectEcsConfigError) as info:
        make_plan(project(tmp_path, "eu", extra, region="eu-west-1"), "eu")
    ((field, message),) = info.value.problems
    assert field == "prefect-ecs:clusterArn"
    assert "is in us-east-1, but the stack deploys to eu-west-1" in message


def test_an_encrypted_auth_string_is_planned_with_a_placeholder_of_its_form(
    tmp_path: Path,
) -> None:
    """The credential rule asks for user:password; the plan's placeholder has that form."""
    shutil.copy(ROOT / "examples" / "stacks" / "Pulumi.self-hosted.yaml", tmp_path)
    plan = make_plan(project(tmp_path, "unused"), "self-hosted")
    assert plan.run.by_type("aws:ecs/service:Service")
    assert any("prefectAuthString is encrypted" in note for note in plan.assumptions)
