"""Enforce the policy pack on every stack offline: ``python -m prefect_ecs_tooling policy``.

Each stack runs under the offline plan (mocks + fake AWS); its recorded resources go
through the pack's analyzer, which drives pulumi-policy's own analyzer servicer the
way ``pulumi preview --policy-pack policy_pack`` does. A stack's policy config, if any,
is ``policy_pack/config/<stack>.json`` (the file the CLI takes as
``--policy-pack-config``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from .config_files import StackConfigError
from .plan import make_plan


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
    return _analyzer(project_dir).load_config(path) if path.exists() else {}


def enforce_stacks(
    project_dir: Path, stack_names: list[str] | None = None, stream: TextIO | None = None
) -> int:
    """Run the pack on each stack; 0 when no mandatory policy is violated anywhere."""
    stream = stream or sys.stdout
    analyzer = _analyzer(project_dir)
    worst = 0
    for stack in stack_names or stacks(project_dir):
        config = stack_policy_config(project_dir, stack)
        plan = make_plan(project_dir, stack)
        print(
            f"== policy pack on stack '{stack}' ({len(plan.run.resources)} resources)", file=stream
        )
        code = analyzer.enforce(plan.run.resources, config, stream=stream)
        print(f"== stack '{stack}': {'PASS' if code == 0 else 'FAIL'}", file=stream)
        worst = max(worst, code)
    return worst
