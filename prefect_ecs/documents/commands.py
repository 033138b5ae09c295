"""The local commands' command lines and environments (pure).

Each command runs an entry point of this package (``python -m prefect_ecs.ops.<name>``)
with the Python that runs the Pulumi program, so it finds the same installed packages.
Configuration travels in the environment, never on the command line; the Prefect
credential travels on stdin, as a secret.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
from collections.abc import Mapping
from typing import Any, TypeVar

from .containers import SECRET_ENV_NAME

__all__ = [
    "CREDENTIAL_ENV",
    "CREDENTIAL_STDIN_FLAG",
    "POOL_NOT_MANAGED",
    "entry_point",
    "ops_environment",
    "value_digest",
]

V = TypeVar("V")

#: Tells an entry point its credential arrives on stdin (prefect_ecs.ops._common).
CREDENTIAL_STDIN_FLAG = "PREFECT_ECS_CREDENTIAL_FROM_STDIN"

#: Set to "1" in the drain's environment when the stack does not own the work pool
#: (prefect_ecs.ops.drain: such a pool is never paused).
POOL_NOT_MANAGED = "PREFECT_ECS_POOL_NOT_MANAGED"

#: The environment variable that carries the credential, by credential kind.
CREDENTIAL_ENV = SECRET_ENV_NAME


def entry_point(module: str, *args: str, python: str | None = None) -> str:
    """``<python> -m prefect_ecs.ops.<module> <args>``, quoted for the command's shell."""
    words = [python or sys.executable, "-m", f"prefect_ecs.ops.{module}", *args]
    return " ".join(shlex.quote(w) for w in words)


def ops_environment(
    *,
    api_url: V,
    pool_name: V,
    region: V,
    cluster_arn: V | None = None,
    service_name: V | None = None,
    worker_log_group: V | None = None,
    timeout_seconds: V | None = None,
    extra: Mapping[str, V] | None = None,
) -> dict[str, V]:
    """The non-secret environment of an entry point (``PREFECT_ECS_*`` and the region).

    Values go in as given (strings, or the wiring's Outputs of strings), so each stays
    its own value: only the credential, added by the wiring, is secret."""
    env = {
        "PREFECT_API_URL": api_url,
        "PREFECT_ECS_WORK_POOL": pool_name,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
    optional = {
        "PREFECT_ECS_CLUSTER": cluster_arn,
        "PREFECT_ECS_SERVICE": service_name,
        "PREFECT_ECS_WORKER_LOG_GROUP": worker_log_group,
        "PREFECT_ECS_TIMEOUT_SECONDS": timeout_seconds,
    }
    env.update({k: v for k, v in optional.items() if v is not None})
    env.update(extra or {})
    return env


def value_digest(value: Any) -> str:
    """A short, stable digest of a JSON-able value (a trigger that changes with it)."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
