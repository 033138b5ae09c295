"""``aws:ecr/lifecyclePolicy:LifecyclePolicy``: which images an ECR repository expires."""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


def policy_text(value: Any) -> str:
    """The policy as the JSON string ECR takes (the input is one already)."""
    if isinstance(value, str):
        return value
    return json.dumps(whole_floats_to_ints(value))


class LifecyclePolicy(base.ResourceType):
    token = "aws:ecr/lifecyclePolicy:LifecyclePolicy"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["registryId"] = ctx.account_id
        return str(res.props["repository"]), out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        got = emulator.client("ecr").put_lifecycle_policy(
            repositoryName=props["repository"], lifecyclePolicyText=policy_text(props["policy"])
        )
        out["registryId"] = got["registryId"]
        return str(got["repositoryName"]), out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("ecr").delete_lifecycle_policy(repositoryName=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        # LifecyclePolicyNotFoundException (or RepositoryNotFoundException) once gone.
        emulator.client("ecr").get_lifecycle_policy(repositoryName=item.id)
        return True

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        lines = [f"repository: {p.get('repository')}"]
        try:
            policy = json.loads(p["policy"]) if isinstance(p.get("policy"), str) else p["policy"]
            rules = sorted(policy["rules"], key=lambda r: whole_floats_to_ints(r["rulePriority"]))
            lines.extend(describe_rule(rule) for rule in rules)
        except (ValueError, TypeError, KeyError, AttributeError):
            lines.append(f"policy: {base.short(p.get('policy'))}")
        return lines


def describe_rule(rule: dict[str, Any]) -> str:
    """``rule <priority>: <selection> -> <action>`` (and the description, quoted)."""
    rule = whole_floats_to_ints(rule)
    line = (
        f"rule {rule['rulePriority']}: {describe_selection(rule.get('selection') or {})}"
        f" -> {(rule.get('action') or {}).get('type', '?')}"
    )
    if rule.get("description"):
        line += f' ("{rule["description"]}")'
    return line


def describe_selection(selection: dict[str, Any]) -> str:
    """E.g. ``untagged images pushed more than 14 days ago`` or ``tagged (prefix v, rc-)
    images beyond the newest 10``."""
    status = selection.get("tagStatus", "any")
    which = f"{status} images"
    patterns = [
        *(f"prefix {p}" for p in selection.get("tagPrefixList") or []),
        *(f"pattern {p}" for p in selection.get("tagPatternList") or []),
    ]
    if patterns:
        which = f"{status} ({', '.join(patterns)}) images"
    count, kind = selection.get("countNumber"), selection.get("countType")
    if kind == "imageCountMoreThan":
        return f"{which} beyond the newest {count}"
    if kind == "sinceImagePushed":
        return f"{which} pushed more than {count} {selection.get('countUnit', 'days')} ago"
    return f"{which} ({kind} {count})"


TYPE = LifecyclePolicy()
