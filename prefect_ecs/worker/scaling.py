"""How many workers run, and where: target-tracking autoscaling of the worker service
(optional), and a warning when two or more workers can't spread across zones.

ECS spreads a Fargate service's tasks across the Availability Zones of its subnets (and
``availability_zone_rebalancing`` on the service keeps them spread), so two workers survive
a zone's outage only when the subnets cover two zones or more. The default VPC has a
subnet in every zone; given ``subnet_ids`` are looked up (``ec2:DescribeSubnets``) and a
single zone is a warning, not an error: the service works, and a second worker still
covers a crashed task, a deployment or a host's retirement.

With ``worker_autoscaling`` an Application Auto Scaling target on the service's desired
count and two target-tracking policies (average CPU, average memory) move the count
between the bounds; the service then ignores changes to ``desired_count``
(``worker/service.py``), or every ``pulumi up`` would reset what the policies chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..documents.names import Suffix
from ..documents.scaling import (
    SCALABLE_DIMENSION,
    SERVICE_NAMESPACE,
    service_resource_id,
    target_tracking,
)
from ..settings import Settings
from .cluster import Cluster
from .context import WorkerContext
from .network import Network
from .service import WorkerService

__all__ = [
    "SINGLE_ZONE",
    "WorkerScaling",
    "single_zone_warning",
    "worker_scaling",
]

SINGLE_ZONE = (
    "every subnet is in one Availability Zone ({zone}), so the worker's {count} tasks "
    "can't spread: an outage of that zone stops them all. List subnets in two or more "
    "zones"
)


@dataclass(frozen=True)
class WorkerScaling:
    """The autoscaling target and its two policies (None with autoscaling off)."""

    target: aws.appautoscaling.Target | None
    cpu_policy: aws.appautoscaling.Policy | None
    memory_policy: aws.appautoscaling.Policy | None


def single_zone_warning(count: int, zones: list[str]) -> str | None:
    """The warning for up to ``count`` workers in subnets of ``zones``, or None."""
    if count < 2 or len(set(zones)) != 1:
        return None
    return SINGLE_ZONE.format(count=count, zone=zones[0])


def _most_workers(s: Settings) -> pulumi.Output[int]:
    count = s["worker_max_count"] if s["worker_autoscaling"] else s["worker_desired_count"]
    return pulumi.Output.from_input(count)


def _check_zones(ctx: WorkerContext, s: Settings, net: Network) -> None:
    """Warn when two or more workers may run and every given subnet is in one zone."""

    def zones(ids: list[str]) -> pulumi.Output[list[str]]:
        return pulumi.Output.all(
            *[aws.ec2.get_subnet_output(id=i, opts=ctx.invoke).availability_zone for i in ids]
        )

    def warn(v: dict[str, Any]) -> None:
        field = s.label("subnet_ids")
        if message := single_zone_warning(v["count"], v["zones"]):
            pulumi.log.warn(f"{field}: {message}", resource=ctx.parent)

    def check(count: int) -> None:
        if count >= 2:
            found: pulumi.Output[list[str]] = net.subnet_ids.apply(zones)
            pulumi.Output.all(count=count, zones=found).apply(warn)

    _most_workers(s).apply(check)


def worker_scaling(
    ctx: WorkerContext,
    s: Settings,
    cluster: Cluster,
    network: Network,
    service: WorkerService,
    drain: pulumi.Resource | None,
) -> WorkerScaling:
    """Check the zones of given subnets; create the autoscaling target and policies."""
    if s.given("subnet_ids"):
        _check_zones(ctx, s, network)
    if not s["worker_autoscaling"]:
        return WorkerScaling(None, None, None)
    resource_id = pulumi.Output.all(cluster.name, service.service.name).apply(
        lambda names: service_resource_id(*names)
    )
    target = aws.appautoscaling.Target(
        ctx.child(Suffix.SCALING_TARGET),
        service_namespace=SERVICE_NAMESPACE,
        scalable_dimension=SCALABLE_DIMENSION,
        resource_id=resource_id,
        min_capacity=s["worker_min_count"],
        max_capacity=s["worker_max_count"],
        tags=ctx.tags,
        # Deleted before the drain runs at destroy: it scales the service to zero, which
        # the target's minimum would undo.
        opts=ctx.opts(depends_on=[drain] if drain is not None else []),
    )

    def policy(suffix: str, metric: str, field: str) -> aws.appautoscaling.Policy:
        config: pulumi.Output[Any] = pulumi.Output.from_input(s[field]).apply(
            lambda percent: target_tracking(metric, percent)
        )
        return aws.appautoscaling.Policy(
            ctx.child(suffix),
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=config,
            opts=ctx.opts(),
        )

    return WorkerScaling(
        target,
        policy(Suffix.CPU_SCALING_POLICY, "cpu", "worker_cpu_target_percent"),
        policy(Suffix.MEMORY_SCALING_POLICY, "memory", "worker_memory_target_percent"),
    )
