"""drain: which tasks are the pool's, which are still running (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.documents.iam import WORK_POOL_TAG as IAM_TAG
from prefect_ecs.ops.drain import WORK_POOL_TAG, pool_tasks, still_running, stop_reason

pytestmark = pytest.mark.pure


def task(
    arn: str,
    pool: str | None,
    group: str = "family:prefect_pool_1",
    desired: str = "RUNNING",
    last: str = "RUNNING",
) -> dict[str, Any]:
    tags = [{"key": "prefect.io/flow-run-id", "value": "x"}]
    if pool is not None:
        tags.append({"key": WORK_POOL_TAG, "value": pool})
    return {
        "taskArn": arn,
        "group": group,
        "tags": tags,
        "desiredStatus": desired,
        "lastStatus": last,
    }


def test_the_tag_is_the_one_the_worker_policy_scopes() -> None:
    assert WORK_POOL_TAG == IAM_TAG


def test_only_the_pools_flow_run_tasks() -> None:
    tasks = [
        task("b", "pool"),
        task("a", "pool", last="PROVISIONING"),
        task("other", "pool-2"),
        task("prefix", "poo"),
        task("untagged", None),
        # the worker service's own task, even if tagged with the pool
        task("worker", "pool", group="service:svc"),
        task("stopping", "pool", desired="STOPPED", last="DEPROVISIONING"),
        task("gone", "pool", desired="STOPPED", last="STOPPED"),
    ]
    assert pool_tasks(tasks, "pool") == (["a", "b"], ["stopping"])
    assert pool_tasks(tasks, "nothing") == ([], [])


def test_still_running() -> None:
    described = [
        {"taskArn": "a", "lastStatus": "STOPPED"},
        {"taskArn": "b", "lastStatus": "DEPROVISIONING"},
    ]
    # "c" is no longer described: it is gone
    assert still_running(described, ["a", "b", "c"]) == {"b": "DEPROVISIONING"}


def test_stop_reason_names_prefect_ecs_and_fits() -> None:
    assert stop_reason("pool") == "prefect-ecs drain: work pool pool is being destroyed"
    assert len(stop_reason("p" * 300)) == 255
