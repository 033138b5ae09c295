"""EC2 capacity for flow runs (``flow_run_ec2_capacity``): a launch template with the
ECS-optimized AMI, a least-privilege instance profile, an auto scaling group over the
stack's subnets and an ECS capacity provider with managed scaling and termination
protection. The cluster association and the pool's capacity provider strategy are made
by ``worker/capacity.py`` from :attr:`Ec2Capacity.provider_name`.

INTERFACE SCAFFOLD (issue 12, in progress): the resources are built by the EC2
capacity work; until then :func:`ec2_capacity` returns None.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..settings import Settings
from .cluster import Cluster
from .context import WorkerContext
from .network import Network

__all__ = ["Ec2Capacity", "ec2_capacity"]


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


def ec2_capacity(
    ctx: WorkerContext, s: Settings, cluster: Cluster, network: Network
) -> Ec2Capacity | None:
    """The EC2 capacity for flow runs, or None when ``flow_run_ec2_capacity`` is off."""
    return None
