"""What the rehearsal verifies from moto's side after each worker run: the task ran in
the stack's cluster, subnets and security groups, with the flow-run roles, log group
and secret, and no plaintext credential; what the default template's run differs in;
that a warm flow run reused the task definition revision.
"""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs.documents.commands import CREDENTIAL_ENV

from ..plan import PLACEHOLDER_SECRET
from ..runner import StackRun
from .emulator import MotoAws
from .prefect_side import check_flow_run
from .report import RehearsalReport, check

__all__ = [
    "check_default_run",
    "check_warm_run",
    "flow_tasks",
    "task_network",
    "verify_stack_run",
]


def verify_stack_run(
    report: RehearsalReport,
    aws: MotoAws,
    run: StackRun,
    run_task_request: dict[str, Any] | None = None,
    kind: str | None = "api_key",
    credential: str = PLACEHOLDER_SECRET,
) -> None:
    """The stack-template flow run's task, checked from moto's side against the
    stack's outputs (and the RunTask request, where moto keeps no security groups).
    ``kind`` is the stack's credential (``api_key``, ``auth_string``, None for a server
    without auth) and ``credential`` its value, which must not appear in plaintext."""
    out = run.outputs
    ecs = aws.client("ecs")
    arns = ecs.list_tasks(cluster=out["clusterArn"])["taskArns"]
    tasks = ecs.describe_tasks(cluster=out["clusterArn"], tasks=arns)["tasks"] if arns else []
    flow_tasks = [t for t in tasks if out["taskDefinitionArn"] != t["taskDefinitionArn"]]
    check(report, len(flow_tasks) == 1, "one flow-run task in the stack's cluster", arns)
    task = flow_tasks[0]
    report.facts["task"] = task["taskArn"]
    check(report, task["clusterArn"] == out["clusterArn"], "task ran in the stack's cluster")
    td = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    report.facts["task definition"] = td["taskDefinitionArn"]
    check(
        report,
        td["executionRoleArn"] == out["flowRunExecutionRoleArn"],
        "flow-run execution role",
        td.get("executionRoleArn"),
    )
    # prefect-aws passes the task role as a RunTask override, not in the definition.
    task_role = task.get("overrides", {}).get("taskRoleArn") or td.get("taskRoleArn")
    check(report, task_role == out["flowRunTaskRoleArn"], "flow-run task role", task_role)
    container = td["containerDefinitions"][0]
    log_opts = (container.get("logConfiguration") or {}).get("options", {})
    check(
        report,
        log_opts.get("awslogs-group") == out["flowRunLogGroupName"],
        "flow-run logs go to the stack's log group",
        log_opts,
    )
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    if kind is not None:
        name = CREDENTIAL_ENV[kind]
        check(
            report,
            secrets.get(name) == out["secretArn"] and len(secrets) == 1,
            f"{name} comes from the stack's secret ARN",
            secrets,
        )
    else:
        report.facts["credential"] = "none (a self-hosted server without auth)"
    overrides = task.get("overrides", {}).get("containerOverrides", [])
    env_dump = json.dumps([container.get("environment", []), overrides])
    check(
        report,
        credential not in env_dump
        and PLACEHOLDER_SECRET not in env_dump
        and not any(name in env_dump for name in CREDENTIAL_ENV.values()),
        "no plaintext credential in the task's environment",
    )
    net = task_network(task)
    check(
        report,
        bool(net["subnets"]) and set(net["subnets"]) <= set(out["subnetIds"]),
        "task in the stack's subnets",
        net,
    )
    if net["securityGroups"] is None:
        # moto keeps no security groups on the task: check the RunTask request the
        # worker sent to the emulator instead.
        vpc = ((run_task_request or {}).get("networkConfiguration") or {}).get(
            "awsvpcConfiguration", {}
        )
        check(
            report,
            set(vpc.get("securityGroups") or []) == set(out["securityGroupIds"])
            and set(vpc.get("subnets") or []) == set(out["subnetIds"]),
            "RunTask asked for the stack's security groups and subnets",
            vpc,
        )
    else:
        check(
            report,
            set(net["securityGroups"]) == set(out["securityGroupIds"]),
            "task in the stack's security groups",
            net,
        )
    check_placement(report, run, td, run_task_request)


