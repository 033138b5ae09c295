"""Stack config (``Pulumi.<stack>.yaml``) -> :class:`~prefect_ecs.PrefectEcsWorkerArgs`.

Every argument is read from the config key the argument table gives it (``worker_cpu``
<- ``workerCpu``), parsed by its kind (objects are JSON strings, because Pulumi's project
config types are string, integer, boolean and array), and checked with the component's
own rules. Errors name the config key (``prefect-ecs:workerMemory``). A key of the
project's namespace that is no argument (a typo such as ``workerCPU``) is refused with a
suggestion, where Pulumi itself would ignore it.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pulumi
from pulumi.runtime import config as runtime_config

from .args import ARGS, Arg, Kind, arg_to_config_key, config_key_to_arg
from .settings import check_now
from .validation import PrefectEcsConfigError, Problem, unknown_key_problem
from .worker_args import PrefectEcsWorkerArgs

__all__ = ["CONFIG_KEYS", "arg_to_config_key", "config_key_to_arg", "load_worker_args"]

#: Config key -> kind name ("secret" for secret keys); derived from the argument table.
CONFIG_KEYS: dict[str, str] = {
    a.config_key: "secret" if a.secret else a.kind.config_type for a in ARGS
}


def _json(raw: str, expected: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(f"expected {expected}, got {raw!r}") from None


def parse_config_value(arg: Arg, raw: str) -> Any:
    """The value of ``arg`` from its raw config string; ValueError naming what was expected."""
    kind = arg.kind
    if kind is Kind.STRING:
        return raw
    if kind is Kind.INTEGER:
        value = _json(raw, "an integer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {raw!r}")
        return value
    if kind is Kind.BOOLEAN:
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise ValueError(f"expected true or false, got {raw!r}")
    expected = "a JSON array" if kind is Kind.STRING_LIST else "a JSON object"
    value = _json(raw, expected)
    if not isinstance(value, list if kind is Kind.STRING_LIST else dict):
        raise ValueError(f"expected {expected}, got {raw!r}")
    return value


def _namespace_keys(namespace: str) -> list[str]:
    """Keys of ``namespace`` set in the stack's config (``ns:key``, any ``ns:key:path``)."""
    prefix = f"{namespace}:"
    # The language host hands config over either set in the SDK or as PULUMI_CONFIG.
    every = {*runtime_config.CONFIG.get(), *runtime_config.get_config_env()}
    return sorted({k[len(prefix) :].split(":", 1)[0] for k in every if k.startswith(prefix)})


def load_worker_args(config: pulumi.Config | None = None) -> PrefectEcsWorkerArgs:
    """Read the stack config into component args; raise naming config keys on bad input."""
    config = config or pulumi.Config()
    ns = config.name
    args: dict[str, Any] = {}
    problems: list[Problem] = []
    declared = {a.config_key for a in ARGS}
    for key in _namespace_keys(ns):
        if key not in declared:
            k, msg = unknown_key_problem(key, sorted(declared), config=True)
            problems.append((f"{ns}:{k}", msg))
    for arg in ARGS:
        key = arg.config_key
        if arg.secret:
            secret = config.get_secret(key)
            if secret is not None:
                args[arg.name] = secret
            continue
        raw = config.get(key)
        if raw is None or raw == "":
            continue
        try:
            args[arg.name] = parse_config_value(arg, raw)
        except ValueError as exc:
            problems.append((f"{ns}:{key}", str(exc)))
    if not problems:
        problems = check_now(args, label=lambda field: f"{ns}:{arg_to_config_key(field)}")
    if problems:
        raise PrefectEcsConfigError(problems)
    return cast(PrefectEcsWorkerArgs, args)
