"""The worker itself: its Fargate task definition and ECS service.

The task definition waits for every policy of the worker roles; the service starts only
after the work pool and the flow-run roles' policies exist, so its first task neither
creates a bare pool nor runs a flow without permissions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..documents.containers import worker_container_definition
from ..documents.names import Suffix
from ..settings import Settings
from ..work_pool import WorkPool
from .capacity import Capacity
from .cluster import Cluster
from .context import WorkerContext, WorkerNeeds, flat_entries
from .logs import Logs
from .network import Network
from .roles import Roles

__all__ = ["WorkerService", "task_family", "worker_service"]


def task_family(name: str) -> str:
    """An ECS task definition family for the worker, unique per stack and component."""
    raw = f"prefect-worker-{pulumi.get_stack()}-{name}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", raw)[:255]


@dataclass(frozen=True)
class WorkerService:
    """The worker's task definition and service."""

    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service


def _container_definitions(
    ctx: WorkerContext, s: Settings, logs: Logs, needs: WorkerNeeds
) -> pulumi.Output[str]:
    def build(v: dict[str, Any]) -> str:
        return json.dumps([worker_container_definition(**v)])

    return pulumi.Output.all(
        image=s["worker_image"],
        pool_name=s["work_pool_name"],
        api_url=s["prefect_api_url"],
        log_group_name=logs.worker.name,
        region=ctx.region,
        secrets=pulumi.Output.all(*needs.secrets).apply(flat_entries),
        environment=pulumi.Output.all(s["worker_environment"], dict(needs.environment)).apply(
            lambda envs: {**envs[0], **envs[1]}
        ),
    ).apply(build)


def _given(s: Settings, key: str) -> Any:
    """The argument's value when the user set it, else None (the input is left out)."""
    return s[key] if s.given(key) else None


def worker_service(
    ctx: WorkerContext,
    s: Settings,
    cluster: Cluster,
    network: Network,
    logs: Logs,
    roles: Roles,
    needs: WorkerNeeds,
    pool: WorkPool | None,
    capacity: Capacity | None = None,
) -> WorkerService:
    """Create the worker's task definition and service."""
    task_definition = aws.ecs.TaskDefinition(
        ctx.child(Suffix.TASK_DEFINITION),
        family=task_family(ctx.name),
        cpu=pulumi.Output.from_input(s["worker_cpu"]).apply(str),
        memory=pulumi.Output.from_input(s["worker_memory"]).apply(str),
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform={
            "operating_system_family": "LINUX",
            "cpu_architecture": s["cpu_architecture"],
        },
        execution_role_arn=roles.worker_execution.arn,
        task_role_arn=roles.worker_task.arn,
        container_definitions=_container_definitions(ctx, s, logs, needs),
        tags=ctx.tags,
        # Not before the worker roles have every policy (GetSecretValue at start).
        opts=ctx.opts(depends_on=roles.worker_policies),
    )
    # The pool first (or the worker creates a bare one), and the flow-run roles with
    # every policy (or the first flow runs start without their permissions).
    # ... and, on Spot, the cluster's capacity providers.
    pool_first: list[pulumi.Resource] = [pool] if pool is not None else []
    pool_first += capacity.ready if capacity is not None else []
    # Spot: a strategy instead of the launch type (ECS takes one or the other). The
    # service's name stays, so its URN does; AWS replaces a service whose launch type
    # changes, which the provider does for it.
    strategy: Any = capacity.worker_strategy if capacity is not None else None
    policies = roles.flow_run_policies
    starts_after: pulumi.Input[list[pulumi.Resource]] = (
        [*pool_first, *policies]
        if isinstance(policies, list)
        else policies.apply(lambda more: [*pool_first, *more])
    )
    service = aws.ecs.Service(
        ctx.child(Suffix.SERVICE),
        cluster=cluster.arn,
        task_definition=task_definition.arn,
        desired_count=s["worker_desired_count"],
        launch_type=None if strategy else "FARGATE",
        capacity_provider_strategies=strategy,
        network_configuration={
            "subnets": network.subnet_ids,
            "security_groups": network.security_group_ids,
            "assign_public_ip": s["assign_public_ip"],
        },
        deployment_circuit_breaker={"enable": True, "rollback": True},
        # ECS's defaults (100 / 200, also the provider's schema defaults) unless given,
        # so the dev plan is unchanged and removing the argument restores them.
        deployment_minimum_healthy_percent=_given(s, "worker_deployment_minimum_percent"),
        deployment_maximum_percent=_given(s, "worker_deployment_maximum_percent"),
        # Two or more workers stay spread over the subnets' zones (worker/scaling.py).
        availability_zone_rebalancing="ENABLED",
        enable_ecs_managed_tags=True,
        propagate_tags="SERVICE",
        enable_execute_command=s["enable_execute_command"],
        tags=ctx.tags,
        # With autoscaling the desired count is the policies' (worker/scaling.py): an
        # update must not reset it.
        opts=ctx.opts(
            depends_on=starts_after,
            ignore_changes=["desiredCount"] if s["worker_autoscaling"] else None,
        ),
    )
    return WorkerService(task_definition, service)
