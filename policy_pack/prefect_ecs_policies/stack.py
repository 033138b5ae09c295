"""Stack policy: every worker's ``--pool`` is a WorkPool in the stack, or declared external."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from pulumi_policy import StackValidationArgs, StackValidationPolicy

from .common import (
    MANDATORY,
    TASK_DEFINITION,
    WORK_POOL,
    Report,
    as_list,
    config_value,
    container_definitions,
    env_pairs,
    get,
    schema,
    str_list,
    string_list,
)

_SHELL_SPLIT = re.compile(r"\s*(?:;|&&|\|\||&|\||\n)\s*")
_VAR = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _is_script(part: str) -> bool:
    """Whether an argv element is a shell script (``sh -c "..."``) rather than one word."""
    return bool(re.search(r"[;&|\n]", part)) or "worker start" in part


def _commands(parts: list[str]) -> Iterator[list[str]]:
    """Simple commands in ``entryPoint + command``, looking inside ``sh -c "..."`` scripts."""
    words: list[str] = []
    for part in parts:
        if _is_script(part):
            for chunk in _SHELL_SPLIT.split(part):
                if chunk.strip():
                    yield from _commands(_words(chunk))
        else:
            words.append(part)
    if words:
        yield words


def worker_pools(parts: list[str], env: dict[str, str]) -> list[str | None]:
    """Pool names of every ``prefect worker start`` in a container's argv (None: no --pool)."""
    pools: list[str | None] = []
    for words in _commands(parts):
        for i in range(len(words) - 2):
            if words[i].endswith("prefect") and words[i + 1 : i + 3] == ["worker", "start"]:
                pools.append(_pool_arg(words[i + 3 :], env))
    return pools


def _pool_arg(words: list[str], env: dict[str, str]) -> str | None:
    for j, word in enumerate(words):
        value = None
        if word in ("--pool", "-p") and j + 1 < len(words):
            value = words[j + 1]
        elif word.startswith("--pool="):
            value = word.split("=", 1)[1]
        elif word.startswith("-p") and len(word) > 2 and not word.startswith("--"):
            value = word[2:]
        if value is not None:
            var = _VAR.match(value)
            return env.get(var.group(1), value) if var else value
    return None


def _validate_stack(args: StackValidationArgs, report: Report) -> None:
    external = set(str_list(config_value(args, "externalPools", [])))
    pools = {
        str(get(r.props, "name"))
        for r in args.resources
        if r.resource_type == WORK_POOL and get(r.props, "name")
    }
    for resource in args.resources:
        if resource.resource_type != TASK_DEFINITION:
            continue
        for container in container_definitions(resource.props) or []:
            parts = [
                str(p)
                for p in [*as_list(container.get("entryPoint")), *as_list(container.get("command"))]
            ]
            env = {k: str(v) for k, v in env_pairs(container) if v is not None}
            for pool in worker_pools(parts, env):
                if pool is None:
                    report(
                        f"'{resource.name}' starts a Prefect worker without --pool.", resource.urn
                    )
                elif pool not in pools and pool not in external:
                    report(
                        f"'{resource.name}' starts a worker for pool '{pool}', which is no "
                        "WorkPool resource in this stack; manage it here or list it in "
                        "externalPools.",
                        resource.urn,
                    )


prefect_worker_pool_exists = StackValidationPolicy(
    name="prefect-worker-pool-exists",
    description=(
        "Every Prefect worker's --pool must be a WorkPool resource in the stack, or listed in "
        "externalPools."
    ),
    enforcement_level=MANDATORY,
    config_schema=schema(
        {"externalPools": string_list([], "Work pools managed outside this stack.")}
    ),
    validate=_validate_stack,
)

POLICIES = [prefect_worker_pool_exists]
