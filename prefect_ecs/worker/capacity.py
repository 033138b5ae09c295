"""Where flow runs and the worker run: the cluster's capacity providers and the
strategies of the pool and the service (``flow_run_fargate_spot``,
``worker_fargate_spot``, the EC2 capacity of :mod:`.ec2_capacity`).

A cluster the component creates gets ``FARGATE``, ``FARGATE_SPOT`` (and the EC2
provider) associated, with on-demand ``FARGATE`` as its default strategy, but only when
one of these options is on: a stack without them keeps the cluster as it was. A cluster
given by ``cluster_arn`` is never associated here (``PutClusterCapacityProviders``
replaces the whole list, so it would overwrite its owner's): Spot then needs the cluster
to have ``FARGATE_SPOT`` already, and EC2 capacity is refused (``rules/capacity.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ..documents.capacity import (
    cluster_capacity_providers,
    flow_run_strategy,
    spot_environment,
    worker_strategy,
)
from ..documents.names import Suffix
from ..settings import Settings
from .cluster import Cluster
from .context import WorkerContext, WorkerNeeds
from .ec2_capacity import Ec2Capacity, ec2_capacity
from .network import Network

__all__ = ["Capacity", "capacity"]


@dataclass(frozen=True)
class Capacity:
    """The association (when made), the EC2 capacity (when on) and the strategies."""

    association: aws.ecs.ClusterCapacityProviders | None
    ec2: Ec2Capacity | None
    flow_run_strategy: pulumi.Output[list[dict[str, Any]] | None]
    """The pool's RunTask strategy (None: the ``FARGATE`` launch type)."""
    worker_strategy: list[dict[str, Any]] | None
    """The worker service's ``capacity_provider_strategies`` (None: ``FARGATE``)."""
    needs: WorkerNeeds = field(default_factory=WorkerNeeds)

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What must exist before a task uses a strategy (the association)."""
        return [self.association] if self.association is not None else []


def capacity(ctx: WorkerContext, s: Settings, cluster: Cluster, network: Network) -> Capacity:
    """Associate the cluster's capacity providers and choose the strategies."""
    ec2 = ec2_capacity(ctx, s, cluster, network)
    spot, worker_spot = s["flow_run_fargate_spot"], s["worker_fargate_spot"]
    association = None
    if cluster.resource is not None and (spot or worker_spot or ec2 is not None):
        args = pulumi.Output.from_input(ec2.provider_name if ec2 is not None else None).apply(
            lambda name: cluster_capacity_providers(ec2_provider_name=name)
        )
        association = aws.ecs.ClusterCapacityProviders(
            ctx.child(Suffix.CAPACITY_PROVIDERS),
            cluster_name=cluster.name,
            capacity_providers=args.apply(lambda a: a["capacity_providers"]),
            default_capacity_provider_strategies=args.apply(
                lambda a: a["default_capacity_provider_strategies"]
            ),
            opts=ctx.opts(),
        )
    strategy: pulumi.Output[list[dict[str, Any]] | None] = pulumi.Output.from_input(
        ec2.provider_name if ec2 is not None else None
    ).apply(lambda name: flow_run_strategy(fargate_spot=spot, ec2_provider_name=name))
    needs = WorkerNeeds(job_variables=[{"env": spot_environment()}]) if spot else WorkerNeeds()
    return Capacity(
        association=association,
        ec2=ec2,
        flow_run_strategy=strategy,
        worker_strategy=worker_strategy(fargate_spot=worker_spot),
        needs=needs,
    )
