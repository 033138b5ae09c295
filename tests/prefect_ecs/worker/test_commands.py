"""The component's local commands and flow-image repository under Pulumi mocks: which
exist, what they run, what they wait for, and that the credential reaches them only as
a secret environment value."""

from __future__ import annotations

import json
import shlex

import pytest

from prefect_ecs_tooling.fake_aws import FAKE_ACCOUNT_ID
from prefect_ecs_tooling.records import is_secret_envelope, unwrap_secrets
from prefect_ecs_tooling.runner import StackRun
from tests.support import CLOUD_URL, RAW_API_KEY, ROOT, problems_of, run_component

pytestmark = pytest.mark.mocks

COMMAND = "command:local:Command"
BASE = {"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY, "work_pool_name": "etl"}


@pytest.fixture(scope="module")
def cloud() -> StackRun:
    return run_component(
        {**BASE, "flow_image_repository": True, "flows_directory": str(ROOT / "flows")}
    )


def commands(run: StackRun) -> dict[str, dict]:
    return {c.name: c.inputs for c in run.by_type(COMMAND)}


def entry(line: str) -> list[str]:
    """The words after ``python -m``: module and arguments."""
    words = shlex.split(line)
    return words[words.index("-m") + 1 :]


def test_three_commands_run_the_packages_entry_points(cloud: StackRun) -> None:
    cmds = commands(cloud)
    assert set(cmds) == {"w-worker-ready", "w-drain", "w-flows"}
    assert entry(cmds["w-worker-ready"]["create"]) == ["prefect_ecs.ops.readiness"]
    assert "create" not in cmds["w-drain"], "the drain works at delete only"
    assert entry(cmds["w-drain"]["delete"]) == ["prefect_ecs.ops.drain"]
    assert entry(cmds["w-flows"]["create"]) == ["prefect_ecs.ops.deliver", "create"]
    assert entry(cmds["w-flows"]["delete"]) == ["prefect_ecs.ops.deliver", "delete"]
    for inputs in cmds.values():
        assert inputs["addPreviousOutputInEnv"] is False


def test_credential_only_on_stdin_as_a_secret(cloud: StackRun) -> None:
    for c in cloud.by_type(COMMAND):
        assert is_secret_envelope(c.inputs["stdin"])
        assert json.loads(unwrap_secrets(c.inputs["stdin"])) == {"PREFECT_API_KEY": RAW_API_KEY}
        env = c.inputs["environment"]
        # The environment stays plain (readable in the plan), the credential not in it.
        assert not is_secret_envelope(env) and "PREFECT_API_KEY" not in env
        assert env["PREFECT_ECS_CREDENTIAL_FROM_STDIN"] == "1"
        plain = {k: v for k, v in c.inputs.items() if k != "stdin"}
        assert RAW_API_KEY not in json.dumps(plain), c.name


def test_no_credential_no_stdin() -> None:
    run = run_component({"prefect_api_url": "http://prefect.internal:4200/api"})
    for c in run.by_type(COMMAND):
        assert c.inputs.get("stdin") is None
        assert "PREFECT_ECS_CREDENTIAL_FROM_STDIN" not in c.inputs["environment"]


def test_commands_wait_for_what_they_check(cloud: StackRun) -> None:
    service = cloud.one("aws:ecs/service:Service")
    pool = cloud.one("pulumi-python:dynamic/prefect:WorkPool")
    cluster = cloud.one("aws:ecs/cluster:Cluster")
    gate = cloud.one(COMMAND, "worker-ready")
    assert {service.urn, pool.urn} <= set(gate.dependencies)
    drain = cloud.one(COMMAND, "drain")
    # Deleted before the cluster, the service and the pool.
    assert {cluster.urn, service.urn, pool.urn} <= set(drain.dependencies)
    flows = cloud.one(COMMAND, "flows")
    assert gate.urn in flows.dependencies
    assert cloud.one("aws:ecr/repository:Repository").urn in flows.dependencies


def test_triggers_rerun_on_a_new_worker_revision_and_changed_flows(cloud: StackRun) -> None:
    from prefect_ecs.ops.deliver import flows_digest

    gate = cloud.one(COMMAND, "worker-ready").inputs
    td = cloud.one("aws:ecs/taskDefinition:TaskDefinition").outputs["arn"]
    assert gate["triggers"][0] == td and len(gate["triggers"]) == 2
    flows = cloud.one(COMMAND, "flows").inputs
    assert flows["triggers"] == [flows_digest(str(ROOT / "flows"))]
    env = flows["environment"]
    assert env["PREFECT_ECS_FLOWS_DIR"] == str(ROOT / "flows")
    repo = cloud.one("aws:ecr/repository:Repository").outputs["repositoryUrl"]
    assert env["PREFECT_ECS_IMAGE_REPOSITORY"] == repo
    assert env["PREFECT_ECS_WORK_POOL"] == "etl"


def test_flow_image_repository_is_hardened_and_the_only_pull_source(cloud: StackRun) -> None:
    repo = cloud.one("aws:ecr/repository:Repository")
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    lifecycle = json.loads(cloud.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])
    assert lifecycle["rules"][0]["selection"]["countNumber"] == 30
    policy = cloud.one("aws:iam/rolePolicy:RolePolicy", "flow-run-execution")
    pull = next(
        s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Sid"] == "EcrPull"
    )
    assert pull["Resource"] == [repo.outputs["arn"]]
    assert cloud.outputs["flowImageRepositoryUrl"] == repo.outputs["repositoryUrl"]


def test_switches_and_an_existing_cluster() -> None:
    cluster = f"arn:aws:ecs:us-east-1:{FAKE_ACCOUNT_ID}:cluster/shared"
    run = run_component({**BASE, "cluster_arn": cluster})
    assert set(commands(run)) == {"w-worker-ready"}, (
        "no drain for a cluster the stack did not create"
    )
    run = run_component({**BASE, "readiness_gate": False, "drain_on_destroy": False})
    assert commands(run) == {}
    assert not run.by_type("aws:ecr/repository:Repository")
    assert run.outputs["flowImageRepositoryUrl"] is None


def test_the_drain_is_told_when_the_pool_is_not_the_stacks(cloud: StackRun) -> None:
    """A pool the stack does not own (createWorkPool off) must never be paused by its
    destroy: the drain gets the flag and the worker service to stop instead."""
    from prefect_ecs.documents.commands import POOL_NOT_MANAGED

    owned = cloud.one(COMMAND, "drain").inputs["environment"]
    assert POOL_NOT_MANAGED not in owned, "an owned pool's drain is unchanged"
    run = run_component({**BASE, "create_work_pool": False})
    env = run.one(COMMAND, "drain").inputs["environment"]
    assert env[POOL_NOT_MANAGED] == "1"
    assert env["PREFECT_ECS_SERVICE"] == run.one("aws:ecs/service:Service").outputs["name"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"flows_directory": "no/such/dir"}, "flows_directory"),
        ({"smoke_run_deployment": "my-flow/my-ecs-deployment"}, "smoke_run_deployment"),
        ({"flows_skip_image_build": True}, "flows_skip_image_build"),
        ({"readiness_timeout_seconds": 5}, "readiness_timeout_seconds"),
        ({"flow_image_keep_count": 10}, "flow_image_keep_count"),
        ({"readiness_gate": "yes"}, "readiness_gate"),
    ],
)
def test_bad_command_settings(args: dict, field: str) -> None:
    assert field in {f for f, _ in problems_of({**BASE, **args})}
