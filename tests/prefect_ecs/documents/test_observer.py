"""The crash observer's documents: the event pattern, the queue policy, the observer's
statements (pure, and proven with the independent IAM evaluator)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import prefect_aws.observers.ecs as upstream_observer
import pytest

from prefect_ecs.documents import observer
from prefect_ecs.documents.iam import document
from prefect_ecs_tooling import iam_simulator as sim

pytestmark = pytest.mark.pure

ACCOUNT = "111122223333"
CLUSTER = f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/main"
QUEUE = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:etl-observer-abc1234"
RULE = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/etl-observer-def5678"


def matches(pattern: dict, event: dict) -> bool:
    """EventBridge matching for the operators the pattern uses (exact values, prefix)."""
    for key, want in pattern.items():
        if key not in event:
            return False
        got = event[key]
        if isinstance(want, dict):
            if not isinstance(got, dict) or not matches(want, got):
                return False
            continue
        ok = False
        for option in want:
            if isinstance(option, dict) and "prefix" in option:
                ok |= isinstance(got, str) and got.startswith(option["prefix"])
            else:
                ok |= got == option
        if not ok:
            return False
    return True


def event(group: str, cluster: str = CLUSTER) -> dict:
    return {
        "source": "aws.ecs",
        "detail-type": "ECS Task State Change",
        "detail": {"clusterArn": cluster, "group": group, "lastStatus": "STOPPED"},
    }


def test_pattern_takes_only_the_pools_flow_run_tasks_in_its_cluster() -> None:
    pattern = observer.task_state_change_pattern(cluster_arn=CLUSTER, pool_name="etl")
    family = "prefect_etl_0b8f2c9e-1111-4c4c-9d9d-123456789abc"
    assert matches(pattern, event(f"family:{family}"))
    assert not matches(pattern, event("service:etl-worker-abc1234")), "the worker's own tasks"
    assert not matches(pattern, event("family:prefect-worker-dev-etl")), "the worker's family"
    assert not matches(pattern, event("family:prefect_ml_0b8f2c9e-1111-4c4c-9d9d-1234")), (
        "other pool"
    )
    assert not matches(pattern, event(f"family:{family}", CLUSTER.replace("main", "other")))
    other_type = {**event(f"family:{family}"), "detail-type": "ECS Container Instance State Change"}
    assert not matches(pattern, other_type)


def test_pattern_is_the_detail_type_the_observer_handles() -> None:
    """The observer maps detail types to handlers; task events are the ones it acts on."""
    assert upstream_observer._ECS_EVENT_DETAIL_MAP["ECS Task State Change"] == "task"


def test_observer_settings_match_the_observer() -> None:
    """Queue settings and env names follow prefect-aws 0.7.12's observer."""
    assert (
        observer.VISIBILITY_TIMEOUT_SECONDS
        == upstream_observer.SQS_MESSAGE_VISIBILITY_TIMEOUT_SECONDS
    )
    source = Path(upstream_observer.__file__).read_text()
    assert "WaitTimeSeconds=20" in source and observer.RECEIVE_WAIT_SECONDS == 20
    from prefect_aws.settings import EcsObserverSqsSettings

    prefix = EcsObserverSqsSettings.model_config["env_prefix"]
    assert f"{prefix}QUEUE_NAME".upper() == observer.OBSERVER_QUEUE_NAME_ENV
    assert f"{prefix}QUEUE_REGION".upper() == observer.OBSERVER_QUEUE_REGION_ENV
    assert observer.redrive_policy(dead_letter_queue_arn="arn:dlq") == {
        "deadLetterTargetArn": "arn:dlq",
        "maxReceiveCount": 3,
    }


def test_observer_statements_are_the_four_calls_it_makes() -> None:
    (read,) = observer.observer_statements(queue_arn=QUEUE, region="eu-west-1")
    assert read["Resource"] == QUEUE
    called = {
        "sqs:" + "".join(w.capitalize() for w in name.split("_"))
        for name in re.findall(r"sqs_client\.(\w+)\(", Path(upstream_observer.__file__).read_text())
    }
    assert set(read["Action"]) == called == {
        "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"
    }  # fmt: skip
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k"
    _, decrypt = observer.observer_statements(queue_arn=QUEUE, region="eu-west-1", kms_key_arn=key)
    assert decrypt["Resource"] == key
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}
    }


@pytest.mark.skipif(
    sim.unavailable_reason() is not None, reason=f"IAM simulator: {sim.unavailable_reason()}"
)
def test_queue_policy_lets_only_the_rule_send_and_the_worker_only_reads() -> None:
    policy = observer.queue_policy(queue_arn=QUEUE, rule_arn=RULE)
    (st,) = policy["Statement"]
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert st["Action"] == "sqs:SendMessage" and st["Resource"] == QUEUE
    assert st["Condition"] == {"ArnEquals": {"aws:SourceArn": RULE}}
    worker = document(*observer.observer_statements(queue_arn=QUEUE, region="eu-west-1"))
    other_queue = QUEUE.replace("etl-observer", "ml-observer")
    requests = [
        sim.Request([worker], "sqs:ReceiveMessage", QUEUE),
        sim.Request([worker], "sqs:DeleteMessage", QUEUE),
        sim.Request([worker], "sqs:ReceiveMessage", other_queue),
        sim.Request([worker], "sqs:SendMessage", QUEUE),
        sim.Request([worker], "sqs:PurgeQueue", QUEUE),
    ]
    results = [r.result for r in sim.simulate(requests)]
    assert results == [
        "Allowed",
        "Allowed",
        "ImplicitlyDenied",
        "ImplicitlyDenied",
        "ImplicitlyDenied",
    ]


def test_observer_off_lets_the_observer_find_no_queue_and_nothing_else() -> None:
    (st,) = observer.observer_off_statements(
        partition="aws", region="eu-west-1", account_id=ACCOUNT
    )
    assert st["Action"] == "sqs:GetQueueUrl"
    assert st["Resource"] == f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{observer.OBSERVER_OFF_QUEUE_NAME}"
    assert json.dumps(st).count("*") == 0


@pytest.mark.skipif(
    sim.unavailable_reason() is not None, reason=f"IAM simulator: {sim.unavailable_reason()}"
)
def test_observer_off_its_one_call_is_allowed_so_it_stops_instead_of_crash_looping() -> None:
    """The observer's first call, GetQueueUrl of its configured queue, as AWS authorizes
    it: allowed on the off-name (answer: no such queue, one warning, the observer stops);
    denied without it (the observer crashes and restarts five times)."""
    from prefect_ecs_tooling.iam_requests import AwsCall, authorize

    call = AwsCall(
        "sqs", "GetQueueUrl", "eu-west-1", {"QueueName": observer.OBSERVER_OFF_QUEUE_NAME}
    )
    off = document(
        *observer.observer_off_statements(partition="aws", region="eu-west-1", account_id=ACCOUNT)
    )
    assert authorize([call], [off], ACCOUNT).allowed
    without = document({"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "*"})
    assert not authorize([call], [without], ACCOUNT).allowed
    other = AwsCall(
        "sqs",
        "ReceiveMessage",
        "eu-west-1",
        {
            "QueueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/{observer.OBSERVER_OFF_QUEUE_NAME}"
        },
    )
    assert not authorize([other], [off], ACCOUNT).allowed
