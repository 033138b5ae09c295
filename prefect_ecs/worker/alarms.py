"""The stack's CloudWatch alarms (see :mod:`prefect_ecs.documents.alarms`), notifying
``alarm_topic_arn`` when given."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ..documents import alarms as docs
from ..documents.names import Suffix
from ..settings import Settings
from .cluster import Cluster
from .context import WorkerContext
from .observer import Observer
from .service import WorkerService

__all__ = ["alarms"]


def alarms(
    ctx: WorkerContext,
    s: Settings,
    cluster: Cluster,
    observer: Observer,
    service: WorkerService,
) -> list[aws.cloudwatch.MetricAlarm]:
    """The observer's two alarms (when it is on) and the worker's running-tasks alarm
    (unless the component's cluster has Container Insights disabled)."""
    topic = [s["alarm_topic_arn"]] if s.given("alarm_topic_arn") else []

    def alarm(suffix: str, spec: pulumi.Output[dict[str, Any]]) -> aws.cloudwatch.MetricAlarm:
        def field(key: str) -> pulumi.Output[Any]:
            return spec.apply(lambda v: v.get(key))

        return aws.cloudwatch.MetricAlarm(
            ctx.child(suffix),
            alarm_description=field("alarm_description"),
            namespace=field("namespace"),
            metric_name=field("metric_name"),
            dimensions=field("dimensions"),
            statistic=field("statistic"),
            period=field("period"),
            metric_queries=field("metric_queries"),
            evaluation_periods=field("evaluation_periods"),
            threshold=field("threshold"),
            comparison_operator=field("comparison_operator"),
            treat_missing_data=field("treat_missing_data"),
            alarm_actions=topic,
            ok_actions=topic,
            tags=ctx.tags,
            opts=ctx.opts(),
        )

    made = []
    if observer.queue is not None and observer.dead_letter_queue is not None:
        made.append(
            alarm(
                Suffix.DEAD_LETTER_ALARM,
                observer.dead_letter_queue.name.apply(
                    lambda n: docs.dead_letter_alarm(dead_letter_queue_name=n)
                ),
            )
        )
        made.append(
            alarm(
                Suffix.OBSERVER_BEHIND_ALARM,
                observer.queue.name.apply(lambda n: docs.observer_behind_alarm(queue_name=n)),
            )
        )
    insights_off = s.known("container_insights") and s["container_insights"] == "disabled"
    if not (cluster.resource is not None and insights_off):
        made.append(
            alarm(
                Suffix.WORKER_RUNNING_ALARM,
                pulumi.Output.all(
                    cluster_name=cluster.name, service_name=service.service.name
                ).apply(lambda v: docs.worker_running_alarm(**v)),
            )
        )
    return made
