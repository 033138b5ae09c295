"""Two work pools in one cluster: each worker runs only its own pool's flow runs.

Proved with an independent IAM evaluator (prefect_ecs_tooling.iam_simulator:
@cloud-copilot/iam-simulate), on the worker task role policy the project builds
(prefect_ecs.documents.iam.worker_task_policy), not with moto (which checks actions only)
nor by matching the patterns here. Pools ``etl`` and ``etl_backfill`` share a cluster;
prefect-aws names flow-run task definition families ``prefect_<pool>_<deployment uuid>``.

The requests carry the condition keys the real AWS request carries and the simulator
accepts for the action: RunTask has ``ecs:cluster`` and, as prefect-aws tags each run
with its labels, ``aws:RequestTag/<key>`` and ``aws:TagKeys``; the TagResource that
RunTask/RegisterTaskDefinition authorize has ``ecs:CreateAction`` and the tags but no
``ecs:cluster`` (not a TagResource condition key: the simulator reports it as an error);
PassRole has ``iam:PassedToService``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from prefect_ecs_tooling import iam_simulator as sim

_REASON = sim.unavailable_reason()
if _REASON is not None:
    pytest.skip(f"IAM simulator unavailable: {_REASON}", allow_module_level=True)

from prefect_ecs.documents.iam import (  # noqa: E402 - only once the simulator is there
    ECS_TASKS_SERVICE,
    document,
    worker_task_policy,
)

pytestmark = pytest.mark.pure

PARTITION, REGION, ACCOUNT = "aws", "us-east-1", "123456789012"
ECS = f"arn:{PARTITION}:ecs:{REGION}:{ACCOUNT}"
CLUSTER_NAME = "prefect"
CLUSTER = f"{ECS}:cluster/{CLUSTER_NAME}"
OTHER_CLUSTER = f"{ECS}:cluster/other"
POOLS = ("etl", "etl_backfill")
MAX_CPU, MAX_MEMORY = 4096, 30720


def role(name: str) -> str:
    return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}"


def flow_run_roles(pool: str) -> tuple[str, str]:
    """(execution role, task role) of ``pool``'s flow runs."""
    slug = pool.replace("_", "-")
    return role(f"{slug}-flow-run-execution"), role(f"{slug}-flow-run-task")


def worker_role(pool: str) -> str:
    return role(f"{pool.replace('_', '-')}-worker-task")


def policy_for(pool: str) -> dict[str, Any]:
    execution_role, task_role = flow_run_roles(pool)
    return worker_task_policy(
        partition=PARTITION,
        region=REGION,
        account_id=ACCOUNT,
        cluster_arn=CLUSTER,
        cluster_name=CLUSTER_NAME,
        pool_name=pool,
        flow_run_execution_role_arn=execution_role,
        flow_run_task_role_arn=task_role,
        flow_run_log_group_arn=f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:/prefect/{pool}",
        max_cpu=MAX_CPU,
        max_memory=MAX_MEMORY,
    )


POLICIES = {pool: policy_for(pool) for pool in POOLS}


def family(pool: str, deployment_id: uuid.UUID | None = None) -> str:
    """The family prefect-aws registers for a deployment of ``pool``."""
    return f"prefect_{pool}_{deployment_id or uuid.uuid4()}"


def task_definition(family_name: str, revision: int = 1) -> str:
    return f"{ECS}:task-definition/{family_name}:{revision}"


def run_tags() -> dict[str, str | list[str]]:
    """The condition keys of the tags prefect-aws puts on RunTask (the flow run's labels)."""
    tags = {
        "prefect.io/flow-run-id": str(uuid.uuid4()),
        "prefect.io/flow-run-name": "crimson-otter",
        "prefect.io/version": "3.4.0",
    }
    return {f"aws:RequestTag/{k}": v for k, v in tags.items()} | {"aws:TagKeys": list(tags)}


def run_task(pool: str, resource: str, cluster: str = CLUSTER, cpu: str = "1024") -> sim.Request:
    """``pool``'s worker calls RunTask on ``resource`` in ``cluster``."""
    context = {"ecs:cluster": cluster, "ecs:task-cpu": cpu, "ecs:task-memory": "2048", **run_tags()}
    return sim.Request([POLICIES[pool]], "ecs:RunTask", resource, context, worker_role(pool))


def tag_on_create(pool: str, resource: str, create_action: str = "RunTask") -> sim.Request:
    context = {"ecs:CreateAction": create_action, **run_tags()}
    return sim.Request([POLICIES[pool]], "ecs:TagResource", resource, context, worker_role(pool))


def pass_role(pool: str, role_arn: str, service: str | None = ECS_TASKS_SERVICE) -> sim.Request:
    context = {"iam:PassedToService": service} if service else {}
    return sim.Request([POLICIES[pool]], "iam:PassRole", role_arn, context, worker_role(pool))


