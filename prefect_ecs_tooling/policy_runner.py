"""Enforce the policy pack on every stack offline: ``python -m prefect_ecs_tooling policy``.

Each stack runs under the offline plan (mocks + fake AWS); its recorded resources go
through the pack's analyzer, which drives pulumi-policy's own analyzer servicer the
way ``pulumi preview --policy-pack policy_pack`` does. A stack's policy config, if any,
is ``policy_pack/config/<stack>.json`` (the file the CLI takes as
``--policy-pack-config``).

Every stack is checked, whatever the others do: a stack whose file or configuration is
invalid is named (``error: <file>: <problem>`` on stderr) and the run goes on; the exit
code comes at the end (0 all pass, 1 a mandatory policy is violated, 2 a stack is
invalid). A broken ``Pulumi.yaml`` or a missing pack stops at once: every stack shares
them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from prefect_ecs.validation import PrefectEcsConfigError

from .config_files import StackConfigError, read_yaml_mapping
from .plan import make_plan
from .runner import config_error_of


def policy_pack_dir(project_dir: Path) -> Path:
    """The project's ``policy_pack`` directory."""
    return project_dir / "policy_pack"


def _analyzer(project_dir: Path) -> Any:
    if not (policy_pack_dir(project_dir) / "prefect_ecs_policies").is_dir():
        raise StackConfigError(
            f"{policy_pack_dir(project_dir)} has no policy pack (prefect_ecs_policies/); "
            "run the policy command from a checkout of the prefect-ecs repository"
        )
    pack = str(policy_pack_dir(project_dir))
    if pack not in sys.path:
        sys.path.insert(0, pack)
    from prefect_ecs_policies import analyzer

    return analyzer


def stacks(project_dir: Path) -> list[str]:
    """Every stack with a ``Pulumi.<stack>.yaml`` in the project."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def stack_policy_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """The stack's policy config (empty when it has no config file)."""
    path = policy_pack_dir(project_dir) / "config" / f"{stack}.json"
    if not path.exists():
        return {}
    try:
        config: dict[str, Any] = _analyzer(project_dir).load_config(path)
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
        raise StackConfigError(f"{path}: {exc}") from None
    if not isinstance(config, dict):
        raise StackConfigError(f"{path}: must be a JSON object, not {json.dumps(config)[:40]}")
    return config


def _stack_error(project_dir: Path, stack: str, exc: Exception) -> str | None:
    """``<file>: <problem>`` for a stack that can't be planned, or None (a bug: re-raise)."""
    found = config_error_of(exc)
    if found is None:
        return None
    if isinstance(found, PrefectEcsConfigError):
        return f"{project_dir / f'Pulumi.{stack}.yaml'}: {found}"
    return str(found)  # names its file already


def enforce_stacks(
    project_dir: Path,
    stack_names: list[str] | None = None,
    stream: TextIO | None = None,
    errors: TextIO | None = None,
) -> int:
    """Run the pack on every stack; 0 when each is valid and violates no mandatory policy
    (see the module doc). ``stream`` gets the report, ``errors`` the invalid stacks."""
    stream = stream or sys.stdout
    errors = errors or sys.stderr
    analyzer = _analyzer(project_dir)
    project_file = project_dir / "Pulumi.yaml"
    if project_file.exists():  # one broken project file: said once, not per stack
        read_yaml_mapping(project_file, ("config",))
    names = stack_names or stacks(project_dir)
    worst = 0
    invalid: list[str] = []
    for stack in names:
        try:
            config = stack_policy_config(project_dir, stack)
            plan = make_plan(project_dir, stack)
        except Exception as exc:
            message = _stack_error(project_dir, stack, exc)
            if message is None:
                raise
            print(f"error: {message}", file=errors)
            invalid.append(f"Pulumi.{stack}.yaml")
            worst = 2
            continue
        print(
            f"== policy pack on stack '{stack}' ({len(plan.run.resources)} resources)", file=stream
        )
        code = analyzer.enforce(plan.run.resources, config, stream=stream)
        print(f"== stack '{stack}': {'PASS' if code == 0 else 'FAIL'}", file=stream)
        worst = max(worst, code)
    if invalid and len(names) > 1:
        print(
            f"error: {len(invalid)} of {len(names)} stacks invalid: {', '.join(invalid)}",
            file=errors,
        )
    return worst
