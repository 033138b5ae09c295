"""The worker role against what prefect-aws 0.7.12 really calls, read from its source.

Every action the worker task role grants is one the worker or its observer calls (or one
AWS authorizes as part of such a call), and every AWS call in their source is granted
unless the stack's configuration never makes it. When a prefect-aws upgrade adds or
drops a call, this fails and names it.
"""

from __future__ import annotations

import re
from pathlib import Path

import prefect_aws.observers.ecs as observer_module
import prefect_aws.workers.ecs_worker as worker_module
import pytest

from prefect_ecs.documents import iam, observer

pytestmark = pytest.mark.pure

ACCOUNT = "111122223333"
CLIENTS = {"ecs_client": "ecs", "ec2_client": "ec2", "logs_client": "logs", "sqs_client": "sqs"}

#: Actions AWS authorizes as part of a call the source makes, not as calls of their own.
IMPLIED = {
    "ecs:TagResource": "RunTask with tags (the flow run's labels), ecs:CreateAction=RunTask",
    "iam:PassRole": "the flow-run roles in RegisterTaskDefinition and RunTask's overrides",
}
#: Calls in the source the stack's configuration never makes, and why.
NOT_MADE = {
    "ec2:DescribeVpcs": "only without networkConfiguration in the task run request, or with a "
    "deployment's network_configuration + vpc_id; the pool's template sets the former",
    "ec2:DescribeSubnets": "same as ec2:DescribeVpcs",
}
#: Calls made only with a pool setting, and the policy argument that grants them.
CONDITIONAL = {"ecs:DeregisterTaskDefinition": "auto_deregister"}


def upstream_calls() -> set[str]:
    """``service:Action`` of every ``<client>.<method>(`` in the worker and observer."""
    calls = set()
    for module in (worker_module, observer_module):
        source = Path(module.__file__).read_text()
        for client, method in re.findall(r"\b(\w+_client)\.(\w+)\(", source):
            if client in CLIENTS and not method.startswith("__"):
                action = "".join(word.capitalize() for word in method.split("_"))
                calls.add(f"{CLIENTS[client]}:{action}")
    return calls


def granted(**kw: object) -> set[str]:
    doc = iam.worker_task_policy(
        partition="aws",
        region="eu-west-1",
        account_id=ACCOUNT,
        cluster_arn=f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/main",
        cluster_name="main",
        pool_name="etl",
        flow_run_execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/e",
        flow_run_task_role_arn=f"arn:aws:iam::{ACCOUNT}:role/t",
        flow_run_log_group_arn=f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:g",
        max_cpu=4096,
        max_memory=30720,
        extra_statements=observer.observer_statements(
            queue_arn=f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q", region="eu-west-1"
        ),
        **kw,  # type: ignore[arg-type]
    )
    return {
        a
        for st in doc["Statement"]
        for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    }


def test_source_reading_finds_the_known_calls() -> None:
    """A guard on the reader itself: it sees the calls the notes list."""
    assert {"ecs:RunTask", "ecs:RegisterTaskDefinition", "sqs:ReceiveMessage",
            "logs:GetLogEvents", "ec2:DescribeVpcs"} <= upstream_calls()  # fmt: skip


@pytest.mark.parametrize("auto_deregister", [False, True])
def test_every_granted_action_is_called_by_prefect_aws(auto_deregister: bool) -> None:
    unneeded = granted(auto_deregister=auto_deregister) - upstream_calls() - set(IMPLIED)
    assert not unneeded, f"granted but never called by prefect-aws 0.7.12: {sorted(unneeded)}"


@pytest.mark.parametrize("auto_deregister", [False, True])
def test_every_call_of_prefect_aws_is_granted_or_never_made(auto_deregister: bool) -> None:
    expected = upstream_calls() - set(NOT_MADE)
    if not auto_deregister:
        expected -= set(CONDITIONAL)
    missing = expected - granted(auto_deregister=auto_deregister)
    assert not missing, f"prefect-aws 0.7.12 calls these, the role lacks them: {sorted(missing)}"
    assert not set(NOT_MADE) & granted(auto_deregister=auto_deregister)
