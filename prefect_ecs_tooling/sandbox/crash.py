"""A flow-run task that crashes, and the stack's crash observer catching it.

In moto a flow run's task never runs code: its Prefect state stays Pending after the
worker submitted it, as on AWS while an image is pulled or a secret fetched. The
rehearsal stops the task through the ECS API and delivers the "ECS Task State Change"
event ECS would send for an essential container that exited with 1, through EventBridge
``put_events``: the stack's own rule (its event pattern) routes it to the stack's queue,
where the real observer in the long-lived worker receives it and must mark the flow run
Crashed.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from .emulator import MotoAws

__all__ = ["deliver_task_crash", "routed_messages", "task_stopped_event"]

STOP_CODE = "EssentialContainerExited"
STOPPED_REASON = "Essential container in task exited"


def _iso(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return value


def task_stopped_event(
    task: dict[str, Any], container_name: str, exit_code: int = 1
) -> dict[str, Any]:
    """The ``detail`` of the "ECS Task State Change" event ECS sends when ``task``'s
    essential container ``container_name`` exited with ``exit_code`` (from the task as
    DescribeTasks returns it)."""
    task_arn = task["taskArn"]
    containers = [
        {
            "containerArn": c.get("containerArn")
            or f"{task_arn.replace(':task/', ':container/')}/{uuid.uuid4()}",
            "name": c.get("name") or container_name,
            "taskArn": task_arn,
            "lastStatus": "STOPPED",
            "exitCode": exit_code,
        }
        for c in task.get("containers") or [{"name": container_name}]
    ]
    if not any(c["name"] == container_name for c in containers):
        containers[0]["name"] = container_name
    family = task["taskDefinitionArn"].rsplit("/", 1)[-1].rsplit(":", 1)[0]
    now = _iso(datetime.datetime.now(datetime.UTC))
    detail = {
        "attachments": task.get("attachments", []),
        "availabilityZone": task.get("availabilityZone", "us-east-1a"),
        "clusterArn": task["clusterArn"],
        "containers": containers,
        "cpu": task.get("cpu"),
        "createdAt": _iso(task.get("createdAt")) or now,
        "desiredStatus": "STOPPED",
        "group": task.get("group") or f"family:{family}",
        "launchType": task.get("launchType", "FARGATE"),
        "lastStatus": "STOPPED",
        "memory": task.get("memory"),
        "overrides": task.get("overrides", {}),
        "startedAt": _iso(task.get("startedAt")) or now,
        "stopCode": STOP_CODE,
        "stoppedAt": now,
        "stoppedReason": STOPPED_REASON,
        "stoppingAt": now,
        "taskArn": task_arn,
        "taskDefinitionArn": task["taskDefinitionArn"],
        "updatedAt": now,
        "version": int(task.get("version") or 1) + 1,
    }
    return {k: v for k, v in detail.items() if v is not None}


def deliver_task_crash(aws: MotoAws, cluster_arn: str, task_arn: str) -> dict[str, Any]:
    """Stop ``task_arn`` through the ECS API and put its "ECS Task State Change" event
    (STOPPED, the flow-run container exited with 1) on the default event bus; the
    event's ``detail``."""
    ecs = aws.client("ecs")
    ecs.stop_task(cluster=cluster_arn, task=task_arn, reason=STOPPED_REASON)
    (task,) = ecs.describe_tasks(cluster=cluster_arn, tasks=[task_arn])["tasks"]
    definition = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])
    container_name = definition["taskDefinition"]["containerDefinitions"][0]["name"]
    detail = task_stopped_event(task, container_name)
    answer = aws.client("events").put_events(
        Entries=[
            {
                "Source": "aws.ecs",
                "DetailType": "ECS Task State Change",
                "Detail": json.dumps(detail),
                "Resources": [task_arn],
                "Time": datetime.datetime.now(datetime.UTC),
            }
        ]
    )
    if answer.get("FailedEntryCount"):
        raise RuntimeError(f"put_events refused the event: {answer['Entries']}")
    return detail


def routed_messages(
    responses: Sequence[Mapping[str, Any] | None], task_arn: str
) -> list[dict[str, Any]]:
    """The events for ``task_arn`` among SQS ReceiveMessage ``responses`` (what the
    observer received): proof the rule routed the event to the queue."""
    found = []
    for response in responses:
        for message in (response or {}).get("Messages") or []:
            try:
                body = json.loads(message.get("Body") or "")
            except ValueError:
                continue
            if isinstance(body, dict) and (body.get("detail") or {}).get("taskArn") == task_arn:
                found.append(body)
    return found
