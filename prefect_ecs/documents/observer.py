"""Documents of the crash observer: the EventBridge pattern, the queues' settings and
policy, the worker's observer environment and what its role needs. Pure functions.

prefect-aws (0.6 and later) submits a flow run and returns once ``RunTask`` succeeds; a
run whose task then fails (image pull, secret fetch, out of memory, TaskFailedToStart,
Spot interruption) is marked Crashed only by the worker's observer
(``prefect_aws/observers/ecs.py``, started in ``ECSWorker.__aenter__``). The observer reads
"ECS Task State Change" events from an SQS queue: ``GetQueueUrl`` once per start, then
``ReceiveMessage`` (20 s long poll, visibility 300 s), ``ChangeMessageVisibility`` every
240 s while a handler runs and ``DeleteMessage`` when it is done; per event
``ecs:DescribeTasks`` (include TAGS) for the task's tags; for a crashed run that never
reached Running, ``ecs:DescribeTaskDefinition`` and ``logs:GetLogEvents`` (log
forwarding); ``ecs:DeregisterTaskDefinition`` for tasks tagged for auto-deregistration.
"""

from __future__ import annotations

from typing import Any

from .iam import Document, Statement, document, flow_run_family_prefix

__all__ = [
    "DEAD_LETTER_RETENTION_SECONDS",
    "MAX_RECEIVE_COUNT",
    "OBSERVER_ENV_PREFIX",
    "OBSERVER_OFF_QUEUE_NAME",
    "OBSERVER_QUEUE_NAME_ENV",
    "OBSERVER_QUEUE_REGION_ENV",
    "QUEUE_RETENTION_SECONDS",
    "RECEIVE_WAIT_SECONDS",
    "VISIBILITY_TIMEOUT_SECONDS",
    "observer_off_statements",
    "observer_statements",
    "queue_policy",
    "redrive_policy",
    "task_state_change_pattern",
]

#: The observer's settings (``EcsObserverSettings``, env prefix
#: ``PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_``). prefect-aws 0.7.12 declares ``ENABLED`` but
#: never reads it: the observer always starts, so only the queue name decides what it does.
OBSERVER_ENV_PREFIX = "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_"
OBSERVER_QUEUE_NAME_ENV = f"{OBSERVER_ENV_PREFIX}SQS_QUEUE_NAME"
OBSERVER_QUEUE_REGION_ENV = f"{OBSERVER_ENV_PREFIX}SQS_QUEUE_REGION"

#: The observer long-polls for 20 s (``WaitTimeSeconds=20``); the queue's own wait time
#: matches, so a receive without one long-polls too.
RECEIVE_WAIT_SECONDS = 20
#: The observer receives with ``VisibilityTimeout=300`` and extends it every 240 s while a
#: handler runs (``SQS_MESSAGE_VISIBILITY_TIMEOUT_SECONDS``); the queue's default matches.
VISIBILITY_TIMEOUT_SECONDS = 300
#: An event whose handlers fail is received again after the visibility timeout; after
#: three receives (15 minutes) it moves to the dead-letter queue, and an alarm fires.
MAX_RECEIVE_COUNT = 3
#: Events wait a week for an observer that is down (an alarm fires after 15 minutes);
#: prefect-aws's own CloudFormation template keeps them as long.
QUEUE_RETENTION_SECONDS = 7 * 24 * 3600
#: Dead-lettered events are kept the longest SQS allows, for a person to inspect.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600

#: The queue name a worker without the observer looks for. With only ``sqs:GetQueueUrl``
#: granted on it and no such queue, the observer logs one warning and stops; with no SQS
#: permission at all, GetQueueUrl is *denied* instead of "not found" and the observer
#: crashes and restarts five times over about 15 minutes.
OBSERVER_OFF_QUEUE_NAME = "prefect-ecs-observer-off"

SQS_OBSERVER_ACTIONS = [
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
]


def task_state_change_pattern(*, cluster_arn: str, pool_name: str) -> dict[str, Any]:
    """EventBridge pattern: ECS task state changes of this pool's flow-run tasks.

    ``detail.group`` is ``family:<task definition family>`` for a task started by RunTask
    and ``service:<name>`` for a service's task. Matching the pool's family prefix keeps
    out the worker's own service tasks and other pools' or services' tasks in a shared
    cluster (each would cost the observer an ``ecs:DescribeTasks`` per event). A prefix
    also matches a pool whose name starts with this one followed by ``_``; the observer
    then cannot read those tasks' tags (its DescribeTasks is scoped to its pool) and
    skips them.
    """
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "group": [{"prefix": f"family:{flow_run_family_prefix(pool_name)}"}],
        },
    }


def redrive_policy(*, dead_letter_queue_arn: str) -> dict[str, Any]:
    """The observer queue's redrive policy (to its dead-letter queue)."""
    return {"deadLetterTargetArn": dead_letter_queue_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}


def queue_policy(*, queue_arn: str, rule_arn: str) -> Document:
    """Only the stack's rule may send to the queue (EventBridge, ``aws:SourceArn``)."""
    return document(
        {
            "Sid": "TaskStateChangesFromTheStacksRule",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        }
    )


def observer_statements(
    *, queue_arn: str, region: str, kms_key_arn: str | None = None
) -> list[Statement]:
    """What the observer calls on its queue (and the key's decrypt, for a KMS key)."""
    statements: list[Statement] = [
        {
            "Sid": "ReadTaskStateChanges",
            "Effect": "Allow",
            "Action": SQS_OBSERVER_ACTIONS,
            "Resource": queue_arn,
        }
    ]
    if kms_key_arn:
        statements.append(
            {
                "Sid": "DecryptTaskStateChanges",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": kms_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
            }
        )
    return statements


def observer_off_statements(*, partition: str, region: str, account_id: str) -> list[Statement]:
    """With the observer off: only ``GetQueueUrl`` on a queue that does not exist, so the
    observer learns "no such queue" and stops, instead of crash-looping on a denial."""
    return [
        {
            "Sid": "LetTheObserverFindNoQueue",
            "Effect": "Allow",
            "Action": "sqs:GetQueueUrl",
            "Resource": f"arn:{partition}:sqs:{region}:{account_id}:{OBSERVER_OFF_QUEUE_NAME}",
        }
    ]
