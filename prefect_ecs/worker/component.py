"""The ``PrefectEcsWorker`` component: thin wiring of the pure builders into resources."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ..args import DEFAULTS, PrefectEcsWorkerArgs
from ..documents import iam
from ..documents.containers import worker_container_definition
from ..documents.job_template import build_ecs_base_job_template, ecs_job_variable_names
from ..validation import PrefectEcsConfigError, is_known, validate_args
from ..work_pool import WorkPool

TYPE_TOKEN = "prefect-ecs:index:PrefectEcsWorker"


def _cluster_name_from_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _json_document(builder: Callable[..., Any], **inputs: Any) -> pulumi.Output[str]:
    """JSON of ``builder(**inputs)`` once every input is known (a pure builder, wired)."""
    return pulumi.Output.all(**inputs).apply(lambda values: json.dumps(builder(**values)))


def _validate_job_variables(s: dict[str, Any]) -> None:
    """Unknown work-pool job variables fail before anything is created."""
    variables = s.get("work_pool_job_variables") or {}
    if not s.get("create_work_pool") or not is_known(variables) or not variables:
        return
    valid = ecs_job_variable_names()
    unknown = sorted(set(variables) - set(valid))
    if unknown:
        raise PrefectEcsConfigError(
            [
                (
                    "work_pool_job_variables",
                    f"unknown ECS job variable(s) {', '.join(unknown)}; "
                    f"prefect-aws's ECS template has: {', '.join(valid)}",
                )
            ]
        )


def pool_description(name: str) -> str:
    """Work pool description naming the stack that manages it."""
    return (
        f"Managed by Pulumi (project {pulumi.get_project()}, stack {pulumi.get_stack()}, "
        f"component {name}). Change it in the stack, not in the UI: `pulumi up` restores "
        "the stack's settings."
    )


def _family(name: str) -> str:
    """An ECS task definition family for the worker, unique per stack and component."""
    raw = f"prefect-worker-{pulumi.get_stack()}-{name}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", raw)[:255]


class PrefectEcsWorker(pulumi.ComponentResource):
    """A Prefect ECS worker on Fargate, its IAM roles, secret, logs, and work pool.

    Every child is parented to this component and named from ``name``.
    """

    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    worker_execution_role_arn: pulumi.Output[str]
    worker_task_role_arn: pulumi.Output[str]
    flow_run_execution_role_arn: pulumi.Output[str]
    flow_run_task_role_arn: pulumi.Output[str]
    secret_arn: pulumi.Output[str | None]
    worker_log_group_name: pulumi.Output[str]
    flow_run_log_group_name: pulumi.Output[str]
    security_group_ids: pulumi.Output[list[str]]
    vpc_id: pulumi.Output[str]
    subnet_ids: pulumi.Output[list[str]]
    work_pool_name: pulumi.Output[str]
    work_pool_id: pulumi.Output[str | None]
    work_pool: WorkPool | None

    def __init__(
        self,
        name: str,
        args: PrefectEcsWorkerArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        settings: dict[str, Any] = {**DEFAULTS}
        settings.update({k: v for k, v in dict(args).items() if v is not None})
        # Validate before the component or any child is registered: bad input leaves
        # no state behind.
        validate_args(settings)
        _validate_job_variables(settings)
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._build(name, settings)

    # ------------------------------------------------------------------ wiring
    def _build(self, name: str, s: dict[str, Any]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        tags: Mapping[str, str] = {"prefect-ecs:component": name, **s["tags"]}

        partition = aws.get_partition_output(opts=invoke).partition
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region

        # --- network: the default VPC and its subnets unless both are given -------
        if s.get("vpc_id"):
            vpc_id = pulumi.Output.from_input(s["vpc_id"])
            subnet_ids = pulumi.Output.from_input(s["subnet_ids"])
        else:
            vpc_id = aws.ec2.get_vpc_output(default=True, opts=invoke).id
            subnet_ids = aws.ec2.get_subnets_output(
                filters=vpc_id.apply(
                    lambda v: [aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[v])]
                ),
                opts=invoke,
            ).ids
            if s["assign_public_ip"] is False:
                pulumi.log.warn(
                    "using the default VPC with assignPublicIp=false: its subnets have no NAT, "
                    "so tasks can't pull images or reach Prefect unless the VPC has endpoints. "
                    "Set vpcId/subnetIds to private subnets with NAT, or assignPublicIp=true.",
                    resource=self,
                )

        # --- secret -----------------------------------------------------------------
        secret_kind = s["prefect_api_secret_kind"]
        secret_arn: pulumi.Output[str] | None = None
        credential = s.get("prefect_api_key") or s.get("prefect_auth_string")
        if s.get("prefect_auth_string"):
            secret_kind = "auth_string"
        elif s.get("prefect_api_key"):
            secret_kind = "api_key"
        kms_key_arn = s.get("secret_kms_key_arn")
        if credential:
            label = "API key" if secret_kind == "api_key" else "basic-auth string"
            secret = aws.secretsmanager.Secret(
                f"{name}-api-credential",
                name_prefix=f"{name}-api-credential-",
                description=f"Prefect {label} for the prefect-ecs worker '{name}'",
                kms_key_id=kms_key_arn,
                tags=tags,
                opts=child,
            )
            aws.secretsmanager.SecretVersion(
                f"{name}-api-credential",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(credential),
                opts=child,
            )
            secret_arn = secret.arn
        elif s.get("prefect_api_secret_arn"):
            secret_arn = pulumi.Output.from_input(s["prefect_api_secret_arn"])
            if s["create_work_pool"]:
                # The pool is managed through the Prefect API, which needs the credential.
                credential = pulumi.Output.secret(
                    aws.secretsmanager.get_secret_version_output(
                        secret_id=secret_arn, opts=invoke
                    ).secret_string
                )

        # --- logs ---------------------------------------------------------------------
        worker_logs = aws.cloudwatch.LogGroup(
            f"{name}-worker",
            name_prefix=f"/prefect-ecs/{name}/worker-",
            retention_in_days=s["log_retention_days"],
            tags=tags,
            opts=child,
        )
        flow_logs = aws.cloudwatch.LogGroup(
            f"{name}-flow-runs",
            name_prefix=f"/prefect-ecs/{name}/flow-runs-",
            retention_in_days=s["log_retention_days"],
            tags=tags,
            opts=child,
        )

        # --- cluster --------------------------------------------------------------------
        if s.get("cluster_arn"):
            cluster_arn = pulumi.Output.from_input(s["cluster_arn"])
            cluster_name = cluster_arn.apply(_cluster_name_from_arn)
        else:
            cluster = aws.ecs.Cluster(
                name,
                settings=[{"name": "containerInsights", "value": s["container_insights"]}],
                tags=tags,
                opts=child,
            )
            cluster_arn, cluster_name = cluster.arn, cluster.name

        # --- security group ---------------------------------------------------------------
        if s.get("security_group_ids"):
            security_group_ids = pulumi.Output.from_input(s["security_group_ids"])
        else:
            sg = aws.ec2.SecurityGroup(
                f"{name}-tasks",
                description=f"prefect-ecs {name}: worker and flow-run tasks, egress only",
                vpc_id=vpc_id,
                ingress=[],
                egress=[
                    {
                        "description": "Prefect API, image registries and AWS APIs",
                        "protocol": "-1",
                        "from_port": 0,
                        "to_port": 0,
                        "cidr_blocks": ["0.0.0.0/0"],
                        "ipv6_cidr_blocks": ["::/0"],
                    }
                ],
                tags=tags,
                opts=child,
            )
            security_group_ids = pulumi.Output.from_input([sg.id])

        # --- roles ------------------------------------------------------------------------
        trust = _json_document(
            iam.ecs_tasks_trust_policy, partition=partition, region=region, account_id=account_id
        )
        managed_arn = partition.apply(iam.managed_policy_arn)

        def role(suffix: str, description: str) -> aws.iam.Role:
            return aws.iam.Role(
                f"{name}-{suffix}",
                assume_role_policy=trust,
                description=description,
                tags=tags,
                opts=child,
            )

        def execution_role(suffix: str, description: str) -> aws.iam.Role:
            """A role ECS starts tasks with: AmazonECSTaskExecutionRolePolicy attached."""
            execution = role(suffix, description)
            aws.iam.RolePolicyAttachment(
                f"{name}-{suffix}-managed",
                role=execution.name,
                policy_arn=managed_arn,
                opts=child,
            )
            return execution

        worker_exec = execution_role(
            "worker-execution", f"prefect-ecs {name}: starts the worker task"
        )
        if secret_arn is not None:
            aws.iam.RolePolicy(
                f"{name}-worker-execution-secret",
                role=worker_exec.id,
                policy=_json_document(
                    iam.worker_execution_policy,
                    secret_arn=secret_arn,
                    region=region,
                    kms_key_arn=kms_key_arn,
                ),
                opts=child,
            )

        flow_exec = execution_role(
            "flow-run-execution", f"prefect-ecs {name}: starts flow-run tasks"
        )
        aws.iam.RolePolicy(
            f"{name}-flow-run-execution",
            role=flow_exec.id,
            policy=_json_document(
                iam.flow_run_execution_policy,
                secret_arn=secret_arn,
                log_group_arn=flow_logs.arn,
                region=region,
                kms_key_arn=kms_key_arn,
            ),
            opts=child,
        )
        flow_task = role("flow-run-task", f"prefect-ecs {name}: identity of flow-run code")
        for i, policy_arn in enumerate(s["flow_run_task_role_policy_arns"]):
            aws.iam.RolePolicyAttachment(
                f"{name}-flow-run-task-{i}",
                role=flow_task.name,
                policy_arn=policy_arn,
                opts=child,
            )

        worker_task = role("worker-task", f"prefect-ecs {name}: the worker's AWS identity")
        pool_name = s["work_pool_name"]
        aws.iam.RolePolicy(
            f"{name}-worker-task",
            role=worker_task.id,
            policy=_json_document(
                iam.worker_task_policy,
                partition=partition,
                region=region,
                account_id=account_id,
                cluster_arn=cluster_arn,
                cluster_name=cluster_name,
                pool_name=pool_name,
                flow_run_execution_role_arn=flow_exec.arn,
                flow_run_task_role_arn=flow_task.arn,
                flow_run_log_group_arn=flow_logs.arn,
            ),
            opts=child,
        )

        # --- task definition and service ---------------------------------------------------
        containers = _json_document(
            lambda **c: [worker_container_definition(**c)],
            image=s["worker_image"],
            pool_name=pool_name,
            api_url=s["prefect_api_url"],
            log_group_name=worker_logs.name,
            region=region,
            secret_arn=secret_arn,
            secret_kind=secret_kind,
            environment=s["worker_environment"],
        )
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-worker",
            family=_family(name),
            cpu=pulumi.Output.from_input(s["worker_cpu"]).apply(str),
            memory=pulumi.Output.from_input(s["worker_memory"]).apply(str),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={
                "operating_system_family": "LINUX",
                "cpu_architecture": s["cpu_architecture"],
            },
            execution_role_arn=worker_exec.arn,
            task_role_arn=worker_task.arn,
            container_definitions=containers,
            tags=tags,
            opts=child,
        )
        # --- work pool: created before the worker starts, or the worker would create
        # it first with prefect-aws's bare defaults ------------------------------------
        pool: WorkPool | None = None
        if s["create_work_pool"]:
            secret_arn_variable = (
                "api_key_secret_arn" if secret_kind == "api_key" else "auth_string_secret_arn"
            )
            template = pulumi.Output.all(
                cluster_arn=cluster_arn,
                execution_role_arn=flow_exec.arn,
                task_role_arn=flow_task.arn,
                vpc_id=vpc_id,
                subnet_ids=subnet_ids,
                security_group_ids=security_group_ids,
                log_group_name=flow_logs.name,
                region=region,
                assign_public_ip=s["assign_public_ip"],
                cpu=s["flow_run_cpu"],
                memory=s["flow_run_memory"],
                job_variables=s["work_pool_job_variables"],
                **{secret_arn_variable: secret_arn},
            ).apply(lambda v: build_ecs_base_job_template(**v, stream_prefix="flow-run"))
            pool = WorkPool(
                f"{name}-work-pool",
                {
                    "api_url": s["prefect_api_url"],
                    "api_key": credential if credential and secret_kind == "api_key" else None,
                    "auth_string": (
                        credential if credential and secret_kind == "auth_string" else None
                    ),
                    "name": pool_name,
                    "type": "ecs",
                    "description": pool_description(name),
                    "base_job_template": template,
                    "adopt_existing": s["adopt_existing_work_pool"],
                },
                opts=child,
            )

        service = aws.ecs.Service(
            f"{name}-worker",
            cluster=cluster_arn,
            task_definition=task_definition.arn,
            desired_count=s["worker_desired_count"],
            launch_type="FARGATE",
            network_configuration={
                "subnets": subnet_ids,
                "security_groups": security_group_ids,
                "assign_public_ip": s["assign_public_ip"],
            },
            deployment_circuit_breaker={"enable": True, "rollback": True},
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            enable_execute_command=s["enable_execute_command"],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[pool] if pool else []),
        )

        # --- outputs --------------------------------------------------------------------------
        self.cluster_arn = cluster_arn
        self.cluster_name = cluster_name
        self.service_name = service.name
        self.task_definition_arn = task_definition.arn
        self.worker_execution_role_arn = worker_exec.arn
        self.worker_task_role_arn = worker_task.arn
        self.flow_run_execution_role_arn = flow_exec.arn
        self.flow_run_task_role_arn = flow_task.arn
        self.secret_arn = pulumi.Output.from_input(secret_arn)
        self.worker_log_group_name = worker_logs.name
        self.flow_run_log_group_name = flow_logs.name
        self.security_group_ids = security_group_ids
        self.vpc_id = vpc_id
        self.subnet_ids = subnet_ids
        self.work_pool = pool
        self.work_pool_name = pool.name if pool else pulumi.Output.from_input(pool_name)
        self.work_pool_id = pool.pool_id if pool else pulumi.Output.from_input(None)
        self._settings = s
        self._internals = {
            "partition": partition,
            "region": region,
            "account_id": account_id,
            "secret_kind": secret_kind,
        }
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Output[Any]]:
        """The component's outputs by their stack export names (camelCase)."""
        return {
            "clusterArn": self.cluster_arn,
            "clusterName": self.cluster_name,
            "serviceName": self.service_name,
            "taskDefinitionArn": self.task_definition_arn,
            "workerExecutionRoleArn": self.worker_execution_role_arn,
            "workerTaskRoleArn": self.worker_task_role_arn,
            "flowRunExecutionRoleArn": self.flow_run_execution_role_arn,
            "flowRunTaskRoleArn": self.flow_run_task_role_arn,
            "secretArn": self.secret_arn,
            "workerLogGroupName": self.worker_log_group_name,
            "flowRunLogGroupName": self.flow_run_log_group_name,
            "securityGroupIds": self.security_group_ids,
            "vpcId": self.vpc_id,
            "subnetIds": self.subnet_ids,
            "workPoolName": self.work_pool_name,
            "workPoolId": self.work_pool_id,
        }
