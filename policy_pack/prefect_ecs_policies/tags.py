"""Required tags on every taggable resource (nothing required unless configured)."""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import MANDATORY, Report, config_value, get, plain, schema, str_list, string_list

# Taggable AWS types this project (and its users' stacks) commonly create. Any other
# resource is checked only when its props carry a ``tags`` key.
TAGGABLE_TYPES = frozenset(
    {
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:ec2/eip:Eip",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ecr/repository:Repository",
        "aws:ecs/capacityProvider:CapacityProvider",
        "aws:ecs/cluster:Cluster",
        "aws:ecs/service:Service",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:iam/instanceProfile:InstanceProfile",
        "aws:iam/policy:Policy",
        "aws:iam/role:Role",
        "aws:iam/user:User",
        "aws:kms/key:Key",
        "aws:lambda/function:Function",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:secretsmanager/secret:Secret",
        "aws:sqs/queue:Queue",
        "aws:ssm/parameter:Parameter",
    }
)


def _provider_default_tags(args: ResourceValidationArgs) -> dict[str, Any]:
    """Tags an AWS provider adds to every resource (``defaultTags.tags``)."""
    provider = args.provider
    if provider is None or not provider.resource_type.startswith("pulumi:providers:aws"):
        return {}
    default_tags = get(provider.props, "defaultTags")
    if isinstance(default_tags, str):  # provider inputs arrive JSON-encoded
        try:
            default_tags = json.loads(default_tags)
        except ValueError:
            return {}
    tags = plain(default_tags).get("tags") if default_tags else None
    return tags if isinstance(tags, dict) else {}


def _validate_tags(args: ResourceValidationArgs, report: Report) -> None:
    required = str_list(config_value(args, "requiredTags", []))
    if not required or not args.resource_type.startswith("aws:"):
        return
    if args.resource_type not in TAGGABLE_TYPES and "tags" not in args.props:
        return
    tags = plain(get(args.props, "tags", {}))
    present = {**_provider_default_tags(args), **(tags if isinstance(tags, dict) else {})}
    missing = [key for key in required if key not in present]
    if missing:
        report(f"missing required tags: {', '.join(missing)}.")


required_tags = ResourceValidationPolicy(
    name="required-tags",
    description="Taggable AWS resources must carry the tag keys listed in requiredTags.",
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "requiredTags": string_list(
                [], "Tag keys every taggable resource must have (empty: none)."
            )
        }
    ),
    validate=_validate_tags,
)

POLICIES = [required_tags]
