"""Every documented setup rehearsed (``sandbox --quick``: deploy, worker online, one flow
run verified and authorized, destroy). The examples in ``examples/stacks/`` that fit in
one stack are rehearsed together (two runs of about 30 s on an idle machine, instead of
five); each test asserts its own setup's specifics from its run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prefect_ecs_tooling.sandbox.setups import EXAMPLES
from tests.support import ROOT

pytestmark = pytest.mark.emulator

#: Setups rehearsed in one run (they do not exclude each other).
RUNS = {
    # The stack's own pool with an auth string (the provider authenticates with it), in a
    # cluster it did not create (no drain).
    "hosted": ("self-hosted", "existing-cluster"),
    # A pool that exists, in a cluster the stack creates (its drain runs at destroy).
    "infra": ("existing-network", "existing-secret", "existing-pool"),
    # Flow runs on Fargate Spot and ARM64 in a cluster the stack creates (its capacity
    # providers associated), with two autoscaled workers.
    "capacity": ("spot-arm64",),
}
#: Config a run adds to its examples' (options no example needs on its own).
EXTRA: dict[str, dict[str, object]] = {
    "capacity": {
        "prefect-ecs:workerDesiredCount": 2,
        "prefect-ecs:workerAutoscaling": True,
        "prefect-ecs:workerMaxCount": 4,
    },
}


def _rehearse(tmp_path: Path, run: str) -> subprocess.CompletedProcess[str]:
    config: dict[str, object] = {}
    for name in RUNS[run]:
        config.update(
            yaml.safe_load((ROOT / EXAMPLES / f"Pulumi.{name}.yaml").read_text())["config"]
        )
    config.update(EXTRA.get(run, {}))
    stack = tmp_path / f"Pulumi.{run}.yaml"
    stack.write_text(yaml.safe_dump({"config": config}))
    cmd = [sys.executable, "-m", "prefect_ecs_tooling", "sandbox", "--quick", "--stack", str(stack)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-6000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-6000:]
    return proc


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return _rehearse(tmp_path_factory.mktemp("hosted"), "hosted")


@pytest.fixture(scope="module")
def infra(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return _rehearse(tmp_path_factory.mktemp("infra"), "infra")


@pytest.fixture(scope="module")
def capacity(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return _rehearse(tmp_path_factory.mktemp("capacity"), "capacity")


def _ok(out: str, *lines: str) -> None:
    for line in lines:
        assert f"ok  {line}" in out, out


def test_self_hosted_server_with_an_auth_string(hosted: subprocess.CompletedProcess[str]) -> None:
    out, err = hosted.stdout, hosted.stderr
    assert "the server requires basic auth (PREFECT_SERVER_API_AUTH_STRING)" in err
    assert "prefect api auth: basic auth (PREFECT_SERVER_API_AUTH_STRING)" in out
    _ok(
        out,
        "self-hosted auth: the server refuses a request without the auth string",
        "self-hosted auth: the worker authenticates with the auth string from the stack's "
        "secret (PREFECT_API_AUTH_STRING, no PREFECT_API_KEY)",
        "self-hosted auth: the auth string is a Pulumi secret wherever the deploy holds it "
        "(no plaintext input or output)",
        "the readiness gate saw the worker ONLINE",
        "prefect deploy created the stack's deployment (image build skipped: no Docker "
        "daemon here)",
        "PREFECT_API_AUTH_STRING comes from the stack's secret ARN",
        "no plaintext credential in the task's environment",
        "flow run records the ECS task",
    )
    assert "PREFECT_API_KEY comes from" not in out
    assert not re.search(r"rehearsal:[\w-]{20,}", out + err)  # the auth string itself


def test_create_work_pool_false(infra: subprocess.CompletedProcess[str]) -> None:
    out, err = infra.stdout, infra.stderr
    assert "createWorkPool false: work pool 'team-pool' made in Prefect before the deploy" in err
    assert "work pool 'team-pool' pointed at the stack (as its owner would)" in err
    _ok(
        out,
        "createWorkPool false: the worker polls the pool that existed before the deploy",
        "the stack's destroy left every resource that existed before it",
        "the rehearsal removed the resources it made before the deploy",
    )
    assert re.search(
        r"existed before the stack, still there after its destroy: .*work pool team-pool", out
    )
    # The stack's drain (a cluster it created) stops its own worker, never pauses the
    # pool it does not own.
    _ok(out, "createWorkPool false: the pool is not paused by the stack's destroy")


def test_existing_network(infra: subprocess.CompletedProcess[str]) -> None:
    out, err = infra.stdout, infra.stderr
    assert re.search(
        r"made before the deploy: vpcId: a VPC made in the emulator; vpc-0a1b2c3d4e5f60718 -> vpc-\w+",
        err,
    )
    assert re.search(r"subnetIds: 2 subnet\(s\) made in that VPC", err)
    assert re.search(r"securityGroupIds: 1 security group\(s\) made in vpc-\w+", err)
    _ok(
        out,
        "existing network: the stack uses the given VPC and subnets",
        "existing network: the stack uses the given security groups (creates none)",
        "task in the stack's subnets",
        "RunTask asked for the stack's security groups and subnets",
        "the stack's destroy left every resource that existed before it",
    )
    survived = re.search(r"existed before the stack, still there after its destroy: (.*)", out)
    assert survived is not None
    assert survived.group(1).count(
        "subnet subnet-"
    ) == 2 and "security group sg-" in survived.group(1)


def test_existing_secret(infra: subprocess.CompletedProcess[str]) -> None:
    out, err = infra.stdout, infra.stderr
    assert re.search(
        r"prefectApiSecretArn: a secret made in the emulator holding a placeholder API key; "
        r"\S+prefect/api-key-Ab12Cd -> arn:aws:secretsmanager:us-east-1:\d+:secret:prefect/api-key-\w{6}",
        err,
    )
    _ok(
        out,
        "existing secret: the stack reads the credential from the given secret",
        "PREFECT_API_KEY comes from the stack's secret ARN",
        "no plaintext credential in the task's environment",
        "existing secret: its value is unchanged after the stack's destroy",
    )
    assert re.search(r"still there after its destroy: .*secret arn:aws:secretsmanager:\S+", out)


def test_existing_cluster(hosted: subprocess.CompletedProcess[str]) -> None:
    out = hosted.stdout
    _ok(
        out,
        "existing cluster: the worker service and flow runs use the given cluster",
        "task ran in the stack's cluster",
        "stack template: the worker task role's policy allows every AWS call the worker made",
        "the stack's destroy left every resource that existed before it",
        "the rehearsal removed the resources it made before the deploy",
        "moto lists no role, cluster, log group or secret of the stack",
    )
    assert re.search(
        r"still there after its destroy: .*cluster arn:aws:ecs:us-east-1:\d+:cluster/data-platform",
        out,
    )
    # No drain for a cluster the stack did not create: its flow-run task is the owner's.
    assert "existing cluster: flow-run tasks still running after destroy: 1" in out
    assert "the drain command stopped" not in out


def test_spot_arm64_flow_runs(capacity: subprocess.CompletedProcess[str]) -> None:
    """What the real worker asked of ECS for a Spot + ARM64 pool (moto places any task
    alike, so the request is what is checked)."""
    _ok(
        capacity.stdout,
        "RunTask asked for the pool's capacity provider strategy and no launch type",
        "RunTask pinned platform version 1.4.0",
        "flow-run task definition is ARM64",
        "destroy left nothing (pools read as gone, no stack resource in moto)",
    )


def test_autoscaled_workers_deploy_in_the_emulator(
    capacity: subprocess.CompletedProcess[str],
) -> None:
    out = capacity.stdout
    for kind in (
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:appautoscaling/target:Target",
        "aws:appautoscaling/policy:Policy",
    ):
        assert kind in out, out
    _ok(out, "moto lists no role, cluster, log group or secret of the stack")


def test_every_example_is_rehearsed() -> None:
    examples = {p.name[len("Pulumi.") : -len(".yaml")] for p in (ROOT / EXAMPLES).glob("*.yaml")}
    assert examples == {name for names in RUNS.values() for name in names}