def check_placement(
    report: RehearsalReport,
    run: StackRun,
    td: dict[str, Any],
    run_task_request: dict[str, Any] | None,
) -> None:
    """Where the flow run was asked to run matches the pool's template: its capacity
    provider strategy and no launch type (or the launch type), the pinned platform
    version, the task definition's architecture. moto accepts any strategy, architecture
    or platform version: this checks what the worker sent, not what AWS would place."""
    pools = [r for r in run.resources if r.type == "pulumi-python:dynamic/prefect:WorkPool"]
    if run_task_request is None or len(pools) != 1:
        return
    template = pools[0].inputs.get("base_job_template") or {}
    props = template.get("variables", {}).get("properties", {})
    strategy = props.get("capacity_provider_strategy", {}).get("default")
    sent = {k: run_task_request.get(k) for k in ("launchType", "capacityProviderStrategy")}
    if strategy:
        wanted = [{k: i[k] for k in ("capacityProvider", "weight")} for i in strategy]
        got = [
            {k: i.get(k) for k in ("capacityProvider", "weight")}
            for i in sent["capacityProviderStrategy"] or []
        ]
        check(
            report,
            sent["launchType"] is None and got == wanted,
            "RunTask asked for the pool's capacity provider strategy and no launch type",
            sent,
        )
    else:
        check(report, sent["launchType"] == "FARGATE", "RunTask asked for FARGATE", sent)
    request = template.get("job_configuration", {}).get("task_run_request", {})
    if "platformVersion" in request:
        check(
            report,
            run_task_request.get("platformVersion") == request["platformVersion"],
            f"RunTask pinned platform version {request['platformVersion']}",
            run_task_request.get("platformVersion"),
        )
    platform = (
        template.get("job_configuration", {}).get("task_definition", {}).get("runtimePlatform")
    )
    if platform:
        check(
            report,
            (td.get("runtimePlatform") or {}).get("cpuArchitecture") == platform["cpuArchitecture"],
            f"flow-run task definition is {platform['cpuArchitecture']}",
            td.get("runtimePlatform"),
        )


def task_network(task: dict[str, Any]) -> dict[str, Any]:
    """Subnets (and security groups, where moto keeps them) of a task's ENI attachment."""
    subnets: list[str] = []
    groups: list[str] | None = None
    for att in task.get("attachments", []):
        for d in att.get("details", []):
            if d["name"] == "subnetId":
                subnets.append(d["value"])
            if d["name"] == "securityGroups":
                groups = d["value"].split(",")
    return {"subnets": subnets, "securityGroups": groups}


def flow_tasks(aws: MotoAws, cluster: str, exclude_td: str) -> list[dict[str, Any]]:
    """Tasks in ``cluster`` that are not the worker's own (``exclude_td``)."""
    ecs = aws.client("ecs")
    arns = ecs.list_tasks(cluster=cluster)["taskArns"]
    tasks = (
        ecs.describe_tasks(cluster=cluster, tasks=arns, include=["TAGS"])["tasks"] if arns else []
    )
    return [t for t in tasks if t["taskDefinitionArn"] != exclude_td]


def check_default_run(
    report: RehearsalReport, aws: MotoAws, run: StackRun, api_url: str, flow_run_id: str
) -> None:
    """The default-template run's task is in moto; what it differs in."""
    out = run.outputs
    tasks = flow_tasks(aws, out["clusterArn"], out["taskDefinitionArn"])
    pid = check_flow_run(report, api_url, flow_run_id)
    by_arn = {t["taskArn"]: t for t in tasks}
    task_arn = pid.split("::", 1)[-1]
    check(report, task_arn in by_arn, "default template: the flow run's task is in moto", pid)
    task = by_arn[task_arn]
    ecs = aws.client("ecs")
    td = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    container = td["containerDefinitions"][0]
    overrides = task.get("overrides", {})
    env_dump = json.dumps([container.get("environment", []), overrides.get("containerOverrides")])
    report.facts["default template: task role"] = (
        overrides.get("taskRoleArn") or td.get("taskRoleArn") or "none"
    )
    report.facts["default template: log configuration"] = (
        container.get("logConfiguration") or {}
    ).get("logDriver") or "none"
    report.facts["default template: PREFECT_API_KEY"] = (
        "PLAINTEXT in the task's environment"
        if PLACEHOLDER_SECRET in env_dump
        else ("secret" if container.get("secrets") else "absent")
    )


def check_warm_run(
    report: RehearsalReport,
    aws: MotoAws,
    api_url: str,
    flow_run_id: str,
    counts: dict[str, int],
) -> dict[str, Any]:
    """The warm run (same deployment, same worker process) reuses the task definition
    revision of the first flow run and registers none; returns its task."""
    pid = check_flow_run(report, api_url, flow_run_id)
    cluster, task_arn = pid.split("::", 1)
    (task,) = aws.client("ecs").describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"]
    check(
        report,
        task["taskDefinitionArn"] == report.facts.get("task definition"),
        "warm run reused the first run's task definition revision",
        task["taskDefinitionArn"],
    )
    check(
        report,
        "ecs:RegisterTaskDefinition" not in counts,
        "warm run registered no task definition",
        counts,
    )
    return dict(task)
