"""Arguments -> :class:`Settings`: refused keys, defaults, every rule, before any resource.

:func:`resolve_settings` is the one entry for bad input. It refuses unknown keys (with a
suggestion) and structural switches that are not plain ``bool``; applies the defaults
from the argument table; runs every rule whose values are known now and raises one
:class:`~prefect_ecs.validation.PrefectEcsConfigError` listing every problem; and, for a
rule that reads an Output, gates the Output values it reads on that rule, so they fail
with the same message when they resolve, before any resource that uses them is created.

Warnings (a rule's :class:`~prefect_ecs.validation.ConfigWarning`) don't stop anything:
each is logged once with ``pulumi.log.warn`` as ``<field>: <message>``, when its rule
runs (at once, or when the Outputs it reads resolve), and kept in
:attr:`Settings.warnings`.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from .args import ARGS, ARGS_BY_NAME, Arg
from .documents.ec2_capacity import provider_name_problem
from .rules import RULES
from .validation import (
    ConfigWarning,
    PrefectEcsConfigError,
    Problem,
    Rule,
    RuleInput,
    component_name_problem,
    kind_problem,
    unknown_key_problem,
)

__all__ = [
    "Label",
    "LabelledArgs",
    "Settings",
    "check_now",
    "findings_now",
    "is_known",
    "resolve_settings",
    "stack_region",
]

#: Turns an argument name into what the user wrote (the name, or a stack config key).
Label = Callable[[str], str]


def _plain(field: str) -> str:
    return field


def is_known(value: Any) -> bool:
    """True when ``value`` holds no Output or awaitable at any depth."""
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return False
    if isinstance(value, Mapping):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_known(v) for v in value)
    return True


def _absent(arg: Arg, value: Any) -> bool:
    # An optional string given as "" counts as not given (as in stack config); not a
    # credential: an empty one is refused (its rule says so) rather than silently dropped.
    return value is None or (value == "" and not arg.required and not arg.secret)


class LabelledArgs(dict[str, Any]):
    """Arguments that carry how to name their fields in messages (stack config keys:
    :func:`prefect_ecs.stack_config.load_worker_args`), so that problems found by the
    component later (an Output that resolves, a warning) name what the user wrote."""

    def __init__(self, values: Mapping[str, Any], label: Label):
        super().__init__(values)
        self.label = label


def stack_region(opts: pulumi.ResourceOptions | None = None) -> str | None:
    """The region the component's AWS resources go to, when it can be known now.

    That is the default AWS provider's: the ``aws:region`` stack config, else
    ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` (what ``pulumi_aws.config.region`` reads).
    None when ``opts`` (or its parent) names an explicit AWS provider, whose region is
    one of its inputs and may differ: the rules that compare ARNs with the stack's
    region then skip that comparison.
    """
    if opts is not None:
        providers = opts.providers
        named = providers.values() if isinstance(providers, Mapping) else providers or []
        if opts.provider is not None or any(getattr(p, "package", None) == "aws" for p in named):
            return None
        parent_providers = getattr(opts.parent, "_providers", None) or {}
        if "aws" in parent_providers:
            return None
    region = pulumi.Config("aws").get("region")
    return region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


#: Put in front of a default pool name that would start with ``prefect``, a prefix the
#: Prefect server reserves (the stack program's component is named ``prefect``).
RESERVED_POOL_PREFIX_FIX = "ecs-"


def default_work_pool_name(component_name: str) -> str:
    """The pool name a component gets when none is given: its own name, made safe, with
    ``ecs-`` in front when it would start with the reserved ``prefect``."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", component_name)
    if safe.lower().startswith("prefect"):
        safe = RESERVED_POOL_PREFIX_FIX + safe
    return safe


@dataclass
class Settings:
    """The component's validated arguments with defaults applied.

    ``values[name]`` is a plain value where it was known, else an Output gated on the
    rules that read it. ``given(name)`` says whether the user set it.
    """

    name: str
    values: dict[str, Any]
    _given: set[str] = field(default_factory=set)
    warnings: list[ConfigWarning] = field(default_factory=list)
    """The warnings of the rules that ran at once (each also logged)."""
    label: Label = _plain
    """How messages name an argument (its stack config key for a stack program)."""

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def given(self, key: str) -> bool:
        """Whether the argument was set (not defaulted)."""
        return key in self._given

    def known(self, key: str) -> bool:
        """Whether the value is a plain value now (no Output anywhere in it)."""
        return is_known(self.values[key])


def _structural_problems(args: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for arg in ARGS:
        value = args.get(arg.name)
        if not arg.structural or value is None or isinstance(value, bool):
            continue
        what = "an Output" if not is_known(value) else repr(value)
        problems.append(
            (
                arg.name,
                f"must be a plain True or False: it decides which resources exist, so it "
                f"can't be a string or wait for an Output; got {what}",
            )
        )
    return problems


def _run(
    rule: Rule,
    values: Mapping[str, Any],
    given: set[str],
    label: Label,
    region: str | None = None,
) -> list[Problem]:
    """The rule's problems, fields labelled; warnings stay :class:`ConfigWarning`."""
    view = RuleInput({f: values.get(f) for f in rule.fields}, given.__contains__, label, region)
    return [
        ConfigWarning(label(p[0]), p[1]) if isinstance(p, ConfigWarning) else (label(p[0]), p[1])
        for p in rule.check(view)
    ]


def _split(found: list[Problem]) -> tuple[list[Problem], list[ConfigWarning]]:
    """Errors and warnings of ``found``, each in order."""
    warnings = [p for p in found if isinstance(p, ConfigWarning)]
    return [p for p in found if not isinstance(p, ConfigWarning)], warnings


def _warn(warnings: list[ConfigWarning]) -> None:
    for w in warnings:
        pulumi.log.warn(f"{w.field}: {w.message}")


def _kind_rules() -> list[Rule]:
    def check_for(arg: Arg) -> Callable[[RuleInput], list[Problem]]:
        def check(v: RuleInput) -> list[Problem]:
            value = v[arg.name]
            if value is None:
                return []
            msg = kind_problem(arg, value)
            return [(arg.name, msg)] if msg else []

        return check

    return [Rule(f"kind_{a.name}", (a.name,), check_for(a)) for a in ARGS if not a.structural]


KIND_RULES = _kind_rules()


def _collect(
    name: str | None, args: Mapping[str, Any], label: Label
) -> tuple[dict[str, Any], set[str], list[Problem]]:
    """Values with defaults, the given names, and the problems that need no value."""
    if not isinstance(args, Mapping):
        raise PrefectEcsConfigError(
            [("args", f"must be a mapping of argument name to value, got {type(args).__name__}")]
        )
    problems: list[Problem] = []
    for key in args:
        if key not in ARGS_BY_NAME:
            problems.append(unknown_key_problem(str(key), ARGS_BY_NAME))
    problems += [(label(f), msg) for f, msg in _structural_problems(args)]
    if name is not None and (name_msg := component_name_problem(name)):
        problems.append(("name", name_msg))
    values: dict[str, Any] = {}
    given: set[str] = set()
    for arg in ARGS:
        value = args.get(arg.name)
        if _absent(arg, value):
            values[arg.name] = arg.default_value()
        else:
            values[arg.name] = value
            given.add(arg.name)
    if values["work_pool_name"] is None and name is not None:
        values["work_pool_name"] = default_work_pool_name(name)
    # The EC2 capacity provider is named after the component; AWS reserves some prefixes.
    ec2 = name is not None and values["flow_run_ec2_capacity"] is True
    if ec2 and name is not None and (provider_msg := provider_name_problem(name)):
        problems.append(("name", provider_msg))
    return values, given, problems


def findings_now(
    args: Mapping[str, Any],
    label: Label = _plain,
    name: str | None = None,
    region: str | None = None,
) -> tuple[list[Problem], list[ConfigWarning]]:
    """Every error and every warning that can be found now (rules over Outputs skipped)."""
    values, given, problems = _collect(name, args, label)
    for rule in [*KIND_RULES, *RULES]:
        if all(is_known(values.get(f)) for f in rule.fields):
            problems += _run(rule, values, given, label, region)
    return _split(problems)


def check_now(
    args: Mapping[str, Any],
    label: Label = _plain,
    name: str | None = None,
    region: str | None = None,
) -> list[Problem]:
    """Every error that can be found now (rules over Outputs are skipped; warnings are
    left to the component, which reports them once)."""
    return findings_now(args, label, name, region)[0]


def _gate(
    rule: Rule, values: Mapping[str, Any], given: set[str], label: Label, region: str | None
) -> pulumi.Output:
    """An Output that resolves to None once ``rule`` passes on the resolved values
    (its warnings logged)."""
    fields = rule.fields

    def run(resolved: list[Any]) -> None:
        found = _run(rule, dict(zip(fields, resolved, strict=True)), given, label, region)
        problems, warnings = _split(found)
        if problems:
            raise PrefectEcsConfigError(problems)
        _warn(warnings)

    gate = pulumi.Output.all(*[values.get(f) for f in fields]).apply(run)
    # The gate carries no value: it must not make the values it gates secret.
    return pulumi.Output.unsecret(gate)


def resolve_settings(
    name: str,
    args: Mapping[str, Any],
    label: Label | None = None,
    *,
    region: str | None = None,
) -> Settings:
    """Validate ``args`` for a component named ``name``; raise listing every problem.

    ``label`` defaults to the one :class:`LabelledArgs` carry, else the argument names;
    ``region`` is the stack's (:func:`stack_region`), None to skip region checks.
    """
    if label is None:
        label = args.label if isinstance(args, LabelledArgs) else _plain
    values, given, problems = _collect(name, args, label)
    gates: dict[str, list[pulumi.Output]] = {}
    for rule in [*KIND_RULES, *RULES]:
        pending = [f for f in rule.fields if not is_known(values.get(f))]
        if not pending:
            problems += _run(rule, values, given, label, region)
            continue
        gate = _gate(rule, values, given, label, region)
        for f in pending:
            gates.setdefault(f, []).append(gate)
    problems, warnings = _split(problems)
    if problems:
        raise PrefectEcsConfigError(problems)
    _warn(warnings)
    for f, field_gates in gates.items():
        values[f] = pulumi.Output.all(values[f], *field_gates).apply(lambda xs: xs[0])
    return Settings(name=name, values=values, _given=given, warnings=warnings, label=label)