def decide(requests: dict[str, sim.Request]) -> dict[str, str | None]:
    """Evaluate the labelled requests in one batch: label -> decision."""
    results = sim.simulate(requests.values())
    return {label: r.result for label, r in zip(requests, results, strict=True)}


def allowed_only(got: dict[str, str | None], allowed: set[str]) -> None:
    expected = {label: "Allowed" if label in allowed else "ImplicitlyDenied" for label in got}
    assert got == expected


def test_run_task_only_the_pools_own_families_in_its_cluster() -> None:
    etl_ids = [uuid.uuid4() for _ in range(4)]
    backfill_ids = [uuid.uuid4() for _ in range(4)]
    some = etl_ids[0]
    requests: dict[str, sim.Request] = {}
    for i, d in enumerate(etl_ids):
        requests[f"etl runs its own {d} rev {i + 1}"] = run_task(
            "etl", task_definition(family("etl", d), i + 1)
        )
        requests[f"backfill runs etl's {d}"] = run_task(
            "etl_backfill", task_definition(family("etl", d))
        )
    for i, d in enumerate(backfill_ids):
        requests[f"backfill runs its own {d} rev {i + 7}"] = run_task(
            "etl_backfill", task_definition(family("etl_backfill", d), i + 7)
        )
        requests[f"etl runs backfill's {d}"] = run_task(
            "etl", task_definition(family("etl_backfill", d))
        )
    requests |= {
        "etl runs <uuid>x": run_task("etl", task_definition(f"{family('etl', some)}x")),
        "etl runs a uuid short by one": run_task("etl", task_definition(family("etl", some)[:-1])),
        "etl runs its own in another cluster": run_task("etl", task_definition(family("etl", some)), OTHER_CLUSTER),
        "backfill runs its own in another cluster": run_task("etl_backfill", task_definition(family("etl_backfill", backfill_ids[0])), OTHER_CLUSTER),
        "etl runs a family of another account": run_task("etl", task_definition(family("etl", some)).replace(ACCOUNT, "210987654321")),
        "etl runs a family of another region": run_task("etl", task_definition(family("etl", some)).replace(REGION, "us-west-2")),
        "etl runs an 8-vCPU task of its family": run_task("etl", task_definition(family("etl", some)), cpu="8192"),
    }  # fmt: skip
    own = {label for label in requests if "runs its own" in label and "another" not in label}
    # The pattern has the UUID's shape, hyphens included: 36 characters that are not a
    # UUID (such as 'backfill_' and 27 more) do not pass either.
    requests["etl runs prefect_etl_ + 'backfill_' + 27 characters"] = run_task(
        "etl", task_definition("prefect_etl_backfill_" + "0" * 27)
    )
    allowed_only(decide(requests), own)


def task(task_id: str = "0123456789abcdef0123456789abcdef", cluster: str = CLUSTER_NAME) -> str:
    return f"{ECS}:task/{cluster}/{task_id}"


def test_tag_only_tasks_while_running_them() -> None:
    """RunTask sends the flow run's labels as tags; task definitions are registered
    without tags, so tagging one (or tagging after creation) is never needed."""
    etl = family("etl")
    requests = {
        "etl tags a task on RunTask": tag_on_create("etl", task()),
        "etl tags a task definition on RegisterTaskDefinition": tag_on_create("etl", task_definition(etl), "RegisterTaskDefinition"),
        "etl tags a task definition on RunTask": tag_on_create("etl", task_definition(etl)),
        "etl tags a task of another cluster": tag_on_create("etl", task(cluster="other")),
        "etl tags a task on CreateService": tag_on_create("etl", task(), "CreateService"),
    }  # fmt: skip
    allowed_only(decide(requests), {"etl tags a task on RunTask"})

    # Tagging after creation (no ecs:CreateAction in the request) is denied too.
    after = sim.Request(
        [POLICIES["etl"]], "ecs:TagResource", task(), run_tags(), worker_role("etl")
    )
    assert sim.simulate([after])[0].result == "ImplicitlyDenied"


def register(pool: str, family_name: str, cpu: str = "1024", memory: str = "2048") -> sim.Request:
    context = {"ecs:task-cpu": cpu, "ecs:task-memory": memory}
    return sim.Request(
        [POLICIES[pool]],
        "ecs:RegisterTaskDefinition",
        task_definition(family_name, 3),
        context,
        worker_role(pool),
    )


def test_register_only_the_pools_families_up_to_the_size_limit() -> None:
    etl, backfill = family("etl"), family("etl_backfill")
    requests = {
        "etl registers its own": register("etl", etl),
        "etl registers its own at the limit": register("etl", etl, str(MAX_CPU), str(MAX_MEMORY)),
        "backfill registers its own": register("etl_backfill", backfill),
        "etl registers backfill's": register("etl", backfill),
        "etl registers another family": register("etl", "my-app"),
        "etl registers its own, cpu over the limit": register("etl", etl, "8192"),
        "etl registers its own, memory over the limit": register("etl", etl, "4096", "61440"),
    }  # fmt: skip
    allowed_only(
        decide(requests),
        {
            "etl registers its own",
            "etl registers its own at the limit",
            "backfill registers its own",
        },
    )


