"""Stack config (``Pulumi.<stack>.yaml``) -> :class:`~prefect_ecs.PrefectEcsWorkerArgs`.

Every argument is read from the config key the argument table gives it (``worker_cpu``
<- ``workerCpu``), parsed by its kind (objects are JSON strings, because Pulumi's project
config types are string, integer, boolean and array), and checked with the component's
own rules. Errors name the config key (``prefect-ecs:workerMemory``). A key of the
project's namespace that is no argument (a typo such as ``workerCPU``) is refused with a
suggestion, where Pulumi itself would ignore it.

Secret config reaches the component as Outputs (so it stays secret); the rules over it
run here on the plain values first, so a bad credential is refused before anything is
registered, naming the key and never the value. The arguments returned carry the
config-key labels (:class:`~prefect_ecs.settings.LabelledArgs`), so what the component
reports later (a warning) names the config key too.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pulumi
from pulumi.runtime import config as runtime_config

from .args import ARGS, Arg, Kind, arg_to_config_key, config_key_to_arg
from .settings import LabelledArgs, check_now, stack_region
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
    plain: dict[str, Any] = {}  # the same, with secrets' plain values: for the rules only
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
                plain[arg.name] = config.get(key)
            continue
        raw = config.get(key)
        if raw is None or raw == "":
            continue
        try:
            value = parse_config_value(arg, raw)
        except ValueError as exc:
            problems.append((f"{ns}:{key}", str(exc)))
            continue
        default = arg.default_value()
        if type(value) is type(default) and value == default:
            # The CLI fills Pulumi.yaml's defaults in, so a default is indistinguishable
            # from a set value here: count it as not given (else flowImageKeepCount's
            # default refuses every stack without flowImageRepository).
            continue
        args[arg.name] = plain[arg.name] = value

    def label(field: str) -> str:
        return f"{ns}:{arg_to_config_key(field)}"

    if not problems:
        problems = check_now(plain, label=label, region=stack_region())
    if problems:
        raise PrefectEcsConfigError(problems)
    return cast(PrefectEcsWorkerArgs, LabelledArgs(args, label))
