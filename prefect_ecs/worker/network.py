"""Where the worker and flow runs run: VPC, subnets and security groups.

Given ``vpc_id`` and ``subnet_ids``, those; otherwise the default VPC and its subnets.
Given ``security_group_ids``, those; otherwise one new egress-only group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..documents.names import Suffix
from ..settings import Settings
from .context import WorkerContext

__all__ = ["DEFAULT_VPC_WITHOUT_PUBLIC_IP", "Network", "network"]

DEFAULT_VPC_WITHOUT_PUBLIC_IP = (
    "using the default VPC with assignPublicIp=false: its subnets have no NAT, "
    "so tasks can't pull images or reach Prefect unless the VPC has endpoints. "
    "Set vpcId/subnetIds to private subnets with NAT, or assignPublicIp=true."
)

#: The one egress rule of the security group the component creates.
EGRESS_ALL: aws.ec2.SecurityGroupEgressArgsDict = {
    "description": "Prefect API, image registries and AWS APIs",
    "protocol": "-1",
    "from_port": 0,
    "to_port": 0,
    "cidr_blocks": ["0.0.0.0/0"],
    "ipv6_cidr_blocks": ["::/0"],
}


@dataclass(frozen=True)
class Network:
    """The network settings every task of the component uses."""

    vpc_id: pulumi.Output[str]
    subnet_ids: pulumi.Output[list[str]]
    security_group_ids: pulumi.Output[list[str]]
    security_group: aws.ec2.SecurityGroup | None
    """The group the component created (None when ``security_group_ids`` was given)."""


def network(ctx: WorkerContext, s: Settings) -> Network:
    """Resolve the VPC and subnets; create the security group unless one is given."""
    if s.given("vpc_id"):
        vpc_id = pulumi.Output.from_input(s["vpc_id"])
        subnet_ids = pulumi.Output.from_input(s["subnet_ids"])
    else:
        vpc_id = aws.ec2.get_vpc_output(default=True, opts=ctx.invoke).id
        subnet_ids = aws.ec2.get_subnets_output(
            filters=vpc_id.apply(
                lambda v: [aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[v])]
            ),
            opts=ctx.invoke,
        ).ids
        if s["assign_public_ip"] is False:
            pulumi.log.warn(DEFAULT_VPC_WITHOUT_PUBLIC_IP, resource=ctx.parent)

    if s.given("security_group_ids"):
        return Network(vpc_id, subnet_ids, pulumi.Output.from_input(s["security_group_ids"]), None)
    group = aws.ec2.SecurityGroup(
        ctx.child(Suffix.SECURITY_GROUP),
        description=f"prefect-ecs {ctx.name}: worker and flow-run tasks, egress only",
        vpc_id=vpc_id,
        ingress=[],
        egress=[EGRESS_ALL],
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    return Network(vpc_id, subnet_ids, pulumi.Output.all(group.id), group)
