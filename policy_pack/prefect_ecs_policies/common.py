"""Helpers shared by the policies: safe prop access, JSON parsing, container definitions.

Props handed to a policy by the SDK are read-only proxies (``Mapping``/``Sequence``, not
``dict``/``list``) that raise ``UnknownValueError`` when an unknown (preview) value is read.
The helpers keep that behaviour, so the SDK reports "can't run policy during preview"
instead of a crash or a false verdict. They also accept plain dicts (direct ``validate``
calls in tests) where secrets may still be wrapped in the engine's secret envelope.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema
from pulumi_policy.proxy import UnknownValueError, _is_unknown
from pulumi_policy.secret import Secret

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

Report = Callable[..., None]
"""The SDK's report_violation(message, urn=None); its alias types ``urn`` as required."""

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
WORK_POOL = "pulumi-python:dynamic/prefect:WorkPool"
ECR_REPOSITORY = "aws:ecr/repository:Repository"


def _unwrap(value: Any, path: list[str]) -> Any:
    """Unwrap one value: secret envelopes/``Secret`` objects, unknown sentinels raise."""
    while True:
        if isinstance(value, Secret):
            value = value.value
        elif isinstance(value, Mapping):
            if SIG_KEY in value and value[SIG_KEY] == SECRET_SIG and "value" in value:
                value = value["value"]
            else:
                break
        else:
            break
    if _is_unknown(value):
        raise UnknownValueError(value, path)
    return value


def get(props: Any, key: str, default: Any = None) -> Any:
    """Read ``props[key]`` (None-safe, secret-unwrapping); unknown values raise."""
    if not isinstance(props, Mapping):
        return default
    if key not in props:
        return default
    value = _unwrap(props[key], [key])
    return default if value is None else value


def plain(value: Any, path: list[str] | None = None) -> Any:
    """Deep-copy a (proxied) value into plain dicts/lists; unknown values raise."""
    path = path or []
    value = _unwrap(value, path)
    if isinstance(value, Mapping):
        return {str(k): plain(value[k], [*path, str(k)]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [plain(value[i], [*path, str(i)]) for i in range(len(value))]
    return value


def parse_json(value: Any) -> Any:
    """Return a document given as a JSON string or as a (proxied) structure; None if invalid."""
    value = plain(value)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def as_list(value: Any) -> list[Any]:
    """A str/scalar becomes a one-item list; None an empty one."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [value[i] for i in range(len(value))]  # SDK list proxy
    return [value]


def str_list(value: Any) -> list[str]:
    """Config helper: a list of strings (a single string is accepted)."""
    return [str(v) for v in as_list(value) if v is not None]


def glob_match(text: str, patterns: Iterable[str]) -> str | None:
    """First case-insensitive glob in ``patterns`` matching ``text``, else None."""
    lowered = text.lower()
    for pattern in patterns:
        if fnmatch.fnmatchcase(lowered, pattern.lower()):
            return pattern
    return None


def config_value(args: Any, key: str, default: Any) -> Any:
    """Config value with the schema default applied (the CLI does it, the SDK does not)."""
    config = args.get_config() or {}
    value = config.get(key)
    return default if value is None else value


def schema(properties: dict[str, dict[str, Any]]) -> PolicyConfigSchema:
    """Build a config schema (each property should carry its ``default``)."""
    return PolicyConfigSchema(properties=properties)


def string_list(default: list[str], description: str) -> dict[str, Any]:
    """Config schema property: a list of strings with its default."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": default,
        "description": description,
    }


def container_definitions(props: Any) -> list[dict[str, Any]] | None:
    """Container definitions of a task definition (JSON string), None if unparseable."""
    raw = get(props, "containerDefinitions")
    if raw is None:
        return []
    doc = parse_json(raw)
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        return None
    return [c for c in doc if isinstance(c, dict)]


def container_label(container: dict[str, Any], index: int) -> str:
    """Human name of a container for messages."""
    return f"container '{container.get('name') or f'#{index}'}'"


def env_pairs(container: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) pairs of a container definition's ``environment``."""
    pairs = []
    for item in as_list(container.get("environment")):
        if isinstance(item, dict) and item.get("name"):
            pairs.append((str(item["name"]), item.get("value")))
    return pairs
