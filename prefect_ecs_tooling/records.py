"""What a run of a stack program records: resources, data-source calls, exports.

Plain data (no Pulumi runtime state), shared by the runner, the resource-type modules
(:mod:`prefect_ecs_tooling.aws_types`), the plan and the policy runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc

__all__ = [
    "InvokeCall",
    "InvokeHook",
    "RecordedResource",
    "ResourceHook",
    "StackRun",
    "is_secret_envelope",
    "redact_secrets",
    "unwrap_secrets",
]

#: How the Pulumi SDK marks a secret value inside property maps.
SECRET_SIG = rpc._special_sig_key
SECRET_VALUE_SIG = rpc._special_secret_sig


@dataclass
class RecordedResource:
    """One resource registration, as the engine would see it."""

    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    dependencies: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    """The ``ignore_changes`` option, as the engine gets it (camelCase property names)."""

    @property
    def props(self) -> dict[str, Any]:
        """Inputs with secret envelopes removed (plaintext: handle with care)."""
        return unwrap_secrets(self.inputs)


@dataclass
class InvokeCall:
    """One data-source call (``aws.get_caller_identity`` and friends)."""

    token: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class StackRun:
    """Everything one run of the program registered and exported."""

    project: str
    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    invokes: list[InvokeCall]
    config: dict[str, str]
    warnings: list[str]

    def by_type(self, type_token: str) -> list[RecordedResource]:
        """Resources of one type, in the order the program constructed them."""
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name_suffix: str = "") -> RecordedResource:
        """The single resource of ``type_token`` whose name ends with ``name_suffix``."""
        found = [r for r in self.by_type(type_token) if r.name.endswith(name_suffix)]
        if len(found) != 1:
            names = [r.name for r in self.by_type(type_token)]
            raise LookupError(f"expected one {type_token} ending {name_suffix!r}, found {names}")
        return found[0]


#: ``hook(resource) -> (id, outputs)``: what the "cloud" answers for one registration.
ResourceHook = Callable[[RecordedResource], tuple[str | None, dict[str, Any]]]
#: ``invoke_hook(token, args) -> result``: what a data source returns.
InvokeHook = Callable[[str, dict[str, Any]], dict[str, Any]]


def is_secret_envelope(value: Any) -> bool:
    """True for the SDK's ``{sig: secret, value: ...}`` wrapper."""
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE_SIG


def unwrap_secrets(value: Any) -> Any:
    """``value`` with every secret envelope replaced by its plaintext."""
    if is_secret_envelope(value):
        return unwrap_secrets(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def redact_secrets(value: Any, placeholder: str = "[secret]") -> Any:
    """``value`` with every secret envelope replaced by ``placeholder``."""
    if is_secret_envelope(value):
        return placeholder
    if isinstance(value, dict):
        return {k: redact_secrets(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v, placeholder) for v in value]
    return value
