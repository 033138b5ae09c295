"""``PrefectEcsWorker``: settings, a shared context, then one function per concern."""

from __future__ import annotations

import weakref
from typing import Any

import pulumi
import pulumi_aws as aws

from ..settings import Settings, resolve_settings, stack_region
from ..validation import PrefectEcsConfigError
from ..work_pool import WorkPool
from ..worker_args import PrefectEcsWorkerArgs
from .alarms import alarms
from .capacity import Capacity, capacity
from .cluster import Cluster, cluster
from .commands import Commands, commands
from .container_secrets import container_secrets
from .context import WorkerNeeds, make_context
from .cost import cost_estimate
from .credential import Credential, credential
from .images import images
from .logs import Logs, logs
from .network import Network, network
from .observer import Observer, observer
from .pool import work_pool
from .repository import FlowImages, flow_image_repository
from .roles import Roles, roles
from .scaling import WorkerScaling, worker_scaling
from .service import WorkerService, worker_service

__all__ = ["TYPE_TOKEN", "PrefectEcsWorker"]

TYPE_TOKEN = "prefect-ecs:index:PrefectEcsWorker"


class PrefectEcsWorker(pulumi.ComponentResource):
    """A Prefect ECS worker on Fargate: its secret, roles, logs, cluster, service, pool,
    crash observer and alarms.

    Every child is parented to this component and named from ``name``. The attributes
    are the children (None where the component uses something given instead) and the
    values a consumer wires on: ARNs, names, ids.
    """

    service: aws.ecs.Service
    task_definition: aws.ecs.TaskDefinition
    cluster: aws.ecs.Cluster | None
    security_group: aws.ec2.SecurityGroup | None
    secret: aws.secretsmanager.Secret | None
    worker_execution_role: aws.iam.Role
    worker_task_role: aws.iam.Role
    flow_run_execution_role: aws.iam.Role
    flow_run_task_role: aws.iam.Role | None
    worker_log_group: aws.cloudwatch.LogGroup
    flow_run_log_group: aws.cloudwatch.LogGroup
    work_pool: WorkPool | None
    observer_queue: aws.sqs.Queue | None
    observer_dead_letter_queue: aws.sqs.Queue | None
    observer_rule: aws.cloudwatch.EventRule | None
    alarms: list[aws.cloudwatch.MetricAlarm]
    flow_image_repository: aws.ecr.Repository | None
    readiness_gate: pulumi.Resource | None
    drain: pulumi.Resource | None
    flow_delivery: pulumi.Resource | None
    capacity_providers: aws.ecs.ClusterCapacityProviders | None
    scaling_target: aws.appautoscaling.Target | None
    cpu_scaling_policy: aws.appautoscaling.Policy | None
    memory_scaling_policy: aws.appautoscaling.Policy | None

    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    worker_execution_role_arn: pulumi.Output[str]
    worker_execution_role_name: pulumi.Output[str]
    worker_task_role_arn: pulumi.Output[str]
    worker_task_role_name: pulumi.Output[str]
    flow_run_execution_role_arn: pulumi.Output[str]
    flow_run_execution_role_name: pulumi.Output[str]
    flow_run_task_role_arn: pulumi.Output[str]
    flow_run_task_role_name: pulumi.Output[str]
    secret_arn: pulumi.Output[str | None]
    worker_log_group_name: pulumi.Output[str]
    flow_run_log_group_name: pulumi.Output[str]
    security_group_ids: pulumi.Output[list[str]]
    vpc_id: pulumi.Output[str]
    subnet_ids: pulumi.Output[list[str]]
    work_pool_name: pulumi.Output[str]
    work_pool_id: pulumi.Output[str | None]
    observer_queue_name: pulumi.Output[str | None]
    observer_queue_url: pulumi.Output[str | None]
    observer_queue_arn: pulumi.Output[str | None]
    observer_dead_letter_queue_name: pulumi.Output[str | None]
    observer_rule_arn: pulumi.Output[str | None]
    flow_image_repository_url: pulumi.Output[str | None]
    monthly_cost_estimate: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        args: PrefectEcsWorkerArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Every bad input fails here, before the component or any child is registered.
        settings = resolve_settings(name, args, region=stack_region(opts))
        _claim_pool_name(settings)
        super().__init__(TYPE_TOKEN, name, None, opts)
        ctx = make_context(self, settings)
        net = network(ctx, settings)
        cred = credential(ctx, settings)
        log = logs(ctx, settings)
        clus = cluster(ctx, settings)
        cap = capacity(ctx, settings, clus, net)
        obs = observer(ctx, settings, clus)
        repo = flow_image_repository(ctx, settings)
        needs = WorkerNeeds.merge(
            cred.needs,
            log.needs,
            images(ctx, settings, repo),
            obs.needs,
            container_secrets(settings),
            cap.needs,
        )
        role = roles(ctx, settings, clus, log, needs)
        pool = work_pool(ctx, settings, clus, net, role, cred, needs, cap)
        svc = worker_service(ctx, settings, clus, net, log, role, needs, pool, cap)
        alarm = alarms(ctx, settings, clus, obs, svc)
        cmds = commands(ctx, settings, clus, log, cred, pool, svc, repo)
        scale = worker_scaling(ctx, settings, clus, net, svc, cmds.drain)
        self._expose(settings, net, cred, log, clus, role, pool, svc, obs, alarm)
        self._expose_extras(repo, cmds)
        self.monthly_cost_estimate = cost_estimate(
            settings, alarms=len(alarm), secrets=0 if cred.secret is None else 1
        )
        self._expose_capacity(cap)
        self._expose_scaling(scale)
        self.register_outputs(self.outputs())

    def _expose(
        self,
        s: Settings,
        net: Network,
        cred: Credential,
        log: Logs,
        clus: Cluster,
        role: Roles,
        pool: WorkPool | None,
        svc: WorkerService,
        obs: Observer,
        alarm: list[aws.cloudwatch.MetricAlarm],
    ) -> None:
        self.service, self.task_definition = svc.service, svc.task_definition
        self.cluster, self.security_group, self.secret = (
            clus.resource,
            net.security_group,
            cred.secret,
        )
        self.worker_execution_role, self.worker_task_role = role.worker_execution, role.worker_task
        self.flow_run_execution_role = role.flow_run_execution
        self.flow_run_task_role = role.flow_run_task
        self.worker_log_group, self.flow_run_log_group = log.worker, log.flow_runs
        self.work_pool = pool
        self.observer_queue, self.observer_dead_letter_queue = obs.queue, obs.dead_letter_queue
        self.observer_rule, self.alarms = obs.rule, alarm

        self.cluster_arn, self.cluster_name = clus.arn, clus.name
        self.service_name = svc.service.name
        self.task_definition_arn = svc.task_definition.arn
        self.worker_execution_role_arn = role.worker_execution.arn
        self.worker_execution_role_name = role.worker_execution.name
        self.worker_task_role_arn = role.worker_task.arn
        self.worker_task_role_name = role.worker_task.name
        self.flow_run_execution_role_arn = role.flow_run_execution.arn
        self.flow_run_execution_role_name = role.flow_run_execution.name
        self.flow_run_task_role_arn = role.flow_run_task_arn
        self.flow_run_task_role_name = role.flow_run_task_name
        self.secret_arn = pulumi.Output.from_input(cred.secret_arn)
        self.worker_log_group_name = log.worker.name
        self.flow_run_log_group_name = log.flow_runs.name
        self.security_group_ids = net.security_group_ids
        self.vpc_id, self.subnet_ids = net.vpc_id, net.subnet_ids
        self.work_pool_name = (
            pool.name if pool is not None else pulumi.Output.from_input(s["work_pool_name"])
        )
        self.work_pool_id = pool.pool_id if pool is not None else pulumi.Output.from_input(None)

        def optional(value: pulumi.Output[str] | None) -> pulumi.Output[str | None]:
            return value if value is not None else pulumi.Output.from_input(None)

        self.observer_queue_name = optional(obs.queue.name if obs.queue else None)
        self.observer_queue_url = optional(obs.queue.url if obs.queue else None)
        self.observer_queue_arn = optional(obs.queue.arn if obs.queue else None)
        self.observer_dead_letter_queue_name = optional(
            obs.dead_letter_queue.name if obs.dead_letter_queue else None
        )
        self.observer_rule_arn = optional(obs.rule.arn if obs.rule else None)

    def _expose_extras(self, repo: FlowImages | None, cmds: Commands) -> None:
        self.flow_image_repository = repo.repository if repo is not None else None
        self.flow_image_repository_url = (
            repo.repository.repository_url if repo is not None else pulumi.Output.from_input(None)
        )
        self.readiness_gate, self.drain = cmds.readiness_gate, cmds.drain
        self.flow_delivery = cmds.flow_delivery

    def _expose_scaling(self, scale: WorkerScaling) -> None:
        self.scaling_target = scale.target
        self.cpu_scaling_policy, self.memory_scaling_policy = scale.cpu_policy, scale.memory_policy

    def _expose_capacity(self, cap: Capacity) -> None:
        self.capacity_providers = cap.association

    def outputs(self) -> dict[str, pulumi.Output[Any]]:
        """The component's values by their stack export names (camelCase)."""
        return {
            "clusterArn": self.cluster_arn,
            "clusterName": self.cluster_name,
            "serviceName": self.service_name,
            "taskDefinitionArn": self.task_definition_arn,
            "workerExecutionRoleArn": self.worker_execution_role_arn,
            "workerExecutionRoleName": self.worker_execution_role_name,
            "workerTaskRoleArn": self.worker_task_role_arn,
            "workerTaskRoleName": self.worker_task_role_name,
            "flowRunExecutionRoleArn": self.flow_run_execution_role_arn,
            "flowRunExecutionRoleName": self.flow_run_execution_role_name,
            "flowRunTaskRoleArn": self.flow_run_task_role_arn,
            "flowRunTaskRoleName": self.flow_run_task_role_name,
            "secretArn": self.secret_arn,
            "workerLogGroupName": self.worker_log_group_name,
            "flowRunLogGroupName": self.flow_run_log_group_name,
            "securityGroupIds": self.security_group_ids,
            "vpcId": self.vpc_id,
            "subnetIds": self.subnet_ids,
            "workPoolName": self.work_pool_name,
            "workPoolId": self.work_pool_id,
            "observerQueueName": self.observer_queue_name,
            "observerQueueUrl": self.observer_queue_url,
            "observerQueueArn": self.observer_queue_arn,
            "observerDeadLetterQueueName": self.observer_dead_letter_queue_name,
            "observerRuleArn": self.observer_rule_arn,
            "flowImageRepositoryUrl": self.flow_image_repository_url,
            "monthlyCostEstimate": self.monthly_cost_estimate,
        }


#: Pool names claimed by the components of each running program (by its root stack).
_CLAIMED: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def _claim_pool_name(s: Settings) -> None:
    """Two components of one program must not manage the same pool (a 409 at ``up``)."""
    if not s["create_work_pool"] or not s.known("work_pool_name"):
        return
    root = pulumi.runtime.get_root_resource()
    if root is None:
        return
    claimed = _CLAIMED.setdefault(root, {})
    pool = s["work_pool_name"]
    other = claimed.get(pool)
    if other is not None:
        raise PrefectEcsConfigError(
            [
                (
                    "work_pool_name",
                    f"{pool!r} is already managed by the PrefectEcsWorker {other!r} of this "
                    "program; give each worker its own work_pool_name",
                )
            ]
        )
    claimed[pool] = s.name
