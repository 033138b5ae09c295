"""The ECS cluster: the given one, or a new one with Container Insights."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..documents.names import Suffix
from ..settings import Settings
from .context import WorkerContext

__all__ = ["Cluster", "cluster"]


def cluster_name_from_arn(arn: str) -> str:
    """``arn:aws:ecs:<region>:<account>:cluster/<name>`` -> ``<name>``."""
    return arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Cluster:
    """The cluster's ARN and name; ``resource`` when the component created it."""

    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    resource: aws.ecs.Cluster | None


def cluster(ctx: WorkerContext, s: Settings) -> Cluster:
    """Take ``cluster_arn``, or create a cluster."""
    if s.given("cluster_arn"):
        arn = pulumi.Output.from_input(s["cluster_arn"])
        return Cluster(arn, arn.apply(cluster_name_from_arn), None)
    created = aws.ecs.Cluster(
        ctx.child(Suffix.CLUSTER),
        settings=[{"name": "containerInsights", "value": s["container_insights"]}],
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    return Cluster(created.arn, created.name, created)
