"""AWS ids and ARNs: the right kind of id, ECS's network limits, ARNs where the stack is.

The region a stack deploys to is the default AWS provider's (``aws:region``, else
``AWS_REGION`` / ``AWS_DEFAULT_REGION``: :func:`prefect_ecs.settings.stack_region`).
When it is unknown (none set, or the component was given an explicit AWS provider) the
region and partition comparisons are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..args import ARGS
from ..validation import Problem, Rule, RuleInput, partition_of
from ._registry import RULES

__all__ = ["ARN_SCOPE", "EC2_ID_KINDS", "MAX_SECURITY_GROUPS", "MAX_SUBNETS", "ArnScope"]

#: What an EC2 id is, by the prefix before its first '-'.
EC2_ID_KINDS = {
    "vpc": "a VPC",
    "subnet": "a subnet",
    "sg": "a security group",
    "sgr": "a security group rule",
    "igw": "an internet gateway",
    "rtb": "a route table",
    "eni": "a network interface",
    "nat": "a NAT gateway",
    "acl": "a network ACL",
    "vpce": "a VPC endpoint",
    "pl": "a prefix list",
    "i": "an EC2 instance",
    "ami": "an image (AMI)",
}
#: ECS ``awsvpcConfiguration`` limits (ECS API reference, AwsVpcConfiguration).
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
#: The id fields: the id prefix each takes, and whether it is a list.
_ID_FIELDS = {"vpc_id": "vpc", "subnet_ids": "subnet", "security_group_ids": "sg"}
_LIMITS = {"subnet_ids": MAX_SUBNETS, "security_group_ids": MAX_SECURITY_GROUPS}


def _id_problem(value: str, expected: str) -> str | None:
    what = EC2_ID_KINDS[expected]
    if value.startswith("arn:"):
        return f"{value!r} is an ARN; give {what}'s id alone ({expected}-...)"
    prefix = value.split("-", 1)[0] if "-" in value else ""
    if prefix != expected and prefix in EC2_ID_KINDS:
        return f"{value!r} is the id of {EC2_ID_KINDS[prefix]}, not of {what} ({expected}-...)"
    return None


def _id_rule(field: str, expected: str) -> None:
    def id_kind(v: RuleInput) -> Iterator[Problem]:
        value = v[field]
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str) and (msg := _id_problem(item, expected)):
                yield (field, msg)
        if isinstance(value, list | tuple):
            if len(set(value)) < len(value):
                yield (field, "lists an id twice; list each once")
            most = _LIMITS[field]
            if len(value) > most:
                yield (field, f"has {len(value)} ids; ECS allows at most {most} per task")

    RULES.append(Rule(f"id_kind_{field}", (field,), id_kind))


for _field, _expected in _ID_FIELDS.items():
    _id_rule(_field, _expected)


@dataclass(frozen=True)
class ArnScope:
    """Where an ARN argument's resource must be: ``regional`` ones in the stack's region
    (and partition), the others only in its partition. ``why`` says why, for the message."""

    regional: bool
    why: str


#: Every ARN argument (a name ending in ``_arn`` or ``_arns``; a test keeps this complete).
ARN_SCOPE: dict[str, ArnScope] = {
    "prefect_api_secret_arn": ArnScope(
        True, "the worker, its commands and ECS read the secret in the stack's region"
    ),
    "secret_kms_key_arn": ArnScope(True, "Secrets Manager uses only keys of its own region"),
    "cluster_arn": ArnScope(True, "the worker's service is created in the stack's region"),
    "observer_kms_key_arn": ArnScope(True, "SQS uses only keys of its own region"),
    "alarm_topic_arn": ArnScope(True, "CloudWatch alarms notify only topics of their region"),
    "flow_run_task_role_arn": ArnScope(False, "IAM is global within a partition"),
    "flow_run_task_role_policy_arns": ArnScope(False, "IAM is global within a partition"),
    "secrets_kms_key_arns": ArnScope(
        False, "a key is in its secrets' region, which may be another than the stack's"
    ),
    "flow_run_image_repository_arns": ArnScope(
        False, "ECS pulls from ECR repositories of other regions, not other partitions"
    ),
}


def _arn_where_problem(arn: str, region: str, scope: ArnScope) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None  # the ARN format rules say why
    partition, arn_region = parts[1], parts[3]
    expected = partition_of(region)
    if partition != expected:
        return (
            f"{arn!r} is in the partition {partition}, but the stack deploys to {region} "
            f"(partition {expected}); use arn:{expected}:..."
        )
    if scope.regional and arn_region and arn_region != region:
        return (
            f"{arn!r} is in {arn_region}, but the stack deploys to {region}; "
            f"{scope.why}: use one in {region}"
        )
    return None


def _where_rule(field: str, scope: ArnScope) -> None:
    def arn_where(v: RuleInput) -> Iterator[Problem]:
        if v.region is None:
            return
        value = v[field]
        for arn in value if isinstance(value, list | tuple) else [value]:
            if isinstance(arn, str) and (msg := _arn_where_problem(arn, v.region, scope)):
                yield (field, msg)

    RULES.append(Rule(f"arn_where_{field}", (field,), arn_where))


for _field, _scope in ARN_SCOPE.items():
    _where_rule(_field, _scope)

#: The ARN arguments of the table (what :data:`ARN_SCOPE` must cover).
ARN_ARGS = tuple(a.name for a in ARGS if a.name.endswith(("_arn", "_arns")))
