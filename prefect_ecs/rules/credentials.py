"""The credential arguments' values, with :func:`prefect_ecs.credentials.credential_problem`:
the work pool provider's ``check`` uses the same function, so the two agree.

Credentials from stack config are Outputs in the component (secret config); the stack's
loader checks their plain values first (:func:`prefect_ecs.stack_config.load_worker_args`)
and the component when they resolve. No message contains the value.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..credentials import CredentialKind, credential_problem
from ..validation import Problem, Rule, RuleInput
from ._registry import RULES

__all__ = ["CREDENTIAL_KINDS"]

#: The credential arguments and what each is.
CREDENTIAL_KINDS: dict[str, CredentialKind] = {
    "prefect_api_key": "api_key",
    "prefect_auth_string": "auth_string",
}


def _credential_rule(field: str, kind: CredentialKind) -> None:
    def credential_value(v: RuleInput) -> Iterator[Problem]:
        value = v[field]
        if not isinstance(value, str):
            return  # absent, or the kind check says why
        if msg := credential_problem(kind, value):
            yield (field, msg)

    RULES.append(Rule(f"credential_{field}", (field,), credential_value))


for _field, _kind in CREDENTIAL_KINDS.items():
    _credential_rule(_field, _kind)
