"""The crash observer and the alarms under Pulumi mocks: queues, rule, policy, target,
what the worker gets, and the observer turned off."""

from __future__ import annotations

import json

import pytest

from prefect_ecs.documents.observer import OBSERVER_OFF_QUEUE_NAME
from prefect_ecs_tooling.fake_aws import FAKE_ACCOUNT_ID
from prefect_ecs_tooling.runner import StackRun
from tests.support import CLOUD_URL, RAW_API_KEY, problems_of, run_component

pytestmark = pytest.mark.mocks

QUEUE = "aws:sqs/queue:Queue"
RULE = "aws:cloudwatch/eventRule:EventRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = f"arn:aws:sns:us-east-1:{FAKE_ACCOUNT_ID}:oncall"
KEY = f"arn:aws:kms:us-east-1:{FAKE_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def cloud() -> StackRun:
    return run_component(
        {"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY, "work_pool_name": "etl"}
    )


def env(run: StackRun) -> dict[str, str]:
    td = run.one("aws:ecs/taskDefinition:TaskDefinition")
    (container,) = json.loads(td.inputs["containerDefinitions"])
    return {e["name"]: e["value"] for e in container["environment"]}


def worker_statements(run: StackRun) -> dict[str, dict]:
    policy = run.one("aws:iam/rolePolicy:RolePolicy", "worker-task")
    return {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}


def test_rule_feeds_the_queue_with_this_clusters_pool_tasks(cloud: StackRun) -> None:
    queue, dlq = cloud.one(QUEUE, "-observer"), cloud.one(QUEUE, "-observer-dlq")
    rule = cloud.one(RULE)
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["detail"]["clusterArn"] == [cloud.one("aws:ecs/cluster:Cluster").outputs["arn"]]
    assert pattern["detail"]["group"] == [{"prefix": "family:prefect_etl_"}]
    target = cloud.one("aws:cloudwatch/eventTarget:EventTarget")
    assert (target.inputs["rule"], target.inputs["arn"]) == (
        rule.outputs["name"],
        queue.outputs["arn"],
    )
    policy = cloud.one("aws:sqs/queuePolicy:QueuePolicy")
    assert policy.urn in target.dependencies, "no event may be sent before the policy exists"
    (st,) = json.loads(policy.inputs["policy"])["Statement"]
    assert policy.inputs["queueUrl"] == queue.outputs["url"]
    assert st["Resource"] == queue.outputs["arn"]
    assert st["Condition"] == {"ArnEquals": {"aws:SourceArn": rule.outputs["arn"]}}
    redrive = json.loads(queue.inputs["redrivePolicy"])
    assert redrive == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 3}
    assert queue.inputs["visibilityTimeoutSeconds"] == 300
    assert queue.inputs["receiveWaitTimeSeconds"] == 20
    assert (
        queue.inputs["sqsManagedSseEnabled"] is True and dlq.inputs["sqsManagedSseEnabled"] is True
    )


def test_worker_reads_exactly_its_queue(cloud: StackRun) -> None:
    queue = cloud.one(QUEUE, "-observer")
    assert (
        env(cloud)["PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME"] == queue.outputs["name"]
    )
    assert env(cloud)["PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_REGION"] == "us-east-1"
    read = worker_statements(cloud)["ReadTaskStateChanges"]
    assert read["Resource"] == queue.outputs["arn"]
    assert cloud.outputs["observerQueueName"] == queue.outputs["name"]
    assert cloud.outputs["observerRuleArn"] == cloud.one(RULE).outputs["arn"]


def test_alarms_without_topic_notify_no_one(cloud: StackRun) -> None:
    alarms = {a.name: a.inputs for a in cloud.by_type(ALARM)}
    assert set(alarms) == {"w-observer-dead-letters", "w-observer-behind", "w-worker-running"}
    dlq = cloud.one(QUEUE, "-observer-dlq").outputs["name"]
    assert alarms["w-observer-dead-letters"]["dimensions"] == {"QueueName": dlq}
    running = alarms["w-worker-running"]
    service = cloud.one("aws:ecs/service:Service").outputs["name"]
    dims = running["metricQueries"][0]["metric"]["dimensions"]
    assert dims == {"ClusterName": cloud.outputs["clusterName"], "ServiceName": service}
    assert all(not a.get("alarmActions") for a in alarms.values())


def test_alarm_topic_and_kms_key_reach_alarms_and_queues() -> None:
    run = run_component(
        {
            "prefect_api_url": CLOUD_URL,
            "prefect_api_key": RAW_API_KEY,
            "alarm_topic_arn": TOPIC,
            "observer_kms_key_arn": KEY,
        }
    )
    for alarm in run.by_type(ALARM):
        assert alarm.inputs["alarmActions"] == [TOPIC] and alarm.inputs["okActions"] == [TOPIC]
    for queue in run.by_type(QUEUE):
        assert queue.inputs["kmsMasterKeyId"] == KEY and "sqsManagedSseEnabled" not in queue.inputs
    decrypt = worker_statements(run)["DecryptTaskStateChanges"]
    assert decrypt["Resource"] == KEY


def test_observer_off_creates_nothing_and_cannot_crash_loop() -> None:
    run = run_component(
        {"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY, "crash_observer": False}
    )
    assert not run.by_type(QUEUE) and not run.by_type(RULE)
    assert [a.name for a in run.by_type(ALARM)] == ["w-worker-running"]
    assert (
        env(run)["PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME"] == OBSERVER_OFF_QUEUE_NAME
    )
    statements = worker_statements(run)
    assert "ReadTaskStateChanges" not in statements
    find = statements["LetTheObserverFindNoQueue"]
    assert find["Action"] == "sqs:GetQueueUrl"
    assert find["Resource"].endswith(f":{OBSERVER_OFF_QUEUE_NAME}")
    assert run.outputs["observerQueueName"] is None


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        ({"crash_observer": False, "observer_kms_key_arn": KEY}, "observer_kms_key_arn", "does not create"),
        ({"crash_observer": "false"}, "crash_observer", "plain True or False"),
        ({"alarm_topic_arn": "oncall"}, "alarm_topic_arn", "SNS topic ARN"),
        ({"worker_environment": {"PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME": "q"}},
         "worker_environment", "set by the component"),
        ({"flow_run_max_cpu": 512}, "flow_run_max_cpu", "below flow_run_cpu"),
        ({"work_pool_job_variables": {"memory": 65536}}, "work_pool_job_variables", "above"),
        ({"work_pool_job_variables": {"network_configuration": {}}}, "work_pool_job_variables", "ec2"),
        ({"flow_run_image_repository_arns": ["flows"]}, "flow_run_image_repository_arns", "ECR repository ARN"),
    ],
)  # fmt: skip
def test_bad_observer_and_limit_settings(args: dict, field: str, words: str) -> None:
    problems = problems_of({"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY, **args})
    assert any(f == field and words in m for f, m in problems), problems
