"""IAM least-privilege policies for the worker and flow-run roles.

Policy documents are read from every place Pulumi AWS accepts one: ``Role.inlinePolicies``
(list of ``{name, policy}``), ``Policy.policy``, ``RolePolicy.policy`` (plus user/group
inline policies). Documents may be JSON strings or structures; ``Action``/``Resource`` may
be a string or a list. ``NotAction``/``NotResource`` are treated conservatively: an
``Allow`` with ``NotAction`` grants every action it does not exclude, and ``NotResource``
counts as "all resources".
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import (
    MANDATORY,
    Report,
    as_list,
    config_value,
    get,
    parse_json,
    schema,
    str_list,
    string_list,
)

ROLE = "aws:iam/role:Role"
DOCUMENT_PROPS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}

_BROAD_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::[^:]*:(role/)?\*$", re.IGNORECASE)


@dataclass
class Statement:
    """One ``Allow`` statement, normalised."""

    where: str
    actions: list[str]
    not_actions: list[str] | None
    resources: list[str]
    not_resources: bool
    condition_keys: set[str]

    def allows(self, action: str) -> bool:
        """Whether this statement grants ``action`` (IAM wildcards, case-insensitive)."""
        target = action.lower()
        if self.not_actions is not None:
            return not any(fnmatch.fnmatchcase(target, p.lower()) for p in self.not_actions)
        return any(fnmatch.fnmatchcase(target, p.lower()) for p in self.actions)

    @property
    def on_everything(self) -> bool:
        """Resource ``*`` (or ``NotResource``, conservatively)."""
        return self.not_resources or "*" in self.resources

    def has_condition(self, key: str) -> bool:
        """Whether any condition operator tests ``key``."""
        return key.lower() in self.condition_keys


def _documents(args: ResourceValidationArgs) -> Iterator[tuple[str, Any]]:
    """(label, raw document) for every policy document the resource carries."""
    if args.resource_type == ROLE:
        for i, item in enumerate(as_list(get(args.props, "inlinePolicies"))):
            label = f"inline policy '{get(item, 'name') or i}'"
            yield label, get(item, "policy")
    prop = DOCUMENT_PROPS.get(args.resource_type)
    if prop:
        yield "policy document", get(args.props, prop)


def allow_statements(args: ResourceValidationArgs) -> Iterator[Statement]:
    """Every ``Allow`` statement of every document on the resource."""
    for label, raw in _documents(args):
        if raw is None:
            continue
        doc = parse_json(raw)
        if not isinstance(doc, dict):
            continue
        for i, st in enumerate(as_list(doc.get("Statement"))):
            if not isinstance(st, dict) or str(st.get("Effect", "")).lower() != "allow":
                continue
            conditions = st.get("Condition") or {}
            keys = {
                str(k).lower()
                for block in conditions.values()
                if isinstance(block, dict)
                for k in block
            }
            yield Statement(
                where=f"{label} statement {st.get('Sid') or i}",
                actions=str_list(st.get("Action")),
                not_actions=str_list(st["NotAction"]) if "NotAction" in st else None,
                resources=str_list(st.get("Resource")),
                not_resources="NotResource" in st,
                condition_keys=keys,
            )


def _validate_passrole(args: ResourceValidationArgs, report: Report) -> None:
    for st in allow_statements(args):
        if not st.allows("iam:PassRole"):
            continue
        broad = [r for r in st.resources if r == "*" or _BROAD_ROLE_ARN.match(r)]
        if st.not_resources or broad:
            report(f"{st.where} allows iam:PassRole on every role; name the role ARNs.")
        if not st.has_condition("iam:PassedToService"):
            report(
                f"{st.where} allows iam:PassRole without an iam:PassedToService condition "
                "(use ecs-tasks.amazonaws.com)."
            )


iam_passrole_scoped = ResourceValidationPolicy(
    name="iam-passrole-scoped",
    description=(
        "iam:PassRole must name the roles (not '*') and carry an iam:PassedToService condition."
    ),
    enforcement_level=MANDATORY,
    validate=_validate_passrole,
)


def _validate_wildcards(args: ResourceValidationArgs, report: Report) -> None:
    services = [s.lower() for s in str_list(config_value(args, "services", ["ecs", "iam"]))]
    for st in allow_statements(args):
        if st.not_actions is not None:
            if st.on_everything:
                report(f"{st.where} uses Allow + NotAction on all resources (grants nearly all).")
            continue
        for action in st.actions:
            if action == "*" or action == "*:*":
                report(f"{st.where} allows every action ('{action}').")
                continue
            service, _, name = action.lower().partition(":")
            if name == "*" and service in services and st.on_everything:
                report(f"{st.where} allows service-wide '{action}' on all resources.")


iam_no_wildcard_actions = ResourceValidationPolicy(
    name="iam-no-wildcard-actions",
    description=(
        "IAM statements must not allow '*' actions, or service-wide actions (ecs:*, iam:*) on '*'."
    ),
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "services": string_list(
                ["ecs", "iam"], "Services whose '<service>:*' is forbidden on Resource '*'."
            )
        }
    ),
    validate=_validate_wildcards,
)


def _validate_runtask(args: ResourceValidationArgs, report: Report) -> None:
    for st in allow_statements(args):
        if st.allows("ecs:RunTask") and not st.has_condition("ecs:cluster"):
            report(f"{st.where} allows ecs:RunTask without an ecs:cluster condition.")


iam_runtask_cluster_condition = ResourceValidationPolicy(
    name="iam-runtask-cluster-condition",
    description="ecs:RunTask may only be allowed with an ecs:cluster condition.",
    enforcement_level=MANDATORY,
    validate=_validate_runtask,
)


def _validate_documents(args: ResourceValidationArgs, report: Report) -> None:
    for label, raw in _documents(args):
        if raw is None:
            continue
        doc = parse_json(raw)
        if not isinstance(doc, dict):
            report(f"{label} is not a valid JSON policy document (AWS would reject it).")
        elif not isinstance(doc.get("Statement"), (dict, list)):
            report(f"{label} has no Statement.")


iam_valid_policy_document = ResourceValidationPolicy(
    name="iam-valid-policy-document",
    description="IAM policy documents must be valid JSON with a Statement (caught at preview).",
    enforcement_level=MANDATORY,
    validate=_validate_documents,
)

POLICIES = [
    iam_valid_policy_document,
    iam_passrole_scoped,
    iam_no_wildcard_actions,
    iam_runtask_cluster_condition,
]
