"""The Prefect work pool, its base job template wired to what the stack created.

Created before the worker service starts (the service depends on it): otherwise the
worker would find no pool and create one itself, with prefect-aws's bare defaults.
"""

from __future__ import annotations

import pulumi

from ..documents.job_template import build_ecs_base_job_template
from ..documents.names import Suffix
from ..settings import Settings
from ..work_pool import WorkPool
from .capacity import Capacity
from .cluster import Cluster
from .context import WorkerContext, WorkerNeeds, flat_entries
from .credential import Credential
from .network import Network
from .roles import Roles

__all__ = ["pool_description", "work_pool"]


def pool_description(name: str) -> str:
    """Work pool description naming the stack that manages it."""
    return (
        f"Managed by Pulumi (project {pulumi.get_project()}, stack {pulumi.get_stack()}, "
        f"component {name}). Change it in the stack, not in the UI: `pulumi up --refresh` "
        "restores the stack's settings."
    )


def _merged(groups: list[dict]) -> dict:
    return {k: v for group in groups for k, v in group.items()}


def _with(
    policies: list[pulumi.Resource] | pulumi.Output[list[pulumi.Resource]],
    more: list[pulumi.Resource],
) -> list[pulumi.Resource] | pulumi.Output[list[pulumi.Resource]]:
    if not more:
        return policies
    if isinstance(policies, list):
        return [*policies, *more]
    return policies.apply(lambda got: [*got, *more])


def work_pool(
    ctx: WorkerContext,
    s: Settings,
    cluster: Cluster,
    network: Network,
    roles: Roles,
    credential: Credential,
    needs: WorkerNeeds,
    capacity: Capacity,
) -> WorkPool | None:
    """The ``ecs`` work pool (None when ``create_work_pool`` is off)."""
    if not s["create_work_pool"]:
        return None
    template = pulumi.Output.all(
        cluster_arn=cluster.arn,
        execution_role_arn=roles.flow_run_execution.arn,
        task_role_arn=roles.flow_run_task_arn,
        subnet_ids=network.subnet_ids,
        security_group_ids=network.security_group_ids,
        assign_public_ip=s["assign_public_ip"],
        cpu=s["flow_run_cpu"],
        memory=s["flow_run_memory"],
        contributed=pulumi.Output.all(*needs.job_variables).apply(_merged),
        job_variables=s["work_pool_job_variables"],
        container_secrets=pulumi.Output.all(*needs.flow_run_secrets).apply(flat_entries),
        capacity_provider_strategy=capacity.flow_run_strategy,
        cpu_architecture=s["flow_run_cpu_architecture"],
    ).apply(lambda v: build_ecs_base_job_template(**v))
    return WorkPool(
        ctx.child(Suffix.WORK_POOL),
        {
            "api_url": s["prefect_api_url"],
            "api_key": credential.for_kind("api_key"),
            "auth_string": credential.for_kind("auth_string"),
            "name": s["work_pool_name"],
            "type": "ecs",
            "description": pool_description(ctx.name),
            "base_job_template": template,
            "adopt_existing": s["adopt_existing_work_pool"],
        },
        # Flow runs start from the pool's template: not before their roles' policies exist,
        # nor before the cluster has the capacity providers its strategy names.
        opts=ctx.opts(depends_on=_with(roles.flow_run_policies, capacity.ready)),
    )
