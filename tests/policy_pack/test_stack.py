"""The stack policy: every worker's --pool is a WorkPool in the stack or declared external."""

from __future__ import annotations

import pytest

from tests.fixtures.manual_guide import resource
from tests.fixtures.policy_helpers import container, task_definition

# isort: split
from prefect_ecs_policies.analyzer import UNKNOWN, analyze_resources
from prefect_ecs_policies.stack import worker_pools

pytestmark = pytest.mark.pure

POOL = "pulumi-python:dynamic/prefect:WorkPool"


def pool(name: str) -> dict:
    return resource(POOL, f"pool-{name}", {"name": name, "type": "process"})


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["prefect", "worker", "start", "--pool", "a", "--type", "ecs"], ["a"]),
        (["prefect", "worker", "start", "--pool=a"], ["a"]),
        (["prefect", "worker", "start", "-p", "a"], ["a"]),
        (["/usr/local/bin/prefect", "worker", "start", "-pa"], ["a"]),
        (["sh", "-c", "pip install prefect-aws; prefect worker start --pool a --type ecs"], ["a"]),
        (["/bin/sh", "-c", "pip install x && prefect worker start -p 'my pool'"], ["my pool"]),
        (["bash", "-lc", "prefect worker start --pool $POOL"], ["from-env"]),
        (["prefect", "worker", "start", "--pool", "${POOL}"], ["from-env"]),
        (["prefect", "worker", "start", "--pool", "my pool"], ["my pool"]),
        (["prefect", "worker", "start", "--type", "ecs"], [None]),
        (["prefect", "server", "start"], []),
        (["sh", "-c", "prefect worker start -p a & prefect worker start -p b"], ["a", "b"]),
        (["python", "-m", "prefect", "worker", "start", "--pool", "a"], ["a"]),
    ],
)
def test_worker_pools(argv: list[str], expected: list) -> None:
    assert worker_pools(argv, {"POOL": "from-env"}) == expected


def worker(argv: list[str], entry: list[str] | None = None, name: str = "worker") -> dict:
    return task_definition(container(command=argv, entryPoint=entry), name=name)


def names(violations: list) -> list[tuple[str, str]]:
    return [(v.policy_name, v.resource_name) for v in violations]


def test_pool_in_stack_passes() -> None:
    start = ["prefect", "worker", "start", "--pool", "a"]
    assert analyze_resources([pool("a"), worker(start)]) == []
    shell = worker(["cd /tmp; prefect worker start --pool=a"], entry=["sh", "-c"])
    assert analyze_resources([pool("a"), shell]) == []


def test_missing_pool_is_flagged_on_the_task_definition() -> None:
    violations = analyze_resources([pool("b"), worker(["prefect", "worker", "start", "-p", "a"])])
    assert names(violations) == [("prefect-worker-pool-exists", "worker")]
    assert violations[0].enforcement_level == "mandatory" and "'a'" in violations[0].message
    assert violations[0].urn.endswith("::worker")


def test_worker_without_pool_is_flagged() -> None:
    violations = analyze_resources([worker(["prefect", "worker", "start"])])
    assert names(violations) == [("prefect-worker-pool-exists", "worker")]


def test_external_pools_config() -> None:
    resources = [worker(["prefect", "worker", "start", "--pool", "shared"])]
    config = {"prefect-worker-pool-exists": {"externalPools": ["shared"]}}
    assert analyze_resources(resources, config) == []
    assert analyze_resources(resources, {"prefect-worker-pool-exists": "disabled"}) == []


def test_non_worker_task_definitions_are_ignored() -> None:
    assert analyze_resources([worker(["python", "app.py"])]) == []


def test_unknown_pool_name_is_a_preview_advisory() -> None:
    unknown_pool = resource(POOL, "p", {"name": UNKNOWN, "type": "ecs"})
    violations = analyze_resources(
        [unknown_pool, worker(["prefect", "worker", "start", "-p", "a"])]
    )
    stack = [v for v in violations if v.policy_name == "prefect-worker-pool-exists"]
    assert len(stack) == 1 and stack[0].enforcement_level == "advisory"
    assert "during preview" in stack[0].message
