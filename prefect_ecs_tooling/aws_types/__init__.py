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

from ._base import MOTO_ACCOUNT_ID as MOTO_ACCOUNT_ID
from ._base import Created as Created
from ._base import DataSource as DataSource
from ._base import Emulator as Emulator
from ._base import FakeContext as FakeContext
from ._base import ResourceType as ResourceType
from ._base import UnmodeledError as UnmodeledError
from ._base import physical_name as physical_name
from ._base import plan_inputs as plan_inputs
from ._base import secret_or as secret_or
from ._base import short as short
from ._base import stable_hex as stable_hex
from ._base import tag_list as tag_list
from .invokes import DATA_SOURCES

__all__ = ["DATA_SOURCES", "RESOURCE_TYPES", "data_source", "discover", "resource_type"]

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
