"""The registry every rule module adds to: :data:`RULES` and the ``@rule`` decorator."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..validation import Problem, Rule, RuleInput

__all__ = ["RULES", "rule"]

RULES: list[Rule] = []


def rule(*fields: str) -> Callable[[Callable[[RuleInput], Iterator[Problem]]], Rule]:
    """Register the decorated generator as a rule over ``fields``."""

    def register(check: Callable[[RuleInput], Iterator[Problem]]) -> Rule:
        new = Rule(check.__name__, fields, check)
        RULES.append(new)
        return new

    return register
