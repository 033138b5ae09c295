"""Offline validation of work pool inputs: the rules the Prefect server enforces.

Every function is pure (no network) and returns ``None`` / an empty list when the
value is valid. Values still unknown at preview (the engine's sentinel string
``UNKNOWN``) are treated as valid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse, urlsplit

from ..credentials import credential_problem, url_without_userinfo

__all__ = [
    "UNKNOWN",
    "contains_unknown",
    "display_url",
    "is_unknown",
    "normalize_api_url",
    "template_placeholders",
    "validate_api_url",
    "validate_auth",
    "validate_base_job_template",
    "validate_concurrency_limit",
    "validate_credentials",
    "validate_inputs",
    "validate_owner",
    "validate_pool_name",
    "validate_queues",
]

#: What the Pulumi engine sends for a value not known yet (preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

#: Pool names starting with this (any case) are reserved by the server (403).
RESERVED_PREFIX = "prefect"


def is_unknown(value: Any) -> bool:
    """True if ``value`` is not known yet (preview).

    On the wire the engine sends the string ``UNKNOWN``; the dynamic provider host
    (``python -m pulumi.dynamic``) deserializes it with ``keep_unknowns`` into
    ``pulumi.output.Unknown`` instances before calling check/diff. Both count.
    """
    from pulumi.output import Unknown

    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def contains_unknown(value: Any) -> bool:
    """True if ``value`` or anything nested in it is unknown."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(k) or contains_unknown(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False


def validate_pool_name(name: Any) -> str | None:
    """Return why the server would reject ``name`` as a work pool name, or None."""
    if is_unknown(name):
        return None
    if not isinstance(name, str):
        return f"name must be a string, got {type(name).__name__}"
    if not name.strip("' \""):
        return "name must not be blank"
    # Imported here: importing prefect costs about a second, and the plan of a
    # stack only needs it when a pool is checked.
    from prefect.types.names import BANNED_CHARACTERS

    banned = [c for c in BANNED_CHARACTERS if c in name]
    if banned:
        return (
            f"name {name!r} contains {' '.join(banned)}; the Prefect server rejects "
            f"the characters {' '.join(BANNED_CHARACTERS)} in work pool names"
        )
    if name.lower().startswith(RESERVED_PREFIX):
        return (
            f"name {name!r} starts with {name[: len(RESERVED_PREFIX)]!r}: work pool names "
            "starting with 'prefect' (any case) are reserved by the Prefect server"
        )
    return None


def template_placeholders(template: Any) -> set[str]:
    """Names of the ``{{ placeholder }}`` references in a job configuration.

    Uses Prefect's own ``find_placeholders`` over the JSON text, as the server does.
    """
    from prefect.utilities.templating import find_placeholders

    return {p.name for p in find_placeholders(json.dumps(template))}


def validate_base_job_template(template: Any) -> list[str]:
    """Reasons the server would reject ``template`` (empty list when valid).

    An empty dict is allowed (the server stores it as is). Otherwise both
    ``job_configuration`` and ``variables`` are required and every placeholder used in
    ``job_configuration`` must be declared in ``variables.properties``.
    """
    if template is None or is_unknown(template):
        return []
    if not isinstance(template, Mapping):
        return [f"base_job_template must be an object, got {type(template).__name__}"]
    if not template:
        return []
    errors: list[str] = []
    job_config = template.get("job_configuration")
    variables = template.get("variables")
    missing = [k for k in ("job_configuration", "variables") if not template.get(k)]
    if missing:
        return [
            "base_job_template must contain non-empty 'job_configuration' and "
            f"'variables'; missing: {', '.join(missing)}"
        ]
    if contains_unknown(job_config) or contains_unknown(variables):
        return []
    if not isinstance(job_config, Mapping):
        errors.append("base_job_template.job_configuration must be an object")
    if not isinstance(variables, Mapping):
        errors.append("base_job_template.variables must be an object")
    if errors:
        return errors
    assert isinstance(job_config, Mapping) and isinstance(variables, Mapping)
    properties = variables.get("properties", {})
    if not isinstance(properties, Mapping):
        return ["base_job_template.variables.properties must be an object"]
    used: set[str] = set()
    for value in job_config.values():
        used |= template_placeholders(value)
    undeclared = sorted(used - set(properties))
    if undeclared:
        errors.append(
            "base_job_template.job_configuration uses placeholders not declared in "
            f"variables.properties: {', '.join(undeclared)}"
        )
    return errors


