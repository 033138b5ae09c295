"""The rehearsal's authorization of the worker's calls against the stack's own policy: the
worker task role's inline policies from the stack's records, a denial failing the step
with the call, the resource, the context and what is missing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from prefect_ecs_tooling import iam_simulator
from prefect_ecs_tooling.iam_requests import AwsCall
from prefect_ecs_tooling.records import RecordedResource, StackRun
from prefect_ecs_tooling.sandbox.permissions import (
    check_calls_allowed,
    denied_actions,
    worker_task_policies,
)
from prefect_ecs_tooling.sandbox.report import RehearsalError, RehearsalReport

pytestmark = pytest.mark.pure

ACCOUNT = "123456789012"
ECS = f"arn:aws:ecs:us-east-1:{ACCOUNT}"
CLUSTER = f"{ECS}:cluster/prefect-c1"
TD = f"{ECS}:task-definition/prefect_pool_41c55b5f-c86a-4cc7-a129-13440ef887f1:1"
TASK = f"{ECS}:task/prefect-c1/c121164c"
ROLE = "prefect-worker-task-1"
QUEUE_URL = f"http://127.0.0.1:5000/{ACCOUNT}/observer-q"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:observer-q"

POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "RunPoolTasksInCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": f"{ECS}:task-definition/prefect_pool_????????-????-????-????-????????????:*",
            "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER}},
        },
        {
            "Sid": "ReadTaskDefinitions",
            "Effect": "Allow",
            "Action": "ecs:DescribeTaskDefinition",
            "Resource": "*",
        },
        {
            "Sid": "ObserveQueue",
            "Effect": "Allow",
            "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
            "Resource": QUEUE,
        },
    ],
}


def stack(policy: dict[str, Any]) -> StackRun:
    def resource(name: str, role: str, doc: dict[str, Any]) -> RecordedResource:
        props = {"role": role, "policy": json.dumps(doc)}
        return RecordedResource(
            "aws:iam/rolePolicy:RolePolicy", name, f"urn:{name}", None, True, props
        )

    other = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}],
    }
    resources = [
        resource("w-worker-task-policy", ROLE, policy),
        resource("w-worker-execution-secret", "prefect-worker-execution-1", other),
    ]
    outputs = {
        "workerTaskRoleName": ROLE,
        "workerTaskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{ROLE}",
    }
    return StackRun("p", "dev", resources, outputs, set(), [], {}, [])


CALLS = [
    AwsCall("sqs", "GetQueueUrl", "us-east-1", {"QueueName": "observer-q"}),
    AwsCall("sqs", "ReceiveMessage", "us-east-1", {"QueueUrl": QUEUE_URL}),
    AwsCall("ecs", "DescribeTaskDefinition", "us-east-1", {"taskDefinition": TD}),
    AwsCall(
        "ecs",
        "RunTask",
        "us-east-1",
        {"cluster": CLUSTER, "taskDefinition": TD},
        {"tasks": [{"taskArn": TASK, "taskDefinitionArn": TD}]},
    ),
]

needs_simulator = pytest.mark.skipif(
    iam_simulator.unavailable_reason() is not None,
    reason=f"IAM simulator unavailable: {iam_simulator.unavailable_reason()}",
)


def test_only_the_worker_task_roles_policies() -> None:
    assert worker_task_policies(stack(POLICY)) == [POLICY]
    run = stack(POLICY)
    run.outputs["workerTaskRoleName"] = "another-role"
    with pytest.raises(LookupError, match="another-role"):
        worker_task_policies(run)


@needs_simulator
def test_every_call_allowed_is_a_check() -> None:
    report = RehearsalReport("dev")
    check_calls_allowed(report, stack(POLICY), CALLS, ACCOUNT, "stack template")
    assert report.checks == [
        "stack template: the worker task role's policy allows every AWS call the worker made "
        "(4 calls, 4 distinct IAM requests, iam-simulate)"
    ]


@needs_simulator
def test_a_narrowed_policy_fails_naming_call_resource_context_and_what_is_missing() -> None:
    narrowed = copy.deepcopy(POLICY)
    # RunTask only in another cluster, and the observer may no longer receive messages.
    narrowed["Statement"][0]["Condition"]["ArnEquals"]["ecs:cluster"] = f"{ECS}:cluster/other"
    narrowed["Statement"][2]["Action"] = ["sqs:GetQueueUrl", "sqs:DeleteMessage"]
    with pytest.raises(RehearsalError) as info:
        check_calls_allowed(
            RehearsalReport("dev"), stack(narrowed), CALLS, ACCOUNT, "stack template", "log line"
        )
    message = str(info.value)
    assert info.value.step == "authorize"
    assert message.startswith(
        "step 'authorize' failed: 2 of 4 IAM requests of the stack template worker's 4 AWS "
        "calls are not allowed by the worker task role's policy:\n"
    )
    assert (
        f"- sqs:ReceiveMessage: sqs:ReceiveMessage on {QUEUE}: ImplicitlyDenied "
        "(no statement allows sqs:ReceiveMessage)"
    ) in message
    assert (
        f"- ecs:RunTask: ecs:RunTask on {TD} with {{'ecs:cluster': '{CLUSTER}'}}: "
        "ImplicitlyDenied (statement RunPoolTasksInCluster: condition ArnEquals ecs:cluster "
        f"['{ECS}:cluster/other'] not met by '{CLUSTER}')"
    ) in message
    assert message.endswith("worker log tail:\nlog line")


@needs_simulator
def test_denied_actions_for_comparison() -> None:
    ec2 = AwsCall("ec2", "DescribeVpcs", "us-east-1", {})
    assert denied_actions(stack(POLICY), [*CALLS, ec2], ACCOUNT) == (
        "1 of 5 IAM requests denied (ec2:DescribeVpcs)"
    )
