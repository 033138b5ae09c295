"""The observer's event pattern and queue policy as EventBridge applies them (moto routes
``put_events`` through a rule's pattern to its SQS target): this pool's flow-run tasks
reach the queue; the worker's own service tasks, other pools' tasks and other clusters'
tasks do not."""

from __future__ import annotations

import json

import pytest

from prefect_ecs.documents import observer

pytestmark = pytest.mark.emulator

REGION = "us-east-1"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/main"
FAMILY = "prefect_etl_0b8f2c9e-1111-4c4c-9d9d-123456789abc"


def task_event(group: str, cluster: str = CLUSTER) -> dict:
    detail = {"clusterArn": cluster, "group": group, "lastStatus": "STOPPED", "taskArn": group}
    return {
        "Source": "aws.ecs",
        "DetailType": "ECS Task State Change",
        "Detail": json.dumps(detail),
    }


def test_only_the_pools_flow_run_tasks_reach_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        url = sqs.create_queue(QueueName="etl-observer")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        pattern = observer.task_state_change_pattern(cluster_arn=CLUSTER, pool_name="etl")
        rule_arn = events.put_rule(Name="etl-observer", EventPattern=json.dumps(pattern))["RuleArn"]
        policy = observer.queue_policy(queue_arn=queue_arn, rule_arn=rule_arn)
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        events.put_targets(Rule="etl-observer", Targets=[{"Id": "observer", "Arn": queue_arn}])

        groups = [
            f"family:{FAMILY}",
            "service:etl-worker-abc1234",
            "family:prefect-worker-dev-etl",
            "family:prefect_ml_0b8f2c9e-1111-4c4c-9d9d-123456789abc",
        ]
        entries = [task_event(g) for g in groups]
        entries.append(task_event(f"family:{FAMILY}-other-cluster", CLUSTER.replace("main", "b")))
        assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        arrived = [json.loads(m["Body"])["detail"]["group"] for m in received.get("Messages", [])]
    assert arrived == [f"family:{FAMILY}"]