def validate_concurrency_limit(value: Any) -> str | None:
    """``None`` or an integer >= 0."""
    if value is None or is_unknown(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        return f"concurrency_limit must be an integer, got {value!r}"
    if value < 0:
        return f"concurrency_limit must be >= 0, got {value}"
    return None


_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Host names that mean the same server as another (``localhost`` is the loopback).
_SAME_HOST = {"localhost": "127.0.0.1"}


def normalize_api_url(url: str) -> str:
    """``url`` in one canonical form, so cosmetic differences are no change.

    Scheme and host lowercased, ``localhost`` as ``127.0.0.1``, the scheme's default port
    (80, 443) left out, trailing ``/`` removed, user info and fragment dropped (a
    credential is not part of the server's address). A URL that can't be parsed is
    returned as it is.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    host = _SAME_HOST.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}{query}"


def display_url(url: Any) -> str:
    """``url`` for a message: without user info (a password would leak)."""
    if not isinstance(url, str):
        return "(not known yet)" if is_unknown(url) else repr(url)
    return url_without_userinfo(url)


def validate_api_url(url: Any) -> str | None:
    """An absolute http(s) URL with a host and no user info."""
    if is_unknown(url):
        return None
    if not isinstance(url, str) or not url:
        return "api_url is required (e.g. http://127.0.0.1:4200/api)"
    try:
        parsed = urlparse(url)
    except ValueError:
        return "api_url is not a valid URL"
    if "@" in parsed.netloc:
        return (
            "api_url must not contain a user name or password (user:password@host); put "
            "the credential in auth_string (self-hosted) or api_key (Prefect Cloud)"
        )
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f"api_url must be an http:// or https:// URL, got {url!r}"
    return None


def validate_credentials(api_key: Any, auth_string: Any) -> list[tuple[str, str]]:
    """(property, reason) for a credential HTTP headers can't carry; never its value.

    None means no credential. An auth string without ':' is left to
    :func:`validate_auth`, which says so in its own words.
    """
    failures: list[tuple[str, str]] = []
    for kind, value in (("api_key", api_key), ("auth_string", auth_string)):
        if value is None or is_unknown(value):
            continue
        if kind == "auth_string" and isinstance(value, str) and value and ":" not in value:
            continue
        if (problem := credential_problem(kind, value)) is not None:  # type: ignore[arg-type]
            failures.append((kind, f"{kind} {problem}"))
    return failures


#: Longest owner marker accepted (``<org>/<project>/<stack>/<resource name>``).
MAX_OWNER_LENGTH = 400


def validate_owner(owner: Any) -> str | None:
    """A one-line string (or empty: no marker) that fits the pool's description marker."""
    if owner is None or is_unknown(owner):
        return None
    if not isinstance(owner, str):
        return "owner must be a string"
    if any(c in owner for c in "[]") or any(ord(c) < 32 or ord(c) == 127 for c in owner):
        return "owner must be one line without '[' or ']'"
    if len(owner) > MAX_OWNER_LENGTH:
        return f"owner must be at most {MAX_OWNER_LENGTH} characters"
    return None


def validate_auth(api_key: Any, auth_string: Any) -> str | None:
    """At most one of api_key (Cloud) and auth_string (self-hosted ``user:pass``)."""
    if is_unknown(api_key) or is_unknown(auth_string):
        return None
    if api_key and auth_string:
        return (
            "set at most one of api_key (Prefect Cloud) and auth_string "
            "(self-hosted server basic auth)"
        )
    if auth_string and not is_unknown(auth_string) and ":" not in str(auth_string):
        return "auth_string must have the form user:password"
    return None


def validate_queues(queues: Any) -> list[tuple[str, str]]:
    """(property, reason) pairs for a list of {name, priority, concurrency_limit}."""
    if queues is None or is_unknown(queues):
        return []
    if not isinstance(queues, list | tuple):
        return [("queues", "queues must be a list")]
    failures: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, queue in enumerate(queues):
        prop = f"queues[{i}]"
        if is_unknown(queue):
            continue
        if not isinstance(queue, Mapping):
            failures.append((prop, "each queue must be an object with a name"))
            continue
        extra = sorted(set(queue) - {"name", "priority", "concurrency_limit"})
        if extra:
            failures.append((prop, f"unknown queue field(s): {', '.join(extra)}"))
        name = queue.get("name")
        if not is_unknown(name):
            if not isinstance(name, str) or not name.strip():
                failures.append((f"{prop}.name", "queue name must be a non-empty string"))
            elif name in seen:
                failures.append((f"{prop}.name", f"duplicate queue name {name!r}"))
            else:
                seen.add(name)
        priority = queue.get("priority")
        if priority is not None and not is_unknown(priority):
            if isinstance(priority, bool) or not isinstance(priority, int | float):
                failures.append((f"{prop}.priority", "priority must be an integer >= 1"))
            elif int(priority) != priority or priority < 1:
                failures.append((f"{prop}.priority", f"priority must be >= 1, got {priority}"))
        reason = validate_concurrency_limit(queue.get("concurrency_limit"))
        if reason:
            failures.append((f"{prop}.concurrency_limit", reason))
    return failures


def validate_inputs(news: Mapping[str, Any]) -> list[tuple[str, str]]:
    """All (property, reason) failures for a set of WorkPool inputs."""
    failures: list[tuple[str, str]] = []
    if (reason := validate_pool_name(news.get("name"))) is not None:
        failures.append(("name", reason))
    pool_type = news.get("type")
    if (
        pool_type is not None
        and not is_unknown(pool_type)
        and (not isinstance(pool_type, str) or not pool_type.strip())
    ):
        failures.append(("type", "type must be a non-empty string"))
    if (reason := validate_api_url(news.get("api_url"))) is not None:
        failures.append(("api_url", reason))
    if (reason := validate_auth(news.get("api_key"), news.get("auth_string"))) is not None:
        failures.append(("auth_string" if news.get("auth_string") else "api_key", reason))
    failures.extend(validate_credentials(news.get("api_key"), news.get("auth_string")))
    if (reason := validate_owner(news.get("owner"))) is not None:
        failures.append(("owner", reason))
    failures.extend(
        ("base_job_template", r) for r in validate_base_job_template(news.get("base_job_template"))
    )
    if (reason := validate_concurrency_limit(news.get("concurrency_limit"))) is not None:
        failures.append(("concurrency_limit", reason))
    for key in ("paused", "adopt_existing"):
        value = news.get(key)
        if value is not None and not is_unknown(value) and not isinstance(value, bool):
            failures.append((key, f"{key} must be a boolean, got {value!r}"))
    description = news.get("description")
    if description is not None and not is_unknown(description) and not isinstance(description, str):
        failures.append(("description", "description must be a string"))
    failures.extend(validate_queues(news.get("queues")))
    return failures
