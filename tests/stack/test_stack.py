"""The stack program, its config schema, and the offline plan command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prefect_ecs_tooling.plan import PLACEHOLDER_SECRET, make_plan, render_plan
from tests.support import ROOT

pytestmark = pytest.mark.mocks

PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def test_runtime_uses_venv_with_pip() -> None:
    assert PROJECT["name"] == "prefect-ecs"
    assert PROJECT["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }


def test_dev_stack_runs_and_exports_everything() -> None:
    plan = make_plan(ROOT, "dev")
    run = plan.run
    assert run.stack == "dev" and run.project == "prefect-ecs"
    assert [r.type for r in run.resources if not r.custom] == ["prefect-ecs:index:PrefectEcsWorker"]
    assert set(run.outputs) >= {
        "clusterArn", "clusterName", "serviceName", "taskDefinitionArn", "workerExecutionRoleArn",
        "workerTaskRoleArn", "flowRunExecutionRoleArn", "flowRunTaskRoleArn", "secretArn",
        "workerLogGroupName", "flowRunLogGroupName", "securityGroupIds", "workPoolName",
    }  # fmt: skip
    assert run.outputs["workPoolName"] == "my-ecs-pool"
    tags = run.one("aws:ecs/cluster:Cluster").inputs["tags"]
    assert tags["team"] == "data-platform" and tags["env"] == "dev"
    # The dev stack has no key in its file: the plan says so and uses a placeholder.
    assert any("pulumi config set --secret prefectApiKey" in n for n in plan.assumptions)


def test_rendered_plan_shows_tree_iam_and_hides_secrets() -> None:
    text = render_plan(make_plan(ROOT, "dev"))
    assert "+ prefect-ecs:index:PrefectEcsWorker  prefect" in text
    assert "    + aws:ecs/service:Service  prefect-worker" in text
    assert "Allow iam:PassRole on arn:aws:iam::123456789012:role/prefect-flow-run-execution" in text
    assert "when iam:PassedToService StringEquals" in text
    assert "secretString: [secret]" in text and "prefectApiKey = [secret]" in text
    assert PLACEHOLDER_SECRET not in text
    assert "Estimated cost: about $" in text


def test_plan_cost_lines_are_the_stacks_cost_output() -> None:
    from prefect_ecs.documents.cost import render_estimate

    plan = make_plan(ROOT, "dev")
    out = plan.run.outputs["monthlyCostEstimate"]
    text = render_plan(plan)
    # One estimate, one source: the plan prints the component's output, rendered.
    assert "\n".join(render_estimate(out)) in text
    assert f"monthlyCostEstimate: ${out['monthlyTotal']:.2f}/month" in text
    lines = {m["item"]: m["usd"] for m in out["monthly"]}
    # The dev stack: the default worker (0.25 vCPU / 0.5 GB ARM64), its public IP, the
    # secret, the observer's queue and three alarms.
    assert lines["worker"] == 7.21
    assert "worker: $7.21 (1 x 0.25 vCPU / 0.5 GB ARM64 Fargate, 730 h)" in text
    assert lines["public IPv4"] == 3.65
    assert lines["alarms"] == 0.30 and lines["secret"] == 0.40
    assert "fargate (the pool default): $0.0544/h per flow run of 1 vCPU / 2 GB" in text


def _copy_project(tmp_path: Path, stack_yaml: str, name: str = "bad") -> Path:
    for item in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / item, tmp_path / item)
    (tmp_path / f"Pulumi.{name}.yaml").write_text(stack_yaml)
    return tmp_path


def _plan_cli(project: Path, stack: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "prefect_ecs_tooling",
            "plan",
            "--stack",
            stack,
            "--project-dir",
            str(project),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_plan_cli_prints_plan_for_dev() -> None:
    proc = _plan_cli(ROOT, "dev")
    assert proc.returncode == 0, proc.stderr
    assert "resources to create" in proc.stdout


@pytest.mark.parametrize(
    ("stack_yaml", "message"),
    [
        ("config:\n  prefect-ecs:prefectApiUrl: http://p:4200/api\n  prefect-ecs:workerMemory: 999\n",
         "prefect-ecs:workerMemory: memory 999 is not valid with cpu 256"),
        ("config:\n  prefect-ecs:prefectApiUrl: http://p:4200/api\n  prefect-ecs:workerCpu: lots\n",
         "prefect-ecs:workerCpu: expected an integer"),
        ("config:\n  prefect-ecs:prefectApiUrl: http://p:4200/api\n  prefect-ecs:vpcId: vpc-1\n",
         "prefect-ecs:subnetIds: are required when prefect-ecs:vpcId is set"),
        ("config:\n  prefect-ecs:workPoolName: ok\n", "prefect-ecs:prefectApiUrl: is required"),
        ("config:\n  prefect-ecs:prefectApiUrl: http://p:4200/api\n  prefect-ecs:workerCPU: 512\n",
         "prefect-ecs:workerCPU: unknown stack config key; did you mean 'workerCpu'?"),
        ("config:\n  prefect-ecs:prefectApiUrl: http://p:4200/api\n  prefect-ecs:assignPublicIp: 'yes'\n",
         "prefect-ecs:assignPublicIp: expected true or false, got 'yes'"),
    ],
)  # fmt: skip
def test_plan_cli_bad_config_exits_nonzero_with_clear_message(
    tmp_path: Path, stack_yaml: str, message: str
) -> None:
    proc = _plan_cli(_copy_project(tmp_path, stack_yaml), "bad")
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_plan_cli_unknown_stack(tmp_path: Path) -> None:
    proc = _plan_cli(ROOT, "nope")
    assert (
        proc.returncode == 2 and "no stack file Pulumi.nope.yaml; stacks here: dev" in proc.stderr
    )
