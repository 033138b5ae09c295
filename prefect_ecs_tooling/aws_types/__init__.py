"""Every resource type and data source the stack uses, each in one place.

One module per resource type (``cluster.py`` for ``aws:ecs/cluster:Cluster`` and so on)
defines a :class:`ResourceType` subclass and exposes an instance as ``TYPE``:

- ``token``: the Pulumi type token;
- ``fake(res, ctx) -> (id, outputs)``: what the offline plan fabricates (``FakeAws``),
  deterministic, no network;
- ``create(res, emulator) -> (id, outputs)``, ``delete(item, emulator)``,
  ``exists(item, emulator) -> bool``: how the emulator (``MotoAws``) creates the resource
  through boto3, deletes it the way the provider does, and checks it is gone;
- ``details(res) -> list[str]``: what the plan shows of it (default: every input).

The data sources (``getCallerIdentity``, ``getVpc``...) are :class:`DataSource`
subclasses in ``invokes.py``, each with ``fake(args, ctx)`` and ``emulate(args,
emulator)``.

``RESOURCE_TYPES`` (token -> type) is built from the modules of this package: **adding a
resource type means adding one module** here that defines ``TYPE`` (nothing else to
edit; modules whose names start with ``_`` are helpers). ``FakeAws``, ``MotoAws`` and the
plan dispatch through :func:`resource_type` / :func:`data_source`, which raise
:class:`UnmodeledError` naming a type or data source no module models.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from ._base import (
    MOTO_ACCOUNT_ID,
    Created,
    DataSource,
    Emulator,
    FakeContext,
    ResourceType,
    UnmodeledError,
    physical_name,
    plan_inputs,
    secret_or,
    short,
    stable_hex,
    tag_list,
)
from .invokes import DATA_SOURCES

__all__ = [
    "DATA_SOURCES",
    "MOTO_ACCOUNT_ID",
    "RESOURCE_TYPES",
    "Created",
    "DataSource",
    "Emulator",
    "FakeContext",
    "ResourceType",
    "UnmodeledError",
    "data_source",
    "discover",
    "physical_name",
    "plan_inputs",
    "resource_type",
    "secret_or",
    "short",
    "stable_hex",
    "tag_list",
]

_NOT_TYPES = {"invokes"}


def discover(package: str, path: Iterable[str]) -> dict[str, ResourceType]:
    """token -> ``TYPE`` of every resource-type module of ``package`` (found on ``path``):
    every module except helpers (``_name``) and ``invokes``."""
    found: dict[str, ResourceType] = {}
    for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in _NOT_TYPES:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        rtype = getattr(module, "TYPE", None)
        if not isinstance(rtype, ResourceType):
            raise TypeError(f"{module.__name__} must define TYPE, a ResourceType instance")
        if rtype.token in found:
            raise ValueError(f"{rtype.token} is defined twice ({module.__name__})")
        found[rtype.token] = rtype
    return found


#: Pulumi type token -> its ResourceType, one per module of this package.
RESOURCE_TYPES: dict[str, ResourceType] = discover(__name__, __path__)


def resource_type(token: str, name: str | None = None) -> ResourceType:
    """The :class:`ResourceType` for ``token``; :class:`UnmodeledError` naming it if no
    module models it (``name``, the resource's, goes into the message)."""
    try:
        return RESOURCE_TYPES[token]
    except KeyError:
        what = f"resource type {token}" + (f" ({name})" if name else "")
        raise UnmodeledError(
            f"prefect_ecs_tooling.aws_types does not model {what}: add a module for it "
            "(see the package docstring)"
        ) from None


def data_source(token: str) -> DataSource:
    """The :class:`DataSource` for ``token``; :class:`UnmodeledError` naming it if none."""
    try:
        return DATA_SOURCES[token]
    except KeyError:
        raise UnmodeledError(
            f"prefect_ecs_tooling.aws_types does not model data source {token}: add it to "
            "aws_types/invokes.py"
        ) from None
