"""Logs exist and are kept: log group retention, and a log configuration on every container."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import (
    LOG_GROUP,
    MANDATORY,
    TASK_DEFINITION,
    Report,
    config_value,
    container_definitions,
    container_label,
    get,
    schema,
)

DEFAULT_MINIMUM_RETENTION_DAYS = 30


def _validate_retention(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != LOG_GROUP:
        return
    minimum = int(config_value(args, "minimumRetentionDays", DEFAULT_MINIMUM_RETENTION_DAYS))
    days = get(args.props, "retentionInDays")
    if not days:
        report(f"retentionInDays is unset (logs never expire); set it to at least {minimum} days.")
    elif int(days) < minimum:
        report(f"retentionInDays is {int(days)}; at least {minimum} days is required.")


log_group_retention = ResourceValidationPolicy(
    name="log-group-retention",
    description="CloudWatch log groups must set retentionInDays (never 0/unset) to at least N days.",
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "minimumRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "default": DEFAULT_MINIMUM_RETENTION_DAYS,
                "description": "Smallest accepted retentionInDays.",
            }
        }
    ),
    validate=_validate_retention,
)


def _validate_log_configuration(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != TASK_DEFINITION:
        return
    containers = container_definitions(args.props)
    if containers is None:
        report("containerDefinitions is not valid JSON.")
        return
    for i, container in enumerate(containers):
        config = container.get("logConfiguration")
        if not isinstance(config, dict) or not config.get("logDriver"):
            report(
                f"{container_label(container, i)} has no logConfiguration "
                "(e.g. awslogs); its output would be lost."
            )


ecs_container_log_configuration = ResourceValidationPolicy(
    name="ecs-container-log-configuration",
    description="Every ECS container definition must set a logConfiguration with a logDriver.",
    enforcement_level=MANDATORY,
    validate=_validate_log_configuration,
)

POLICIES = [log_group_retention, ecs_container_log_configuration]
