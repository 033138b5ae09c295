"""The rehearsal's last step: delete the rehearsal's extra pool through the real provider
and every resource the deploy created (in reverse creation order), then check from moto's
and Prefect's side that nothing of the stack is left; that what existed before the stack
(:mod:`.setups`) is still there; then remove that too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect_ecs.ops.drain import is_pool_flow_run_task, pool_tasks

from ..runner import StackRun
from .commands import COMMAND
from .emulator import MotoAws
from .report import RehearsalReport, check
from .setups import Prerequisites
from .verify import flow_tasks

__all__ = ["destroy"]


def destroy(
    report: RehearsalReport,
    aws: MotoAws,
    run: StackRun,
    extra_pool: Any | None,
    prerequisites: Prerequisites | None = None,
    api_url: str = "",
    say: Callable[[str], None] = lambda _line: None,
) -> None:
    """Delete the rehearsal's extra pool (if any) and everything the deploy created
    (flow-run tasks stopped first, as AWS ends them), then check nothing of the stack is
    left and the ``prerequisites`` survived; then remove those."""
    from prefect_ecs.work_pool.provider import WorkPoolProvider

    out = run.outputs
    ecs = aws.client("ecs")
    # The rehearsal's own pool first (not part of the stack), through the provider.
    if extra_pool is not None:
        WorkPoolProvider().delete(str(extra_pool.id), dict(extra_pool.outs or {}))
    # moto keeps flow-run tasks RUNNING, and AWS refuses to delete a cluster that still
    # has tasks. The rehearsal stops its own pool's; the stack's drain command (deleted
    # before the cluster) must stop the stack pool's.
    tasks = flow_tasks(aws, out["clusterArn"], out["taskDefinitionArn"])
    stack_pool = str(out["workPoolName"])
    for task in tasks:
        if not is_pool_flow_run_task(task, stack_pool):
            ecs.stop_task(cluster=out["clusterArn"], task=task["taskArn"], reason="rehearsal")
    # The stack pool's tasks the drain must stop (its own selection); a cluster the
    # stack did not create has no drain (its tasks are the cluster owner's).
    left_running, _stopping = pool_tasks(tasks, stack_pool)
    drains = any(c.type == COMMAND and c.name.endswith("-drain") for c in aws.created)
    deleted = aws.destroy()
    if left_running and drains:
        after = ecs.describe_tasks(cluster=out["clusterArn"], tasks=left_running)["tasks"]
        reasons = {t.get("stoppedReason", "") for t in after}
        check(
            report,
            all(t.get("lastStatus") == "STOPPED" for t in after)
            and all("prefect-ecs" in r for r in reasons),
            f"the drain command stopped the pool's {len(left_running)} running flow-run "
            "task(s) before the cluster was deleted",
            [(t["taskArn"], t.get("lastStatus"), t.get("stoppedReason")) for t in after],
        )
    report.facts["resources deleted"] = len(deleted)
    left = aws.leftovers(deleted)
    if extra_pool is not None:
        extra = WorkPoolProvider().read(str(extra_pool.id), dict(extra_pool.outs or {}))
        if extra.id:
            left.append(f"work pool {extra_pool.id}")
    check(
        report,
        not left,
        "destroy left nothing (pools read as gone, no stack resource in moto)",
        left,
    )
    if prerequisites is not None:
        # What a user depends on: the stack's destroy never deletes what it was given.
        prerequisites.check_survived(report, aws, api_url)
        prerequisites.remove(report, aws, api_url, say)
    # Whole-account view: nothing named after the stack remains.
    names = {c.outs.get("name") for c in deleted if c.outs.get("name")}
    iam = aws.client("iam")
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]} & names
    clusters = [
        c["clusterName"]
        for c in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"] or ["x"])[
            "clusters"
        ]
        if c.get("status") == "ACTIVE"
    ]
    groups = {
        g["logGroupName"] for g in aws.client("logs").describe_log_groups()["logGroups"]
    } & names
    secrets = {s["Name"] for s in aws.client("secretsmanager").list_secrets()["SecretList"]}
    leftover = {"roles": roles, "clusters": clusters, "log groups": groups, "secrets": secrets}
    check(
        report,
        not any(leftover.values()),
        "moto lists no role, cluster, log group or secret of the stack",
        leftover,
    )
