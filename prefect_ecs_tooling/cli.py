"""``python -m prefect_ecs_tooling plan|policy|sandbox``: the project's offline commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prefect_ecs.validation import PrefectEcsConfigError

from .runner import config_error_of


def _project_dir(value: str) -> Path:
    path = Path(value).resolve()
    if not (path / "Pulumi.yaml").exists():
        raise argparse.ArgumentTypeError(f"{path} has no Pulumi.yaml")
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m prefect_ecs_tooling")
    sub = parser.add_subparsers(dest="command", required=True)
    plan_p = sub.add_parser("plan", help="show what `pulumi up` would create, offline")
    plan_p.add_argument(
        "--stack",
        default="dev",
        help="a stack name (Pulumi.<stack>.yaml at the project root, else in "
        "examples/stacks/) or the path of a stack file",
    )
    plan_p.add_argument("--project-dir", type=_project_dir, default=Path.cwd())
    plan_p.add_argument("--json", action="store_true", help="print the plan as JSON")
    pol_p = sub.add_parser("policy", help="enforce policy_pack on stacks, offline")
    pol_p.add_argument("--stack", action="append", help="a stack (default: every Pulumi.*.yaml)")
    pol_p.add_argument("--project-dir", type=_project_dir, default=Path.cwd())
    sb_p = sub.add_parser(
        "sandbox",
        help="rehearse a deployment into moto with a local Prefect server, then destroy it",
    )
    sb_p.add_argument(
        "--stack",
        default="dev",
        help="a stack name (Pulumi.<stack>.yaml at the project root, else in "
        "examples/stacks/) or the path of a stack file",
    )
    sb_p.add_argument("--project-dir", type=_project_dir, default=Path.cwd())
    sb_p.add_argument(
        "--quick",
        action="store_true",
        help="deploy, worker online, one flow run, destroy (no warm run, crash, failing "
        "gate or default-template comparison)",
    )
    sb_p.add_argument(
        "--keep",
        action="store_true",
        help="skip destroy; keep the Prefect server and the emulator up until Ctrl-C",
    )
    args = parser.parse_args(argv)

    try:
        if args.command == "plan":
            from .plan import make_plan, plan_json, render_plan

            plan = make_plan(args.project_dir, args.stack)
            if args.json:
                print(json.dumps(plan_json(plan), indent=2, sort_keys=True))
            else:
                print(render_plan(plan))
            return 0
        if args.command == "policy":
            from .policy_runner import enforce_stacks

            return enforce_stacks(args.project_dir, args.stack)
        if args.command == "sandbox":
            from .sandbox.rehearsal import main as sandbox_main

            return sandbox_main(args.project_dir, args.stack, keep=args.keep, quick=args.quick)
    except ModuleNotFoundError as exc:
        if exc.name not in ("moto", "boto3", "pulumi_policy", "yaml"):
            raise
        print(
            f"error: `{args.command}` needs {exc.name}: pip install -e '.[dev]' "
            "(or `make test` / `make sandbox`, which install everything)",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:
        found = config_error_of(exc)
        if found is None:
            raise
        # A rule's error names config keys; say which stack file they are in.
        named = isinstance(found, PrefectEcsConfigError) and isinstance(args.stack, str)
        where = f"{args.project_dir / f'Pulumi.{args.stack}.yaml'}: " if named else ""
        print(f"error: {where}{found}", file=sys.stderr)
        return 2
    return 1
