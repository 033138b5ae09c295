"""Credentials stay out of plaintext: ECS env vars, and Secrets Manager uses a customer KMS key."""

from __future__ import annotations

import re

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import (
    ADVISORY,
    MANDATORY,
    SECRET,
    TASK_DEFINITION,
    Report,
    as_list,
    config_value,
    container_definitions,
    container_label,
    env_pairs,
    get,
    glob_match,
    schema,
    str_list,
    string_list,
)

DEFAULT_SECRET_PATTERNS = [
    "PREFECT_API_KEY",
    "PREFECT_API_AUTH_STRING",
    "*_KEY",
    "*API_KEY*",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*TOKEN*",
    "*CREDENTIAL*",
    "*AUTH_STRING*",
]
DEFAULT_ALLOWED_NAMES = ["PREFECT_API_URL"]

# Values that are credentials whatever the variable is called.
_PREFECT_KEY = re.compile(r"\bpnu_[A-Za-z0-9]{20,}")
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def _validate_env(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != TASK_DEFINITION:
        return
    patterns = str_list(config_value(args, "secretNamePatterns", DEFAULT_SECRET_PATTERNS))
    allowed = str_list(config_value(args, "allowedNames", DEFAULT_ALLOWED_NAMES))
    containers = container_definitions(args.props)
    for i, container in enumerate(containers or []):
        label = container_label(container, i)
        for name, value in env_pairs(container):
            if glob_match(name, allowed):
                continue
            pattern = glob_match(name, patterns)
            if pattern:
                report(
                    f"{label}: environment variable {name} looks like a credential "
                    f"(matches '{pattern}'); pass it through 'secrets' (valueFrom) instead."
                )
            elif isinstance(value, str) and (
                _PREFECT_KEY.search(value) or _URL_WITH_PASSWORD.search(value)
            ):
                report(f"{label}: environment variable {name} holds a credential value.")
        for field in ("command", "entryPoint"):
            for part in as_list(container.get(field)):
                if isinstance(part, str) and _PREFECT_KEY.search(part):
                    report(f"{label}: {field} contains a Prefect API key.")


ecs_no_plaintext_credentials = ResourceValidationPolicy(
    name="ecs-no-plaintext-credentials",
    description=(
        "ECS container definitions must not hold credentials (PREFECT_API_KEY, "
        "PREFECT_API_AUTH_STRING, *_KEY, *SECRET*, ...) in plaintext environment variables."
    ),
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "secretNamePatterns": string_list(
                DEFAULT_SECRET_PATTERNS,
                "Case-insensitive globs of variable names that hold credentials.",
            ),
            "allowedNames": string_list(
                DEFAULT_ALLOWED_NAMES,
                "Variable names (globs) allowed even if they match a pattern.",
            ),
        }
    ),
    validate=_validate_env,
)


def _validate_kms(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != SECRET:
        return
    if not get(args.props, "kmsKeyId"):
        report("Secret uses the AWS-managed key; set kmsKeyId to a customer-managed KMS key.")


secretsmanager_customer_kms_key = ResourceValidationPolicy(
    name="secretsmanager-customer-kms-key",
    description="Secrets Manager secrets should be encrypted with a customer-managed KMS key.",
    enforcement_level=ADVISORY,
    validate=_validate_kms,
)

POLICIES = [ecs_no_plaintext_credentials, secretsmanager_customer_kms_key]
