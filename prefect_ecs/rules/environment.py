"""Rules over what reaches containers' environments: the worker's plain environment, and
the secrets of the worker and of flow runs (``worker_secrets``, ``flow_run_secrets``).

Credentials go only through ECS ``secrets`` (docs/design.md rule 4): a plain variable
whose name or value holds one (:mod:`prefect_ecs.documents.credential_env`, shared with
the policy pack) is refused with the secrets argument as the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..documents.containers import (
    HEALTH_PORT,
    LOCAL_LISTEN_HOSTS,
    SECRET_ENV_NAME,
    WEBSERVER_HOST_ENV,
    WEBSERVER_PORT_ENV,
)
from ..documents.credential_env import env_credential
from ..documents.iam import secret_source
from ..documents.observer import OBSERVER_ENV_PREFIX
from ..validation import Problem, RuleInput
from ._registry import rule

__all__ = ["ENV_NAME", "KMS_KEY_ARN", "credential_problem", "reserved_name"]

#: What ECS and shells accept as an environment variable name.
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
#: Prefect's per-run variables (``PREFECT__FLOW_RUN_ID``, ...) the worker sets for each
#: flow run.
FLOW_RUN_ENV_PREFIX = "PREFECT__"


def reserved_name(v: RuleInput, name: str, *, flow_run: bool = False) -> str | None:
    """Why the component sets ``name`` itself (a plain variable or a secret of that name
    would contradict it), or None."""
    if name == "PREFECT_API_URL":
        return f"is set from {v.label('prefect_api_url')}"
    if name in SECRET_ENV_NAME.values():
        return (
            "looks like a credential: it is the Prefect credential, which the component "
            f"injects from its own secret; set it with {v.label('prefect_api_key')}, {v.label('prefect_auth_string')} or "
            f"{v.label('prefect_api_secret_arn')}"
        )
    if name.startswith(OBSERVER_ENV_PREFIX + "SQS_"):
        return (
            "is set by the component to its own queue (or, with "
            f"{v.label('crash_observer')} off, to a queue that does not exist)"
        )
    if flow_run and name.startswith(FLOW_RUN_ENV_PREFIX):
        return "is set by the worker for each flow run"
    return None


def credential_problem(v: RuleInput, name: Any, value: Any, secrets_field: str) -> str | None:
    """The message for a plain variable that holds a credential, or None."""
    why = env_credential(name, value)
    if why is None:
        return None
    return (
        f"{name} looks like a credential: {why}. Plaintext environment variables are "
        "visible in the task definition; store it in Secrets Manager or SSM Parameter "
        f"Store and pass its ARN in {v.label(secrets_field)} instead"
    )


@rule("worker_environment")
def worker_environment(v: RuleInput) -> Iterator[Problem]:
    env = v["worker_environment"]
    if not isinstance(env, Mapping):
        return
    for name, value in env.items():
        if reason := reserved_name(v, str(name)):
            yield ("worker_environment", f"{name} {reason}")
        elif msg := credential_problem(v, name, value, "worker_secrets"):
            yield ("worker_environment", msg)
        elif name == WEBSERVER_PORT_ENV and isinstance(value, str) and value != str(HEALTH_PORT):
            yield (
                "worker_environment",
                f"{name}={value} moves the worker's health endpoint off port {HEALTH_PORT}, "
                "which the container's health check probes: ECS would stop every worker task "
                f"as unhealthy. Remove it (or set it to {HEALTH_PORT})",
            )
        elif name == WEBSERVER_HOST_ENV and value not in LOCAL_LISTEN_HOSTS:
            yield (
                "worker_environment",
                f"{name}={value} makes the health endpoint listen where the container's health "
                f"check (localhost) can't reach it; remove it or use one of "
                f"{', '.join(LOCAL_LISTEN_HOSTS)}",
            )


def _secrets_problems(v: RuleInput, field: str, *, flow_run: bool) -> Iterator[Problem]:
    secrets = v[field]
    if not isinstance(secrets, Mapping):
        return
    for name, arn in secrets.items():
        if not ENV_NAME.match(str(name)):
            yield (
                field,
                f"{name!r} is not an environment variable name (letters, digits and '_', "
                "not starting with a digit)",
            )
        elif reason := reserved_name(v, str(name), flow_run=flow_run):
            yield (field, f"{name} {reason}")
        if isinstance(arn, str) and secret_source(arn) is None:
            yield (
                field,
                f"{name}: {arn!r} is neither a Secrets Manager secret ARN "
                "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>, "
                "optionally followed by :<json-key>::) nor an SSM parameter ARN "
                "(arn:aws:ssm:<region>:<account>:parameter/<name>)",
            )


@rule("worker_secrets")
def worker_secrets(v: RuleInput) -> Iterator[Problem]:
    yield from _secrets_problems(v, "worker_secrets", flow_run=False)


@rule("flow_run_secrets", "create_work_pool")
def flow_run_secrets(v: RuleInput) -> Iterator[Problem]:
    yield from _secrets_problems(v, "flow_run_secrets", flow_run=True)
    if v["flow_run_secrets"] and not v["create_work_pool"]:
        yield (
            "flow_run_secrets",
            f"reach flow runs through the pool's template, which the component writes only "
            f"with {v.label('create_work_pool')} on; put them in your pool's template or "
            "turn it on",
        )


@rule("worker_environment", "worker_secrets")
def worker_env_or_secret(v: RuleInput) -> Iterator[Problem]:
    env, secrets = v["worker_environment"], v["worker_secrets"]
    if isinstance(env, Mapping) and isinstance(secrets, Mapping):
        for name in sorted(set(env) & set(secrets)):
            yield (
                "worker_secrets",
                f"{name} is also in {v.label('worker_environment')}; keep it in one of them",
            )


@rule("secrets_kms_key_arns", "worker_secrets", "flow_run_secrets")
def secrets_kms_keys(v: RuleInput) -> Iterator[Problem]:
    keys = v["secrets_kms_key_arns"]
    if not isinstance(keys, list | tuple):
        return
    for key in keys:
        if isinstance(key, str) and not KMS_KEY_ARN.match(key):
            yield (
                "secrets_kms_key_arns",
                f"{key!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; "
                "IAM matches keys, not aliases)",
            )
    if keys and not v["worker_secrets"] and not v["flow_run_secrets"]:
        yield (
            "secrets_kms_key_arns",
            f"decrypt the values of {v.label('worker_secrets')} and "
            f"{v.label('flow_run_secrets')}, and neither is set; remove it",
        )
