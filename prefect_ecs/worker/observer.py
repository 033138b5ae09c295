"""The crash observer's AWS side: an SQS queue with a dead-letter queue, an EventBridge
rule for this pool's ECS task state changes, the queue policy that lets only that rule
send, and what the worker needs to read it (its environment and role statements).

With ``crash_observer`` off nothing is created; the worker is pointed at a queue that
does not exist and may only look it up, so its observer stops after one warning instead
of crash-looping on a denied call (see :mod:`prefect_ecs.documents.observer`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..documents import observer as docs
from ..documents.names import Suffix
from ..settings import Settings
from .cluster import Cluster
from .context import WorkerContext, WorkerNeeds

__all__ = ["Observer", "observer"]


@dataclass(frozen=True)
class Observer:
    """The observer's queues and rule (None with the observer off) and its needs."""

    queue: aws.sqs.Queue | None
    dead_letter_queue: aws.sqs.Queue | None
    rule: aws.cloudwatch.EventRule | None
    needs: WorkerNeeds


def _needs(
    queue_name: pulumi.Input[str],
    region: pulumi.Input[str],
    statements: pulumi.Output[list[docs.Statement]],
) -> WorkerNeeds:
    """The worker's observer settings and what its role may do on the queue."""
    return WorkerNeeds(
        environment={
            docs.OBSERVER_QUEUE_NAME_ENV: queue_name,
            docs.OBSERVER_QUEUE_REGION_ENV: region,
        },
        worker_task_statements=[statements],
    )


def _encryption(s: Settings) -> dict[str, Any]:
    if s.given("observer_kms_key_arn"):
        return {
            "kms_master_key_id": s["observer_kms_key_arn"],
            # Fewer KMS calls (and cost): a data key is reused for five minutes.
            "kms_data_key_reuse_period_seconds": 300,
        }
    return {"sqs_managed_sse_enabled": True}


def observer(ctx: WorkerContext, s: Settings, cluster: Cluster) -> Observer:
    """Create the observer's queues and rule, or point the worker at no queue."""
    if not s["crash_observer"]:
        off = pulumi.Output.all(
            partition=ctx.partition, region=ctx.region, account_id=ctx.account_id
        ).apply(lambda v: docs.observer_off_statements(**v))
        return Observer(None, None, None, _needs(docs.OBSERVER_OFF_QUEUE_NAME, ctx.region, off))

    encryption = _encryption(s)
    dead_letters = aws.sqs.Queue(
        ctx.child(Suffix.OBSERVER_DEAD_LETTER_QUEUE),
        message_retention_seconds=docs.DEAD_LETTER_RETENTION_SECONDS,
        **encryption,
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    queue = aws.sqs.Queue(
        ctx.child(Suffix.OBSERVER_QUEUE),
        message_retention_seconds=docs.QUEUE_RETENTION_SECONDS,
        visibility_timeout_seconds=docs.VISIBILITY_TIMEOUT_SECONDS,
        receive_wait_time_seconds=docs.RECEIVE_WAIT_SECONDS,
        redrive_policy=dead_letters.arn.apply(
            lambda arn: json.dumps(docs.redrive_policy(dead_letter_queue_arn=arn))
        ),
        **encryption,
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    rule = aws.cloudwatch.EventRule(
        ctx.child(Suffix.OBSERVER_RULE),
        description=f"prefect-ecs {ctx.name}: ECS task state changes of the pool's flow runs",
        event_pattern=pulumi.Output.all(
            cluster_arn=cluster.arn, pool_name=s["work_pool_name"]
        ).apply(lambda v: json.dumps(docs.task_state_change_pattern(**v))),
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    policy = aws.sqs.QueuePolicy(
        ctx.child(Suffix.OBSERVER_QUEUE_POLICY),
        queue_url=queue.url,
        policy=pulumi.Output.all(queue_arn=queue.arn, rule_arn=rule.arn).apply(
            lambda v: json.dumps(docs.queue_policy(**v))
        ),
        opts=ctx.opts(),
    )
    aws.cloudwatch.EventTarget(
        ctx.child(Suffix.OBSERVER_TARGET),
        rule=rule.name,
        arn=queue.arn,
        # Events sent before the queue policy exists would be dropped.
        opts=ctx.opts(depends_on=[policy]),
    )
    read = pulumi.Output.all(
        queue_arn=queue.arn, region=ctx.region, kms_key_arn=s["observer_kms_key_arn"]
    ).apply(lambda v: docs.observer_statements(**v))
    return Observer(queue, dead_letters, rule, _needs(queue.name, ctx.region, read))
