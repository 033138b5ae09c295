"""CloudWatch alarms the stack ships, as keyword arguments of ``aws.cloudwatch.MetricAlarm``
(pure; the wiring adds names, tags and actions).

Three failures nobody would otherwise notice:

- events dead-lettered: the observer failed on an event three times (a flow run may not
  have been marked Crashed);
- the observer is behind: the oldest event on its queue is older than ten minutes (no
  worker is reading it: the worker is down, or its observer gave up);
- fewer worker tasks running than desired, for five minutes (Container Insights metrics;
  with Insights off there is no data and the alarm stays in INSUFFICIENT_DATA).

Cost: $0.10 per alarm-month (standard resolution), about $0.30 a month for the three.
"""

from __future__ import annotations

from typing import Any

__all__ = ["dead_letter_alarm", "observer_behind_alarm", "worker_running_alarm"]

#: Seconds the oldest event may wait before the observer counts as behind. The observer
#: long-polls every 20 s and deletes an event when its handlers finish, so an event
#: older than this is one nobody is reading.
OBSERVER_BEHIND_SECONDS = 600


def dead_letter_alarm(*, dead_letter_queue_name: str) -> dict[str, Any]:
    """Any event on the observer's dead-letter queue."""
    return {
        "alarm_description": (
            "prefect-ecs: the crash observer failed on ECS task events three times; they "
            f"are on {dead_letter_queue_name}. Flow runs whose tasks failed may not be "
            "marked Crashed. Read the worker's log, then redrive or purge the queue."
        ),
        "namespace": "AWS/SQS",
        "metric_name": "ApproximateNumberOfMessagesVisible",
        "dimensions": {"QueueName": dead_letter_queue_name},
        "statistic": "Maximum",
        "period": 300,
        "evaluation_periods": 1,
        "threshold": 0,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": "notBreaching",
    }


def observer_behind_alarm(*, queue_name: str) -> dict[str, Any]:
    """The observer's queue holds an event nobody has read for ten minutes."""
    return {
        "alarm_description": (
            f"prefect-ecs: an ECS task event has waited over {OBSERVER_BEHIND_SECONDS} s on "
            f"{queue_name}: no worker's crash observer is reading it (worker down, or its "
            "observer gave up after repeated errors: restart the worker service)."
        ),
        "namespace": "AWS/SQS",
        "metric_name": "ApproximateAgeOfOldestMessage",
        "dimensions": {"QueueName": queue_name},
        "statistic": "Maximum",
        "period": 300,
        "evaluation_periods": 1,
        "threshold": OBSERVER_BEHIND_SECONDS,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": "notBreaching",
    }


def worker_running_alarm(*, cluster_name: str, service_name: str) -> dict[str, Any]:
    """Fewer worker tasks running than desired for five minutes in a row."""

    def metric(name: str) -> dict[str, Any]:
        return {
            "namespace": "ECS/ContainerInsights",
            "metric_name": name,
            "dimensions": {"ClusterName": cluster_name, "ServiceName": service_name},
            "period": 60,
            "stat": "Average",
        }

    return {
        "alarm_description": (
            f"prefect-ecs: the worker service {service_name} has run fewer tasks than "
            "desired for five minutes: flow runs are not being picked up. Check the "
            "service's events and the worker's log (needs Container Insights)."
        ),
        "metric_queries": [
            {"id": "desired", "metric": metric("DesiredTaskCount"), "return_data": False},
            {"id": "running", "metric": metric("RunningTaskCount"), "return_data": False},
            {
                "id": "missing",
                "expression": "desired - running",
                "label": "worker tasks missing",
                "return_data": True,
            },
        ],
        "evaluation_periods": 5,
        "threshold": 1,
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        "treat_missing_data": "missing",
    }