def watch(
    pool: str, action: str, resource: str, task_pool: str | None, cluster: str = CLUSTER
) -> sim.Request:
    context: dict[str, str | list[str]] = {"ecs:cluster": cluster}
    if task_pool is not None:
        context["aws:ResourceTag/prefect.io/work-pool-name"] = task_pool
    return sim.Request([POLICIES[pool]], action, resource, context, worker_role(pool))


def test_describe_and_stop_only_the_pools_tasks() -> None:
    """A worker sharing a cluster may not stop (nor read) another pool's flow runs: the
    tasks carry their pool's name as a tag (the flow run's labels)."""
    requests = {}
    for action in ("ecs:DescribeTasks", "ecs:StopTask"):
        requests |= {
            f"etl {action} its own": watch("etl", action, task(), "etl"),
            f"etl {action} backfill's": watch("etl", action, task(), "etl_backfill"),
            f"etl {action} an untagged task": watch("etl", action, task(), None),
            f"etl {action} its own in another cluster": watch("etl", action, task(cluster="other"), "etl", OTHER_CLUSTER),
            f"backfill {action} its own": watch("etl_backfill", action, task(), "etl_backfill"),
        }  # fmt: skip
    allowed_only(decide(requests), {label for label in requests if label.endswith("its own")})


def test_tag_resource_has_no_cluster_key() -> None:
    """TagResource can't be scoped to the cluster: AWS sends no ``ecs:cluster`` with it."""
    context = {"ecs:CreateAction": "RunTask", "ecs:cluster": CLUSTER}
    request = sim.Request(
        [POLICIES["etl"]], "ecs:TagResource", task_definition(family("etl")), context
    )
    with pytest.raises(sim.SimulationError, match='context key "ecs:cluster" is not valid'):
        sim.simulate([request])


def test_pass_role_only_the_two_flow_run_roles_to_ecs_tasks() -> None:
    etl_exec, etl_task = flow_run_roles("etl")
    backfill_exec, backfill_task = flow_run_roles("etl_backfill")
    requests = {
        "etl passes its execution role": pass_role("etl", etl_exec),
        "etl passes its task role": pass_role("etl", etl_task),
        "backfill passes its execution role": pass_role("etl_backfill", backfill_exec),
        "backfill passes its task role": pass_role("etl_backfill", backfill_task),
        "etl passes backfill's execution role": pass_role("etl", backfill_exec),
        "etl passes backfill's task role": pass_role("etl", backfill_task),
        "backfill passes etl's task role": pass_role("etl_backfill", etl_task),
        "etl passes its worker role": pass_role("etl", worker_role("etl")),
        "etl passes an admin role": pass_role("etl", role("admin")),
        "etl passes its task role to EC2": pass_role("etl", etl_task, "ec2.amazonaws.com"),
        "etl passes its task role to Lambda": pass_role("etl", etl_task, "lambda.amazonaws.com"),
        "etl passes its task role to ECS (not ecs-tasks)": pass_role("etl", etl_task, "ecs.amazonaws.com"),
        "etl passes its task role, no service": pass_role("etl", etl_task, None),
        "etl passes a same-name role of another account": pass_role("etl", etl_task.replace(ACCOUNT, "210987654321")),
    }  # fmt: skip
    allowed_only(
        decide(requests),
        {
            "etl passes its execution role",
            "etl passes its task role",
            "backfill passes its execution role",
            "backfill passes its task role",
        },
    )


def test_the_old_star_pattern_would_have_let_etl_run_backfills_tasks() -> None:
    """The bug the ``?`` pattern fixes: ``prefect_etl_*`` also matches ``prefect_etl_backfill_*``."""
    old = document(
        {
            "Sid": "RunFlowRunTasksInCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": f"{ECS}:task-definition/prefect_etl_*:*",
            "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER}},
        }
    )
    backfill = task_definition(family("etl_backfill"))
    own = task_definition(family("etl"))
    context = {"ecs:cluster": CLUSTER, **run_tags()}
    old_backfill, old_own, new_backfill, new_own = sim.simulate(
        [
            sim.Request([old], "ecs:RunTask", backfill, context, worker_role("etl")),
            sim.Request([old], "ecs:RunTask", own, context, worker_role("etl")),
            sim.Request([POLICIES["etl"]], "ecs:RunTask", backfill, context, worker_role("etl")),
            sim.Request([POLICIES["etl"]], "ecs:RunTask", own, context, worker_role("etl")),
        ]
    )
    assert old_backfill.result == "Allowed", "the old pattern let pool etl run etl_backfill's tasks"
    assert old_own.result == "Allowed"
    assert new_backfill.result == "ImplicitlyDenied"
    assert new_own.result == "Allowed" and new_own.allow == ("RunPoolTasksInCluster",)
