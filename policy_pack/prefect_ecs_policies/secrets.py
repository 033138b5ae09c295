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
from .credential_env import env_credential

#: Names matching these globs hold credentials besides what the shared rule finds
#: (:mod:`.credential_env`, the stack's own rule: name tokens and values).
DEFAULT_SECRET_PATTERNS: list[str] = []
DEFAULT_ALLOWED_NAMES = ["PREFECT_API_URL"]

_PREFECT_KEY = re.compile(r"\bpnu_[A-Za-z0-9]{20,}")


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
            why = f"it matches '{pattern}'" if pattern else env_credential(name, value)
            if why:
                report(
                    f"{label}: environment variable {name} looks like a credential ({why}); "
                    "pass it through 'secrets' (valueFrom) instead."
                )
        for field in ("command", "entryPoint"):
            for part in as_list(container.get(field)):
                if isinstance(part, str) and _PREFECT_KEY.search(part):
                    report(f"{label}: {field} contains a Prefect API key.")


ecs_no_plaintext_credentials = ResourceValidationPolicy(
    name="ecs-no-plaintext-credentials",
    description=(
        "ECS container definitions must not hold credentials in plaintext environment "
        "variables: names with a credential word (PASSWORD, PASSWD, TOKEN, SECRET, KEY, ...) "
        "unless they end in _ID, _ARN, _URL, _FILE, ...; URLs with a password, Prefect keys, "
        "JSON objects with an Authorization entry."
    ),
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "secretNamePatterns": string_list(
                DEFAULT_SECRET_PATTERNS,
                "Case-insensitive globs of more variable names that hold credentials.",
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
