"""Network exposure: ECS services get no public IP unless the stack opts in."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import MANDATORY, SERVICE, Report, config_value, get, schema


def _validate_public_ip(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != SERVICE:
        return
    if config_value(args, "allowPublicIp", False) is True:
        return
    network = get(args.props, "networkConfiguration")
    if get(network, "assignPublicIp") is True:
        report(
            "networkConfiguration.assignPublicIp is true; use private subnets with a NAT "
            "(or set allowPublicIp for stacks without one)."
        )


ecs_service_no_public_ip = ResourceValidationPolicy(
    name="ecs-service-no-public-ip",
    description="ECS services must not assign public IPs (networkConfiguration.assignPublicIp).",
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "allowPublicIp": {
                "type": "boolean",
                "default": False,
                "description": "Allow public IPs (stacks in public subnets without a NAT).",
            }
        }
    ),
    validate=_validate_public_ip,
)

POLICIES = [ecs_service_no_public_ip]
