"""Generate what derives from the argument table (``prefect_ecs/args.py``).

``python -m prefect_ecs_tooling.generate`` (``make generate``) rewrites:

- the fields of ``PrefectEcsWorkerArgs`` in ``prefect_ecs/worker_args.py`` (between its
  markers), one per argument with its type and a docstring that states the default;
- the ``config:`` block of ``Pulumi.yaml`` (type, default, secret, description per key);
- the stack config table of ``README.md`` (between its ``generated`` markers);
- ``prefect_ecs/documents/prefect_aws_ecs_template.json``: prefect-aws's ECS base job
  template, from the installed prefect-aws (pinned in the dev dependencies to the version
  the default worker image runs).

``--check`` writes nothing and exits 1 naming every stale file (a test runs it).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from prefect_ecs.args import ARGS, Arg, Kind, config_words

ROOT = Path(__file__).resolve().parent.parent
ARGS_MODULE = ROOT / "prefect_ecs" / "worker_args.py"
PULUMI_YAML = ROOT / "Pulumi.yaml"
README = ROOT / "README.md"
TEMPLATE = ROOT / "prefect_ecs" / "documents" / "prefect_aws_ecs_template.json"

TD_BEGIN = "# BEGIN generated from prefect_ecs/args.py by `make generate`: do not edit"
TD_END = "# END generated"
YAML_BEGIN = "# BEGIN generated from prefect_ecs/args.py by `make generate`: do not edit"
YAML_END = "# END generated"
README_BEGIN = "<!-- BEGIN generated from prefect_ecs/args.py by `make generate` -->"
README_END = "<!-- END generated -->"


# --------------------------------------------------------------------------- TypedDict
def _annotation(arg: Arg) -> str:
    value = "bool" if arg.structural else f"pulumi.Input[{arg.kind.python_type}]"
    return value if arg.required else f"NotRequired[{value}]"


def _docstring(arg: Arg, indent: str) -> list[str]:
    lines = textwrap.wrap(arg.docstring(), width=88 - len(indent) - 3, break_on_hyphens=False)
    if len(lines) == 1 and len(lines[0]) + len(indent) + 6 <= 96:
        return [f'{indent}"""{lines[0]}"""']
    out = [f'{indent}"""{lines[0]}']
    out += [f"{indent}{line}" for line in lines[1:]]
    out[-1] += '"""'
    return out


def typed_dict_fields() -> str:
    """The fields of ``PrefectEcsWorkerArgs`` (between the markers of ``worker_args.py``)."""
    body = [TD_BEGIN]
    for arg in ARGS:
        body.append(f"    {arg.name}: {_annotation(arg)}")
        body.extend(_docstring(arg, "    "))
    body.append(f"    {TD_END}")
    return "\n".join(body)


# --------------------------------------------------------------------------- Pulumi.yaml
def _yaml_scalar(value: object) -> str:
    # JSON is valid YAML and quotes every string unambiguously.
    return json.dumps(value)


def yaml_config_block() -> str:
    """The generated ``config:`` entries of Pulumi.yaml (between the markers)."""
    lines = [YAML_BEGIN]
    for arg in ARGS:
        lines.append(f"  {arg.config_key}:")
        lines.append(f"    type: {arg.kind.config_type}")
        if arg.kind is Kind.STRING_LIST:
            lines += ["    items:", "      type: string"]
        if arg.secret:
            lines.append("    secret: true")
        if arg.default is not None and not arg.secret:
            default = arg.default
            if arg.kind in (Kind.STRING_MAP, Kind.JSON_OBJECT):
                default = json.dumps(default)
            lines.append(f"    default: {_yaml_scalar(default)}")
        description = arg.config_description()
        if arg.required:
            description += " Required."
        elif arg.default_doc is not None:
            description += f" Default: {arg.default_doc}."
        lines.append(f"    description: {_yaml_scalar(description)}")
    lines.append(f"  {YAML_END}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- README
def _default_cell(arg: Arg) -> str:
    if arg.required:
        return "required"
    if arg.default_doc is not None:
        return arg.default_doc
    if arg.kind in (Kind.STRING_MAP, Kind.JSON_OBJECT):
        return f"`{json.dumps(arg.default)}`"
    if isinstance(arg.default, bool):
        return f"`{str(arg.default).lower()}`"
    return f"`{arg.default}`"


def readme_table() -> str:
    """The README's stack config table (between the markers)."""
    rows = [README_BEGIN, "| key | default | meaning |", "|---|---|---|"]
    for arg in ARGS:
        meaning = config_words(arg.doc, quote="`").replace("|", "\\|")
        if arg.secret:
            meaning = f"secret; {meaning}"
        if arg.kind in (Kind.STRING_MAP, Kind.JSON_OBJECT):
            meaning += " (a JSON object)"
        rows.append(f"| `{arg.config_key}` | {_default_cell(arg)} | {meaning} |")
    rows.append(README_END)
    return "\n".join(rows)


# --------------------------------------------------------------------------- template
def template_snapshot() -> str:
    """The shipped copy of prefect-aws's ECS template, from the installed prefect-aws."""
    from importlib.metadata import version

    from prefect_aws.workers.ecs_worker import ECSWorker

    snapshot = {
        "prefect_aws_version": version("prefect-aws"),
        "template": ECSWorker.get_default_base_job_template(),
    }
    return json.dumps(snapshot, indent=1, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- files
def _between(text: str, begin: str, end: str, new: str, path: Path) -> str:
    try:
        start = text.index(begin)
        stop = text.index(end, start) + len(end)
    except ValueError:
        raise SystemExit(f"{path}: the markers {begin!r} ... {end!r} are missing") from None
    return text[:start] + new + text[stop:]


def rendered() -> dict[Path, str]:
    """Every generated file with its expected content."""
    return {
        ARGS_MODULE: _between(
            ARGS_MODULE.read_text(), TD_BEGIN, TD_END, typed_dict_fields(), ARGS_MODULE
        ),
        PULUMI_YAML: _between(
            PULUMI_YAML.read_text(), YAML_BEGIN, YAML_END, yaml_config_block(), PULUMI_YAML
        ),
        README: _between(README.read_text(), README_BEGIN, README_END, readme_table(), README),
        TEMPLATE: template_snapshot(),
    }


def stale() -> list[Path]:
    """The generated files whose content differs from what the table gives."""
    return [p for p, text in rendered().items() if not p.exists() or p.read_text() != text]


def main(argv: list[str] | None = None, write: Callable[[Path, str], object] | None = None) -> int:
    """Write (or with ``--check`` only compare) the generated files."""
    parser = argparse.ArgumentParser(prog="python -m prefect_ecs_tooling.generate")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    outdated = stale()
    if args.check:
        for path in outdated:
            print(f"stale: {path.relative_to(ROOT)} (run `make generate`)", file=sys.stderr)
        return 1 if outdated else 0
    for path, text in rendered().items():
        if path in outdated:
            (write or Path.write_text)(path, text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
