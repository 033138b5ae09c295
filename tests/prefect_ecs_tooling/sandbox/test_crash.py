"""The crash the rehearsal stages: the "ECS Task State Change" event as ECS sends it,
routed by an EventBridge rule of the stack's pattern to a queue in moto."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from prefect_ecs_tooling.sandbox.crash import (
    deliver_task_crash,
    routed_messages,
    task_stopped_event,
)
from prefect_ecs_tooling.sandbox.emulator import MotoAws, MotoServer

pytestmark = pytest.mark.emulator

TASK = "arn:aws:ecs:us-east-1:123456789012:task/c1/abc"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/prefect_pool_x:1"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/c1"


def test_event_detail_as_ecs_sends_it() -> None:
    task = {
        "taskArn": TASK,
        "clusterArn": CLUSTER,
        "taskDefinitionArn": TD,
        "containers": [{"name": "prefect", "containerArn": "arn:c"}],
        "createdAt": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        "launchType": "FARGATE",
    }
    detail = task_stopped_event(task, "prefect")
    assert detail["lastStatus"] == detail["desiredStatus"] == "STOPPED"
    assert detail["stopCode"] == "EssentialContainerExited"
    assert detail["group"] == "family:prefect_pool_x"
    assert detail["createdAt"] == "2026-01-01T00:00:00Z"
    assert detail["containers"] == [
        {
            "containerArn": "arn:c",
            "name": "prefect",
            "taskArn": TASK,
            "lastStatus": "STOPPED",
            "exitCode": 1,
        }
    ]
    assert (detail["taskArn"], detail["clusterArn"], detail["taskDefinitionArn"]) == (
        TASK,
        CLUSTER,
        TD,
    )
    json.dumps(detail)  # what put_events sends


def test_routed_messages_finds_the_tasks_event() -> None:
    body = json.dumps({"detail": {"taskArn": TASK}})
    responses: list[Any] = [None, {"Messages": [{"Body": "not json"}, {"Body": body}]}, {}]
    assert routed_messages(responses, TASK) == [{"detail": {"taskArn": TASK}}]
    assert routed_messages(responses, "other") == []


def test_put_events_reaches_the_queue_through_a_rule_of_the_stacks_pattern(
    moto: MotoServer,
) -> None:
    aws = MotoAws(moto.endpoint_url)
    ecs, sqs, events = aws.client("ecs"), aws.client("sqs"), aws.client("events")
    cluster = ecs.create_cluster(clusterName="crash-c")["cluster"]["clusterArn"]
    ecs.register_task_definition(
        family="prefect_crash",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "prefect", "image": "x", "memory": 512}],
    )
    ec2 = aws.client("ec2")
    network = {
        "awsvpcConfiguration": {
            "subnets": [ec2.describe_subnets()["Subnets"][0]["SubnetId"]],
            "securityGroups": [ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]],
        }
    }
    task = ecs.run_task(
        cluster=cluster,
        taskDefinition="prefect_crash",
        launchType="FARGATE",
        networkConfiguration=network,
    )["tasks"][0]["taskArn"]
    url = sqs.create_queue(QueueName="crash-q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {"clusterArn": [cluster], "group": [{"anything-but": {"prefix": "service:"}}]},
    }
    events.put_rule(Name="crash-rule", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="crash-rule", Targets=[{"Id": "q", "Arn": arn}])
    try:
        detail = deliver_task_crash(aws, cluster, task)
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        assert detail["containers"][0]["name"] == "prefect"
        bodies = routed_messages([got], task)
        assert len(bodies) == 1
        assert bodies[0]["detail-type"] == "ECS Task State Change"
        assert bodies[0]["detail"]["stopCode"] == "EssentialContainerExited"
        assert isinstance(bodies[0]["time"], str)  # ISO, as the observer parses it
        status = ecs.describe_tasks(cluster=cluster, tasks=[task])["tasks"][0]["lastStatus"]
        assert status == "STOPPED"
    finally:
        events.remove_targets(Rule="crash-rule", Ids=["q"])
        events.delete_rule(Name="crash-rule")
        sqs.delete_queue(QueueUrl=url)
        ecs.deregister_task_definition(taskDefinition="prefect_crash:1")
        ecs.delete_cluster(cluster=cluster)
