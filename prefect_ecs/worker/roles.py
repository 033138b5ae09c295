"""The four IAM roles: who starts the worker, who the worker is, who starts flow runs, and
who flow-run code is.

All four trust only ECS tasks of this account. Each role comes with the list of its
policy resources, which the task definition, the work pool and the service depend on
(the idea of pulumi-eks's service role, resolved only after its attachments), so none of
them uses a role whose permissions are still being attached, and the first worker task
never starts without GetSecretValue.

Managed policies of the flow-run task role are attached one resource per policy, named
by a hash of the policy ARN (as awsx does), so reordering the list replaces nothing.
Policies whose ARN is an Output (created in the same program) are attached once the
ARN is known, under the same hash names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..documents import iam
from ..documents.names import Suffix
from ..settings import Settings, is_known
from .cluster import Cluster
from .context import WorkerContext, WorkerNeeds, flat_statements
from .logs import Logs

__all__ = ["Roles", "attachment_name", "roles"]


def attachment_name(role_name: str, policy_arn: str) -> str:
    """Logical name of the attachment of ``policy_arn``: stable under reordering."""
    return f"{role_name}-{hashlib.sha256(policy_arn.encode()).hexdigest()[:10]}"


def role_name_from_arn(arn: str) -> str:
    """``arn:aws:iam::<account>:role/<path/>name`` -> ``name``."""
    return arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Roles:
    """The roles, and the policy resources what uses them must wait for."""

    worker_execution: aws.iam.Role
    worker_task: aws.iam.Role
    flow_run_execution: aws.iam.Role
    flow_run_task: aws.iam.Role | None
    """None when ``flow_run_task_role_arn`` was given."""
    flow_run_task_arn: pulumi.Output[str]
    flow_run_task_name: pulumi.Output[str]
    worker_policies: list[pulumi.Resource]
    """Every policy of the two worker roles (the task definition waits for them)."""
    flow_run_policies: list[pulumi.Resource] | pulumi.Output[list[pulumi.Resource]]
    """Every policy of the two flow-run roles (the pool and the service wait for them);
    an Output when some attachments are declared only once their ARNs resolve."""


class _RoleFactory:
    def __init__(self, ctx: WorkerContext):
        self.ctx = ctx
        self.trust = pulumi.Output.all(
            partition=ctx.partition, region=ctx.region, account_id=ctx.account_id
        ).apply(lambda v: json.dumps(iam.ecs_tasks_trust_policy(**v)))

    def role(self, suffix: str, description: str) -> aws.iam.Role:
        return aws.iam.Role(
            self.ctx.child(suffix),
            assume_role_policy=self.trust,
            description=f"prefect-ecs {self.ctx.name}: {description}",
            tags=self.ctx.tags,
            opts=self.ctx.opts(),
        )

    def inline(
        self, suffix: str, role: aws.iam.Role, policy: pulumi.Input[str]
    ) -> aws.iam.RolePolicy:
        return aws.iam.RolePolicy(
            self.ctx.child(suffix), role=role.id, policy=policy, opts=self.ctx.opts()
        )

    def attach_all(
        self, role: aws.iam.Role, policy_arns: Any
    ) -> tuple[list[pulumi.Resource], pulumi.Output[list[pulumi.Resource]] | None]:
        """Attach every policy ARN: the attachments declared now, and an Output of those
        declared once their ARNs resolve (None when there are none)."""
        base = self.ctx.child(Suffix.FLOW_RUN_TASK_ROLE)

        def attach(arn: str, index: int | None) -> pulumi.Resource:
            # Earlier versions named attachments by list index: the alias keeps
            # existing stacks' attachments instead of replacing them.
            aliases = [pulumi.Alias(name=f"{base}-{index}")] if index is not None else []
            return aws.iam.RolePolicyAttachment(
                attachment_name(base, arn),
                role=role.name,
                policy_arn=arn,
                opts=self.ctx.opts(aliases=aliases),
            )

        def attach_later(arns: list[str]) -> list[pulumi.Resource]:
            # ARNs known only once other resources exist (a policy created in the same
            # program): declared when they resolve, under the same hash names.
            return [attach(a, None) for a in arns]

        if not is_known(policy_arns) and not isinstance(policy_arns, list | tuple):
            return [], pulumi.Output.from_input(policy_arns).apply(attach_later)
        now = [attach(arn, i) for i, arn in enumerate(policy_arns) if isinstance(arn, str)]
        later = [arn for arn in policy_arns if not isinstance(arn, str)]
        if not later:
            return now, None
        return now, pulumi.Output.all(*later).apply(attach_later)


def _document(groups: Sequence[pulumi.Input[Sequence[iam.Statement]]]) -> pulumi.Output[str]:
    return flat_statements(groups).apply(lambda sts: json.dumps(iam.document(*sts)))


def _worker_task_policy(job_variables: dict[str, Any], **v: Any) -> iam.Document:
    # The observer deregisters task definitions only when the pool turns this on.
    auto_deregister = bool(job_variables.get("auto_deregister_task_definition"))
    return iam.worker_task_policy(auto_deregister=auto_deregister, **v)


def roles(
    ctx: WorkerContext,
    s: Settings,
    cluster: Cluster,
    logs: Logs,
    needs: WorkerNeeds,
) -> Roles:
    """Create the roles and their policies from what every concern needs."""
    make = _RoleFactory(ctx)

    # The execution roles get inline statements only (logs to the stack's groups, the
    # secret, ECR pulls where needed), never AmazonECSTaskExecutionRolePolicy, which
    # grants logs and ECR on "*". The worker's keeps its old logical name ("-secret").
    worker_exec = make.role(Suffix.WORKER_EXECUTION_ROLE, "starts the worker task")
    worker_policies: list[pulumi.Resource] = [
        make.inline(
            Suffix.WORKER_EXECUTION_POLICY,
            worker_exec,
            _document(needs.worker_execution_statements),
        )
    ]

    flow_exec = make.role(Suffix.FLOW_RUN_EXECUTION_ROLE, "starts flow-run tasks")
    flow_policies: list[pulumi.Resource] = [
        make.inline(
            Suffix.FLOW_RUN_EXECUTION_POLICY,
            flow_exec,
            _document(needs.flow_run_execution_statements),
        ),
    ]

    flow_task: aws.iam.Role | None = None
    late: pulumi.Output[list[pulumi.Resource]] | None = None
    if s.given("flow_run_task_role_arn"):
        flow_task_arn = pulumi.Output.from_input(s["flow_run_task_role_arn"])
        flow_task_name = flow_task_arn.apply(role_name_from_arn)
    else:
        flow_task = make.role(Suffix.FLOW_RUN_TASK_ROLE, "identity of flow-run code")
        flow_task_arn, flow_task_name = flow_task.arn, flow_task.name
        attached, late = make.attach_all(flow_task, s["flow_run_task_role_policy_arns"])
        flow_policies += attached

    worker_task = make.role(Suffix.WORKER_TASK_ROLE, "the worker's AWS identity")
    policy = pulumi.Output.all(
        partition=ctx.partition,
        region=ctx.region,
        account_id=ctx.account_id,
        cluster_arn=cluster.arn,
        cluster_name=cluster.name,
        pool_name=s["work_pool_name"],
        flow_run_execution_role_arn=flow_exec.arn,
        flow_run_task_role_arn=flow_task_arn,
        flow_run_log_group_arn=logs.flow_runs.arn,
        max_cpu=s["flow_run_max_cpu"],
        max_memory=s["flow_run_max_memory"],
        job_variables=s["work_pool_job_variables"],
        extra_statements=flat_statements(needs.worker_task_statements),
    ).apply(lambda v: json.dumps(_worker_task_policy(**v)))
    worker_policies.append(make.inline(Suffix.WORKER_TASK_POLICY, worker_task, policy))

    return Roles(
        worker_execution=worker_exec,
        worker_task=worker_task,
        flow_run_execution=flow_exec,
        flow_run_task=flow_task,
        flow_run_task_arn=flow_task_arn,
        flow_run_task_name=flow_task_name,
        worker_policies=worker_policies,
        flow_run_policies=(
            flow_policies if late is None else late.apply(lambda more: [*flow_policies, *more])
        ),
    )
