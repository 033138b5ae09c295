"""What every resource-type module implements, and the helpers they share.

A :class:`ResourceType` answers, for one Pulumi type token, the questions the tooling
asks: what the offline plan fabricates (``fake``), how the emulator creates, deletes and
finds it (``create``, ``delete``, ``exists``), and what the plan shows (``details``). A
:class:`DataSource` does the same for one data source (``fake`` and ``emulate``).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource, redact_secrets

__all__ = [
    "MOTO_ACCOUNT_ID",
    "Created",
    "DataSource",
    "Emulator",
    "FakeContext",
    "ResourceType",
    "UnmodeledError",
    "physical_name",
    "plan_inputs",
    "secret_or",
    "short",
    "stable_hex",
    "tag_list",
]

#: The account moto answers for (its default).
MOTO_ACCOUNT_ID = "123456789012"


class UnmodeledError(LookupError):
    """A resource type or data source the tooling does not model (or a call it models
    only in part, such as ``getVpc`` without ``id`` or ``default``)."""


class FakeContext(Protocol):
    """What the offline plan's fabrications may depend on (``FakeAws``)."""

    @property
    def region(self) -> str: ...

    @property
    def account_id(self) -> str: ...


class Emulator(Protocol):
    """What the emulator hooks may use (``MotoAws``)."""

    @property
    def region(self) -> str: ...

    @property
    def account_id(self) -> str: ...

    #: The outputs of every work pool the emulator run created (the rehearsal reads them).
    work_pools: list[dict[str, Any]]

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` bound to the emulator."""
        ...


@dataclass
class Created:
    """One thing the emulator created (for reports and teardown)."""

    type: str
    name: str
    id: str
    props: dict[str, Any] = field(default_factory=dict, repr=False)
    outs: dict[str, Any] = field(default_factory=dict, repr=False)


class ResourceType(ABC):
    """Everything the tooling knows about one resource type (see the package docstring)."""

    #: The Pulumi type token, e.g. ``aws:ecs/cluster:Cluster``.
    token: ClassVar[str]

    @abstractmethod
    def fake(self, res: RecordedResource, ctx: FakeContext) -> tuple[str, dict[str, Any]]:
        """The id and outputs AWS would return, fabricated deterministically (offline plan)."""

    @abstractmethod
    def create(self, res: RecordedResource, emulator: Emulator) -> tuple[str, dict[str, Any]]:
        """Create ``res`` in the emulator; the id and outputs the provider would return."""

    @abstractmethod
    def delete(self, item: Created, emulator: Emulator) -> None:
        """Delete what ``create`` made, the way the provider does."""

    @abstractmethod
    def exists(self, item: Created, emulator: Emulator) -> bool:
        """Whether ``item`` still exists, asked from the emulator's side. A botocore
        ``ClientError`` (NoSuchEntity, ResourceNotFound...) counts as gone."""

    def details(self, res: RecordedResource) -> list[str]:
        """The settings a reviewer should see in the plan, one per line (secrets redacted).

        Default: every input, sorted by name."""
        p = plan_inputs(res)
        return [f"{k}: {short(v)}" for k, v in sorted(p.items()) if not k.startswith("__")]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.token}>"


class DataSource(ABC):
    """One data source (an invoke such as ``aws:ec2/getVpc:getVpc``)."""

    token: ClassVar[str]

    @abstractmethod
    def fake(self, args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        """What the offline plan answers (deterministic, no network)."""

    @abstractmethod
    def emulate(self, args: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
        """What the emulator answers, from its state."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.token}>"


# ---------------------------------------------------------------------------- naming
def stable_hex(seed: str, n: int) -> str:
    """``n`` hex digits derived from ``seed``: the same every run."""
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def physical_name(res: RecordedResource, max_len: int = 64) -> str:
    """The AWS name Pulumi would give ``res``: its ``name``, ``namePrefix`` + a suffix,
    or the logical name + 7 characters (auto-naming), stable per URN."""
    props = res.props
    if props.get("name"):
        return str(props["name"])
    if props.get("namePrefix"):
        return f"{props['namePrefix']}{stable_hex(res.urn, 26)}"[:max_len]
    return f"{res.name}-{stable_hex(res.urn, 7)}"


def tag_list(tags: dict[str, Any] | None, key: str = "Key", value: str = "Value") -> list:
    """Pulumi's ``tags`` map as AWS's list of ``{Key, Value}`` (or ``{key, value}``)."""
    return [{key: k, value: str(v)} for k, v in sorted((tags or {}).items())]


# ---------------------------------------------------------------------------- plan text
def plan_inputs(res: RecordedResource) -> dict[str, Any]:
    """``res``'s inputs as the plan shows them: secrets redacted, whole floats as ints."""
    value: dict[str, Any] = whole_floats_to_ints(redact_secrets(res.inputs))
    return value


def short(value: Any) -> str:
    """A value on one line: strings as they are, anything else as sorted JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(whole_floats_to_ints(value), sort_keys=True)


def secret_or(value: Any) -> str:
    """``[secret]`` for a redacted value, else :func:`short`."""
    return "[secret]" if value == "[secret]" else short(value)
