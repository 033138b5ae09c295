"""The offline plan: what ``pulumi up`` would create, without AWS or the Pulumi CLI.

Runs the real stack program under Pulumi mocks with :class:`FakeAws` answering,
then renders the recorded resources as a tree with their key settings, secrets
shown as ``[secret]`` and IAM statements in readable form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect_ecs.documents.cost import render_estimate
from prefect_ecs.stack_config import CONFIG_KEYS
from prefect_ecs.validation import is_prefect_cloud

from .aws_types import resource_type, short
from .config_files import load_stack
from .fake_aws import FakeAws
from .runner import (
    RecordedResource,
    StackConfig,
    StackRun,
    redact_secrets,
    run_program,
)

PLACEHOLDER_SECRET = "offline-plan-placeholder"
#: The stack output the plan's cost lines come from.
COST_OUTPUT = "monthlyCostEstimate"
#: An auth string's placeholder: it must have the form the credential rule asks for.
PLACEHOLDER_AUTH_STRING = "offline-plan:placeholder"


@dataclass
class Plan:
    """A run of the stack under the fake AWS, plus what the plan had to assume."""

    run: StackRun
    config: StackConfig
    assumptions: list[str] = field(default_factory=list)


def placeholder_secrets(config: StackConfig) -> tuple[dict[str, str], list[str]]:
    """Secret config the plan can't have offline, replaced by placeholders (and why)."""
    ns = config.project
    overrides: dict[str, str] = {}
    notes: list[str] = []
    for key in config.encrypted_keys:
        auth = key == f"{ns}:prefectAuthString"
        overrides[key] = PLACEHOLDER_AUTH_STRING if auth else PLACEHOLDER_SECRET
        notes.append(f"{key} is encrypted in the stack file; planned with a placeholder")
    creds = [f"{ns}:{k}" for k in ("prefectApiKey", "prefectAuthString", "prefectApiSecretArn")]
    url = config.values.get(f"{ns}:prefectApiUrl", "")
    if not any(k in config.values for k in creds) and url and is_prefect_cloud(url):
        overrides[f"{ns}:prefectApiKey"] = PLACEHOLDER_SECRET
        notes.append(
            f"{ns}:prefectApiKey is not set; planned with a placeholder. Before `pulumi up`: "
            "pulumi config set --secret prefectApiKey <your Prefect Cloud API key>"
        )
    return overrides, notes


def make_plan(project_dir: Path, stack: str) -> Plan:
    """Run the stack program offline and return what it would create."""
    config, _ = load_stack(project_dir, stack)
    secrets, notes = placeholder_secrets(config)
    fake = FakeAws(region=config.values.get("aws:region", "us-east-1"))
    run = run_program(
        project_dir / "__main__.py",
        config,
        fake.register,
        fake.invoke,
        secret_overrides=secrets,
    )
    return Plan(run=run, config=config, assumptions=notes)


# ---------------------------------------------------------------------------- rendering
def resource_details(res: RecordedResource) -> list[str]:
    """The settings of ``res`` a reviewer should see, one per line (secrets redacted);
    what each type shows is its module's ``details`` in :mod:`.aws_types`."""
    return resource_type(res.type, res.name).details(res)


def render_plan(plan: Plan) -> str:
    """Human-readable plan: config, resource tree, outputs, cost, warnings."""
    run = plan.run
    lines = [
        f"Offline plan of stack '{run.stack}' (project {run.project}): what `pulumi up` would create.",
        "No AWS account or Pulumi CLI was used; ids and ARNs below are placeholders.",
        "",
        "Config:",
    ]
    ns = run.project
    for key in CONFIG_KEYS:
        full = f"{ns}:{key}"
        if full in run.config:
            secret = CONFIG_KEYS[key] == "secret"
            lines.append(f"  {key} = {'[secret]' if secret else run.config[full]}")
    for note in plan.assumptions:
        lines.append(f"  note: {note}")
    lines.append("")

    children: dict[str | None, list[RecordedResource]] = {}
    urns = {r.urn for r in run.resources}
    for res in run.resources:
        parent = res.parent if res.parent in urns else None
        children.setdefault(parent, []).append(res)

    def walk(parent: str | None, depth: int) -> None:
        for res in children.get(parent, []):
            pad = "  " * depth
            lines.append(f"{pad}+ {res.type}  {res.name}")
            if res.custom:
                lines.extend(f"{pad}      {d}" for d in resource_details(res))
            walk(res.urn, depth + 1)

    lines.append("Resources:")
    walk(None, 1)
    created = sum(1 for r in run.resources if r.custom)
    lines += ["", "Outputs:"]
    for key, value in run.outputs.items():
        shown = "[secret]" if key in run.secret_outputs else short(value)
        if key == COST_OUTPUT and isinstance(value, dict) and "monthlyTotal" in value:
            shown = f"${value['monthlyTotal']:.2f}/month and hourly rates (below)"
        lines.append(f"  {key}: {shown}")
    lines += ["", f"{created} resources to create ({len(run.resources) - created} components)."]
    lines.extend(_cost_lines(run))
    for warning in run.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def _cost_lines(run: StackRun) -> list[str]:
    """The stack's ``monthlyCostEstimate`` output, rendered (the component computes it
    from the same settings; a program that does not export it gets no cost line)."""
    out = run.outputs.get(COST_OUTPUT)
    if not isinstance(out, dict) or "monthlyTotal" not in out:
        return []
    return render_estimate(out)


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as data (secrets redacted)."""
    return {
        "stack": plan.run.stack,
        "project": plan.run.project,
        "assumptions": plan.assumptions,
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "urn": r.urn,
                "parent": r.parent,
                "inputs": redact_secrets(r.inputs),
            }
            for r in plan.run.resources
        ],
        "outputs": {
            k: ("[secret]" if k in plan.run.secret_outputs else v)
            for k, v in plan.run.outputs.items()
        },
        "warnings": plan.run.warnings,
    }
