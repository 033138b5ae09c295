"""EC2 capacity for flow runs (``flow_run_ec2_capacity``): a launch template with the
ECS-optimized AMI, a least-privilege instance profile, an auto scaling group over the
stack's subnets and an ECS capacity provider with managed scaling and termination
protection. The cluster association and the pool's capacity provider strategy are made
by ``worker/capacity.py`` from :attr:`Ec2Capacity.provider_name`.

The documents (the AMI parameter, the agent's configuration, the instance role's policy,
the group's tags) are pure functions of :mod:`prefect_ecs.documents.ec2_capacity`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from ..documents import ec2_capacity as docs
from ..documents.names import Suffix
from ..settings import Settings, is_known
from .cluster import Cluster
from .context import WorkerContext
from .network import Network

__all__ = ["Ec2Capacity", "ec2_capacity", "flow_run_ec2_instance_type"]

#: The root volume of the ECS-optimized Amazon Linux 2023 AMI (its size is the AMI's
#: minimum).
ROOT_DEVICE = "/dev/xvda"
ROOT_VOLUME_GIB = 30


@dataclass(frozen=True)
class Ec2Capacity:
    """What the EC2 capacity made; ``provider_name`` goes into the cluster's capacity
    providers and the pool's strategy."""

    provider: aws.ecs.CapacityProvider
    auto_scaling_group: aws.autoscaling.Group
    launch_template: aws.ec2.LaunchTemplate
    instance_role: aws.iam.Role
    instance_profile: aws.iam.InstanceProfile

    @property
    def provider_name(self) -> pulumi.Output[str]:
        return self.provider.name


def _architecture(s: Settings) -> Any:
    """``flow_run_cpu_architecture`` (X86_64 where a caller's settings lack it)."""
    arch = s.values.get("flow_run_cpu_architecture")
    return "X86_64" if arch is None else arch


def flow_run_ec2_instance_type(s: Settings) -> pulumi.Input[str]:
    """The flow-run instances' type: ``flow_run_ec2_instance_type``, else the default of
    ``flow_run_cpu_architecture`` (what the cost estimate prices, too)."""
    if s["flow_run_ec2_instance_type"] is not None:
        return s["flow_run_ec2_instance_type"]
    arch = _architecture(s)
    if is_known(arch):
        return docs.default_instance_type(arch)
    return pulumi.Output.from_input(arch).apply(docs.default_instance_type)


def ec2_capacity(
    ctx: WorkerContext, s: Settings, cluster: Cluster, network: Network
) -> Ec2Capacity | None:
    """The EC2 capacity for flow runs, or None when ``flow_run_ec2_capacity`` is off."""
    if not s["flow_run_ec2_capacity"]:
        return None

    role = aws.iam.Role(
        ctx.child(Suffix.EC2_INSTANCE_ROLE),
        assume_role_policy=json.dumps(docs.ec2_trust_policy()),
        description=f"prefect-ecs {ctx.name}: the ECS agent on flow-run EC2 instances",
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    policy = aws.iam.RolePolicy(
        ctx.child(Suffix.EC2_INSTANCE_POLICY),
        role=role.id,
        policy=pulumi.Output.all(
            partition=ctx.partition,
            region=ctx.region,
            account_id=ctx.account_id,
            cluster_arn=cluster.arn,
            cluster_name=cluster.name,
        ).apply(lambda v: json.dumps(docs.container_instance_policy(**v))),
        opts=ctx.opts(),
    )
    profile = aws.iam.InstanceProfile(
        ctx.child(Suffix.EC2_INSTANCE_PROFILE),
        role=role.name,
        tags=ctx.tags,
        opts=ctx.opts(),
    )

    arch = _architecture(s)
    image_id = (
        docs.ami_image_id(arch)
        if is_known(arch)
        else pulumi.Output.from_input(arch).apply(docs.ami_image_id)
    )
    template = aws.ec2.LaunchTemplate(
        ctx.child(Suffix.EC2_LAUNCH_TEMPLATE),
        description=f"prefect-ecs {ctx.name}: ECS-optimized instances for flow runs",
        image_id=image_id,
        instance_type=flow_run_ec2_instance_type(s),
        iam_instance_profile={"arn": profile.arn},
        user_data=cluster.name.apply(docs.user_data_base64),
        metadata_options={
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 1,
        },
        network_interfaces=[
            {
                "device_index": 0,
                "associate_public_ip_address": pulumi.Output.from_input(
                    s["assign_public_ip"]
                ).apply(lambda on: "true" if on else "false"),
                "security_groups": network.security_group_ids,
                "delete_on_termination": "true",
            }
        ],
        block_device_mappings=[
            {
                "device_name": ROOT_DEVICE,
                "ebs": {
                    "volume_size": ROOT_VOLUME_GIB,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "delete_on_termination": "true",
                },
            }
        ],
        tag_specifications=[{"resource_type": "volume", "tags": ctx.tags}],
        tags=ctx.tags,
        # The instances must not start before the agent may register them.
        opts=ctx.opts(depends_on=[policy]),
    )

    group = aws.autoscaling.Group(
        ctx.child(Suffix.EC2_AUTO_SCALING_GROUP),
        vpc_zone_identifiers=network.subnet_ids,
        min_size=s["flow_run_ec2_min_size"],
        max_size=s["flow_run_ec2_max_size"],
        # No desired_capacity: managed scaling sets it, and Pulumi must not reset it.
        launch_template={"id": template.id, "version": template.latest_version.apply(str)},
        # Managed termination protection: ECS lifts it from instances without flow runs.
        protect_from_scale_in=True,
        # At destroy the instances are terminated with the group (their scale-in
        # protection would otherwise keep the group from going).
        force_delete=True,
        tags=cast(
            "pulumi.Output[list[aws.autoscaling.GroupTagArgsDict]]",
            pulumi.Output.from_input(ctx.tags).apply(
                lambda tags: docs.auto_scaling_group_tags(dict(tags), f"{ctx.name}-flow-runs")
            ),
        ),
        opts=ctx.opts(),
    )

    provider = aws.ecs.CapacityProvider(
        ctx.child(Suffix.EC2_CAPACITY_PROVIDER),
        auto_scaling_group_provider={
            "auto_scaling_group_arn": group.arn,
            "managed_termination_protection": "ENABLED",
            "managed_draining": "ENABLED",
            "managed_scaling": {
                "status": "ENABLED",
                "target_capacity": s["flow_run_ec2_target_capacity_percent"],
                "minimum_scaling_step_size": 1,
                "maximum_scaling_step_size": s["flow_run_ec2_max_size"],
            },
        },
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    return Ec2Capacity(
        provider=provider,
        auto_scaling_group=group,
        launch_template=template,
        instance_role=role,
        instance_profile=profile,
    )
