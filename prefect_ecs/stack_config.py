"""Stack config (``Pulumi.<stack>.yaml``) -> validated :class:`PrefectEcsWorkerArgs`.

Config keys are the camelCase of the argument names (``workerCpu`` ->
``worker_cpu``). Errors name the config key, e.g. ``prefect-ecs:workerMemory``.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

import pulumi

from .args import DEFAULTS, PrefectEcsWorkerArgs
from .validation import PrefectEcsConfigError, validate_args

#: Config key -> kind. Every key here is declared in Pulumi.yaml (a test checks).
CONFIG_KEYS: dict[str, str] = {
    "prefectApiUrl": "string",
    "prefectApiKey": "secret",
    "prefectAuthString": "secret",
    "prefectApiSecretArn": "string",
    "prefectApiSecretKind": "string",
    "secretKmsKeyArn": "string",
    "workPoolName": "string",
    "vpcId": "string",
    "subnetIds": "array",
    "securityGroupIds": "array",
    "clusterArn": "string",
    "containerInsights": "string",
    "workerCpu": "integer",
    "workerMemory": "integer",
    "workerDesiredCount": "integer",
    "workerImage": "string",
    "cpuArchitecture": "string",
    "workerEnvironment": "object",
    "assignPublicIp": "boolean",
    "enableExecuteCommand": "boolean",
    "logRetentionDays": "integer",
    "flowRunCpu": "integer",
    "flowRunMemory": "integer",
    "flowRunTaskRolePolicyArns": "array",
    "createWorkPool": "boolean",
    "adoptExistingWorkPool": "boolean",
    "workPoolJobVariables": "object",
    "tags": "object",
}


def config_key_to_arg(key: str) -> str:
    """``workerCpu`` -> ``worker_cpu``; the secret keys map onto their argument names."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def arg_to_config_key(arg: str) -> str:
    """``worker_cpu`` -> ``workerCpu``."""
    head, *rest = arg.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _json(raw: str, expected: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(f"expected {expected}, got {raw!r}") from None


def _parse(raw: str, kind: str) -> Any:
    if kind in ("string", "secret"):
        return raw
    if kind == "integer":
        value = _json(raw, "an integer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {raw!r}")
        return value
    if kind == "boolean":
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise ValueError(f"expected true or false, got {raw!r}")
    value = _json(raw, f"a JSON {kind}")
    expected = list if kind == "array" else dict
    if not isinstance(value, expected):
        raise ValueError(f"expected a JSON {kind}, got {raw!r}")
    return value


def load_worker_args(config: pulumi.Config | None = None) -> PrefectEcsWorkerArgs:
    """Read the stack config into validated component args (raises with config key names)."""
    config = config or pulumi.Config()
    ns = config.name
    args: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, kind in CONFIG_KEYS.items():
        arg = config_key_to_arg(key)
        if kind == "secret":
            secret = config.get_secret(key)
            if secret is not None:
                args[arg] = secret
            continue
        raw = config.get(key)
        if raw is None or raw == "":
            continue
        try:
            args[arg] = _parse(raw, kind)
        except ValueError as exc:
            problems.append((f"{ns}:{key}", str(exc)))
    if problems:
        raise PrefectEcsConfigError(problems)
    validate_args({**DEFAULTS, **args}, label=lambda arg: f"{ns}:{arg_to_config_key(arg)}")
    return cast(PrefectEcsWorkerArgs, args)
