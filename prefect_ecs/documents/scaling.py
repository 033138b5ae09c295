"""Application Auto Scaling of the worker service: its resource id and the target-tracking
configurations (pure)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "METRICS",
    "SCALABLE_DIMENSION",
    "SCALE_IN_COOLDOWN_SECONDS",
    "SCALE_OUT_COOLDOWN_SECONDS",
    "SERVICE_NAMESPACE",
    "service_resource_id",
    "target_tracking",
]

SERVICE_NAMESPACE = "ecs"
SCALABLE_DIMENSION = "ecs:service:DesiredCount"
#: The predefined metric of each tracked resource (by the argument that sets its target).
METRICS = {
    "cpu": "ECSServiceAverageCPUUtilization",
    "memory": "ECSServiceAverageMemoryUtilization",
}
#: A new worker helps within a minute; a worker stopped by scale-in may be submitting
#: flow runs, so scale-in waits longer (no flapping with bursts of submissions).
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300


def service_resource_id(cluster_name: str, service_name: str) -> str:
    """The scalable target's ``ResourceId`` of an ECS service."""
    return f"service/{cluster_name}/{service_name}"


def target_tracking(metric: str, target_percent: int) -> dict[str, Any]:
    """The ``target_tracking_scaling_policy_configuration`` keeping ``metric`` (a key of
    :data:`METRICS`) at ``target_percent``."""
    return {
        "predefined_metric_specification": {"predefined_metric_type": METRICS[metric]},
        "target_value": float(target_percent),
        "scale_in_cooldown": SCALE_IN_COOLDOWN_SECONDS,
        "scale_out_cooldown": SCALE_OUT_COOLDOWN_SECONDS,
    }
