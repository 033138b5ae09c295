"""``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` read the way the Pulumi CLI reads them.

A file the CLI would refuse (a YAML syntax error, a top level or a ``config`` that is not
a mapping) raises :class:`StackConfigError` with a one-line message naming the file, the
line and the column (``Pulumi.dev.yaml:3:14: mapping values are not allowed here``); the
commands print it as ``error: ...`` and exit 2.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["StackConfig", "StackConfigError", "load_stack_config", "read_yaml_mapping"]


class StackConfigError(ValueError):
    """The project or stack file is missing or malformed."""


@dataclass
class StackConfig:
    """Config as the Pulumi CLI would hand it to the program."""

    project: str
    stack: str
    values: dict[str, str]
    secret_keys: list[str]
    encrypted_keys: list[str]
    """Keys whose value is encrypted in the stack file and unavailable offline."""
    schema: dict[str, Any]


def _kind(value: Any) -> str:
    """How YAML would call ``value``'s type."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _where(path: Path, text: str, key: str | None = None) -> str:
    """``file:line:column`` of the document (or of top-level ``key``'s value)."""
    node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    if key is not None and isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                node = v
                break
    mark = node.start_mark
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def read_yaml_mapping(path: Path, mapping_keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """The YAML mapping in ``path`` (empty for an empty file); :class:`StackConfigError`
    with ``file:line:column: problem`` for a syntax error, a top level that is not a
    mapping, or one of ``mapping_keys`` whose value is set but not a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StackConfigError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise StackConfigError(f"{where}: {problem}") from None
    except yaml.YAMLError as exc:  # e.g. a character YAML does not allow
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StackConfigError(f"{path}: {first}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise StackConfigError(
            f"{_where(path, text)}: the top level must be a mapping (key: value), not {_kind(doc)}"
        )
    for key in mapping_keys:
        value = doc.get(key)
        if value is not None and not isinstance(value, dict):
            raise StackConfigError(
                f"{_where(path, text, key)}: '{key}' must be a mapping (key: value), "
                f"not {_kind(value)}"
            )
    return doc


def _config_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def load_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` and apply project defaults."""
    project_file = project_dir / "Pulumi.yaml"
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not project_file.exists():
        raise StackConfigError(f"{project_file} not found")
    if not stack_file.exists():
        stacks = sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")
        )
        raise StackConfigError(
            f"no stack file {stack_file.name}; stacks here: {', '.join(stacks) or 'none'}"
        )
    project = read_yaml_mapping(project_file, ("config",))
    name = project.get("name")
    if not name:
        raise StackConfigError(f"{project_file} has no project name")
    schema = project.get("config") or {}
    raw = read_yaml_mapping(stack_file, ("config",)).get("config") or {}

    values: dict[str, str] = {}
    secret_keys: list[str] = []
    encrypted: list[str] = []

    def qualified(key: str) -> str:
        return key if ":" in key else f"{name}:{key}"

    for key, decl in schema.items():
        full = qualified(key)
        if isinstance(decl, dict) and decl.get("secret"):
            secret_keys.append(full)
        if isinstance(decl, dict) and "default" in decl:
            values[full] = _config_string(decl["default"])
        elif isinstance(decl, dict) and "value" in decl:
            values[full] = _config_string(decl["value"])
        elif not isinstance(decl, dict):
            values[full] = _config_string(decl)
    for key, value in raw.items():
        full = qualified(key)
        if isinstance(value, dict) and set(value) == {"secure"}:
            encrypted.append(full)
            secret_keys.append(full)
            values[full] = "[encrypted in stack file]"
            continue
        values[full] = _config_string(value)
    return StackConfig(
        project=name,
        stack=stack,
        values=values,
        secret_keys=sorted(set(secret_keys)),
        encrypted_keys=encrypted,
        schema=schema,
    )


#: Where the example stacks live (one per documented setup), relative to the project.
EXAMPLES = Path("examples") / "stacks"


def stack_file(project_dir: Path, stack: str) -> Path:
    """The stack file ``stack`` names: a path to a ``Pulumi.<name>.yaml``, or a name
    looked up at the project root (as the Pulumi CLI does), then in ``examples/stacks/``."""
    given = Path(stack)
    if given.suffix in (".yaml", ".yml") or given.parent != Path("."):
        path = given if given.is_absolute() else Path.cwd() / given
        if not path.is_file():
            raise StackConfigError(f"no stack file {stack}")
        if not path.name.startswith("Pulumi.") or path.name.count(".") < 2:
            raise StackConfigError(f"{stack}: a stack file is named Pulumi.<stack>.yaml")
        return path.resolve()
    for folder in (project_dir, project_dir / EXAMPLES):
        path = folder / f"Pulumi.{stack}.yaml"
        if path.is_file():
            return path
    # The loader's own message (it lists the stacks at the root).
    load_stack_config(project_dir, stack)
    raise StackConfigError(f"no stack file Pulumi.{stack}.yaml")  # pragma: no cover


def load_stack(project_dir: Path, stack: str) -> tuple[StackConfig, Path]:
    """The stack's config as the Pulumi CLI would hand it to the program, and its file.

    A stack file outside the project root (an example) is read with the project's
    ``Pulumi.yaml`` as if it were at the root; a problem in it names the real file."""
    path = stack_file(project_dir, stack)
    name = path.name[len("Pulumi.") : -len(path.suffix)]
    if path.parent == project_dir.resolve():
        return load_stack_config(project_dir, name), path
    tmp = Path(tempfile.mkdtemp(prefix="prefect-ecs-stack-"))
    try:
        shutil.copy(project_dir / "Pulumi.yaml", tmp / "Pulumi.yaml")
        shutil.copy(path, tmp / f"Pulumi.{name}.yaml")
        try:
            return load_stack_config(tmp, name), path
        except StackConfigError as exc:
            raise StackConfigError(str(exc).replace(str(tmp / path.name), str(path))) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
