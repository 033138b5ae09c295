"""Recorded AWS calls -> the IAM requests AWS evaluates for them (pure), and their
evaluation in one batch by the independent simulator (skips without it)."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs_tooling import iam_simulator
from prefect_ecs_tooling.iam_requests import (
    AwsCall,
    IamRequest,
    UnmappedCallError,
    authorize,
    iam_requests,
    resource_tags_of,
)

pytestmark = pytest.mark.pure

ACCOUNT = "123456789012"
ECS = f"arn:aws:ecs:us-east-1:{ACCOUNT}"
CLUSTER = f"{ECS}:cluster/prefect-c1"
FAMILY = "prefect_pool_41c55b5f-c86a-4cc7-a129-13440ef887f1"
TD = f"{ECS}:task-definition/{FAMILY}:1"
TASK = f"{ECS}:task/prefect-c1/c121164c"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/flow-task"
EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/flow-exec"
PASS = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
TAGS = [{"key": "prefect.io/work-pool-name", "value": "pool"}]
QUEUE_URL = f"http://127.0.0.1:5000/{ACCOUNT}/observer-q"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:observer-q"


def call(name: str, params: dict[str, Any], response: dict[str, Any] | None = None) -> AwsCall:
    service, operation = name.split(":")
    return AwsCall(service, operation, "us-east-1", params, response)


def run_task(**extra: Any) -> AwsCall:
    params = {
        "cluster": CLUSTER,
        "taskDefinition": TD,
        "overrides": {"cpu": "1024", "memory": "2048", "taskRoleArn": TASK_ROLE},
        "tags": TAGS,
        **extra,
    }
    return call("ecs:RunTask", params, {"tasks": [{"taskArn": TASK, "taskDefinitionArn": TD}]})


def requests(c: AwsCall) -> list[IamRequest]:
    return iam_requests(c, ACCOUNT)


def test_run_task_definition_cluster_sizes_tags_and_passed_roles() -> None:
    tagging = {"aws:RequestTag/prefect.io/work-pool-name": "pool", "aws:TagKeys": (TAGS[0]["key"],)}
    assert requests(run_task()) == [
        IamRequest(
            "ecs:RunTask",
            TD,
            {"ecs:cluster": CLUSTER, "ecs:task-cpu": "1024", "ecs:task-memory": "2048", **tagging},
        ),
        IamRequest("ecs:TagResource", TASK, {"ecs:CreateAction": "RunTask", **tagging}),
        IamRequest("iam:PassRole", TASK_ROLE, PASS),
    ]


def test_run_task_by_family_revision_and_cluster_name_without_response() -> None:
    c = call(
        "ecs:RunTask",
        {"cluster": "prefect-c1", "taskDefinition": f"{FAMILY}:1", "tags": TAGS},
    )
    run, tag = requests(c)
    assert (run.resource, run.context["ecs:cluster"]) == (TD, CLUSTER)
    # The failed call created no task: the cluster's task ARNs, with a stand-in id.
    assert tag.resource.startswith(f"{ECS}:task/prefect-c1/")
    no_revision = call("ecs:RunTask", {"taskDefinition": FAMILY})
    with pytest.raises(UnmappedCallError, match="names no revision"):
        requests(no_revision)


def test_run_task_without_tags_or_overrides_is_one_request_in_the_default_cluster() -> None:
    c = call("ecs:RunTask", {"taskDefinition": TD})
    assert requests(c) == [IamRequest("ecs:RunTask", TD, {"ecs:cluster": f"{ECS}:cluster/default"})]


def test_register_task_definition_is_the_new_revision_with_sizes_and_roles() -> None:
    c = call(
        "ecs:RegisterTaskDefinition",
        {
            "family": FAMILY,
            "cpu": "1 vCPU",
            "memory": "2048",
            "taskRoleArn": TASK_ROLE,
            "executionRoleArn": EXEC_ROLE,
        },
        {
            "taskDefinition": {
                "revision": 3,
                "taskDefinitionArn": f"{ECS}:task-definition/{FAMILY}:3",
            }
        },
    )
    assert requests(c) == [
        IamRequest(
            "ecs:RegisterTaskDefinition",
            f"{ECS}:task-definition/{FAMILY}:3",
            {"ecs:task-cpu": "1024", "ecs:task-memory": "2048"},
        ),
        IamRequest("iam:PassRole", TASK_ROLE, PASS),
        IamRequest("iam:PassRole", EXEC_ROLE, PASS),
    ]


def test_describe_and_stop_tasks_are_per_task_with_cluster_and_resource_tags() -> None:
    c = call("ecs:DescribeTasks", {"cluster": CLUSTER, "tasks": [TASK, "abc"], "include": ["TAGS"]})
    tags = {TASK: {"prefect.io/work-pool-name": "pool"}}
    assert iam_requests(c, ACCOUNT, resource_tags=tags) == [
        IamRequest(
            "ecs:DescribeTasks",
            TASK,
            {"ecs:cluster": CLUSTER, "aws:ResourceTag/prefect.io/work-pool-name": "pool"},
        ),
        IamRequest("ecs:DescribeTasks", f"{ECS}:task/prefect-c1/abc", {"ecs:cluster": CLUSTER}),
    ]
    stop = call("ecs:StopTask", {"cluster": CLUSTER, "task": TASK})
    assert requests(stop) == [IamRequest("ecs:StopTask", TASK, {"ecs:cluster": CLUSTER})]


def test_resource_tags_come_from_run_task_and_describe_tasks() -> None:
    described = call(
        "ecs:DescribeTasks",
        {"tasks": ["t2"]},
        {"tasks": [{"taskArn": "t2", "tags": [{"key": "k", "value": "v"}]}]},
    )
    assert resource_tags_of([run_task(), described]) == {
        TASK: {"prefect.io/work-pool-name": "pool"},
        "t2": {"k": "v"},
    }


def test_sqs_logs_and_anywhere_actions() -> None:
    assert requests(call("sqs:GetQueueUrl", {"QueueName": "observer-q"})) == [
        IamRequest("sqs:GetQueueUrl", QUEUE)
    ]
    for op in ("ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility"):
        assert requests(call(f"sqs:{op}", {"QueueUrl": QUEUE_URL})) == [
            IamRequest(f"sqs:{op}", QUEUE)
        ]
    logs = call("logs:GetLogEvents", {"logGroupName": "/flows", "logStreamName": "p/prefect/t"})
    assert requests(logs) == [
        IamRequest(
            "logs:GetLogEvents",
            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/flows:log-stream:p/prefect/t",
        )
    ]
    assert requests(call("ecs:DescribeTaskDefinition", {"taskDefinition": FAMILY})) == [
        IamRequest("ecs:DescribeTaskDefinition", "*")
    ]
    assert requests(call("ec2:DescribeVpcs", {})) == [IamRequest("ec2:DescribeVpcs", "*")]
    assert requests(call("sts:GetCallerIdentity", {})) == []


def test_an_unmapped_call_is_refused() -> None:
    with pytest.raises(UnmappedCallError, match="no IAM mapping for ecs:CreateService"):
        requests(call("ecs:CreateService", {}))


# ------------------------------------------------------------------ with the simulator
needs_simulator = pytest.mark.skipif(
    iam_simulator.unavailable_reason() is not None,
    reason=f"IAM simulator unavailable: {iam_simulator.unavailable_reason()}",
)

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Run",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": f"{ECS}:task-definition/prefect_pool_*:*",
            "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER}},
        },
        {
            "Sid": "Tag",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": f"{ECS}:task/prefect-c1/*",
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {
            "Sid": "Pass",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": TASK_ROLE,
            "Condition": {"StringEquals": PASS},
        },
        {
            "Sid": "Watch",
            "Effect": "Allow",
            "Action": "ecs:DescribeTasks",
            "Resource": f"{ECS}:task/prefect-c1/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/prefect.io/work-pool-name": "pool"}},
        },
    ],
}


@needs_simulator
def test_authorize_allows_what_the_policy_grants_and_explains_what_it_does_not() -> None:
    own = call("ecs:DescribeTasks", {"cluster": CLUSTER, "tasks": [TASK]})
    other = call("ecs:RunTask", {"cluster": f"{ECS}:cluster/other", "taskDefinition": TD})
    result = authorize([run_task(), run_task(), own, other], [POLICY], ACCOUNT)
    # RunTask, TagResource, PassRole, DescribeTasks (tags from the RunTask), and the
    # other cluster's RunTask; the repeated call is evaluated once.
    assert (result.calls, result.requests) == (4, 5)
    (denial,) = result.denials
    assert denial.call is other
    assert denial.decision == "ImplicitlyDenied"
    text = denial.describe()
    assert text.startswith(f"ecs:RunTask: ecs:RunTask on {TD} with {{'ecs:cluster': ")
    assert f"statement Run: condition ArnEquals ecs:cluster ['{CLUSTER}'] not met by" in text
    assert "cluster/other" in text
