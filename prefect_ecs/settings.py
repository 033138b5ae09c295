"""Arguments -> :class:`Settings`: refused keys, defaults, every rule, before any resource.

:func:`resolve_settings` is the one entry for bad input. It refuses unknown keys (with a
suggestion) and structural switches that are not plain ``bool``; applies the defaults
from the argument table; runs every rule whose values are known now and raises one
:class:`~prefect_ecs.validation.PrefectEcsConfigError` listing every problem; and, for a
rule that reads an Output, gates the Output values it reads on that rule, so they fail
with the same message when they resolve, before any resource that uses them is created.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from .args import ARGS, ARGS_BY_NAME, Arg
from .rules import RULES
from .validation import (
    PrefectEcsConfigError,
    Problem,
    Rule,
    RuleInput,
    component_name_problem,
    kind_problem,
    unknown_key_problem,
)

__all__ = ["Label", "Settings", "check_now", "is_known", "resolve_settings"]

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
    # An optional string given as "" counts as not given (as in stack config).
    return value is None or (value == "" and not arg.required)


def default_work_pool_name(component_name: str) -> str:
    """The pool name a component gets when none is given: its own name, made safe."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", component_name)


@dataclass
class Settings:
    """The component's validated arguments with defaults applied.

    ``values[name]`` is a plain value where it was known, else an Output gated on the
    rules that read it. ``given(name)`` says whether the user set it.
    """

    name: str
    values: dict[str, Any]
    _given: set[str] = field(default_factory=set)

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


def _run(rule: Rule, values: Mapping[str, Any], given: set[str], label: Label) -> list[Problem]:
    view = RuleInput({f: values.get(f) for f in rule.fields}, given.__contains__, label)
    return [(label(f), msg) for f, msg in rule.check(view)]


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
    return values, given, problems


def check_now(
    args: Mapping[str, Any], label: Label = _plain, name: str | None = None
) -> list[Problem]:
    """Every problem that can be found now (rules over Outputs are skipped)."""
    values, given, problems = _collect(name, args, label)
    for rule in [*KIND_RULES, *RULES]:
        if all(is_known(values.get(f)) for f in rule.fields):
            problems += _run(rule, values, given, label)
    return problems


def _gate(rule: Rule, values: Mapping[str, Any], given: set[str], label: Label) -> pulumi.Output:
    """An Output that resolves to None once ``rule`` passes on the resolved values."""
    fields = rule.fields

    def run(resolved: list[Any]) -> None:
        problems = _run(rule, dict(zip(fields, resolved, strict=True)), given, label)
        if problems:
            raise PrefectEcsConfigError(problems)

    gate = pulumi.Output.all(*[values.get(f) for f in fields]).apply(run)
    # The gate carries no value: it must not make the values it gates secret.
    return pulumi.Output.unsecret(gate)


def resolve_settings(name: str, args: Mapping[str, Any], label: Label = _plain) -> Settings:
    """Validate ``args`` for a component named ``name``; raise listing every problem."""
    values, given, problems = _collect(name, args, label)
    gates: dict[str, list[pulumi.Output]] = {}
    for rule in [*KIND_RULES, *RULES]:
        pending = [f for f in rule.fields if not is_known(values.get(f))]
        if not pending:
            problems += _run(rule, values, given, label)
            continue
        gate = _gate(rule, values, given, label)
        for f in pending:
            gates.setdefault(f, []).append(gate)
    if problems:
        raise PrefectEcsConfigError(problems)
    for f, field_gates in gates.items():
        values[f] = pulumi.Output.all(values[f], *field_gates).apply(lambda xs: xs[0])
    return Settings(name=name, values=values, _given=given)
