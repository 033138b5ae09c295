"""The named rules over the component's arguments (see :mod:`prefect_ecs.validation`).

Each rule reads the values of its ``fields`` and yields ``(field, message)`` problems that
name the fix. A rule with no fields looks only at which arguments were given, which is
always known. To add one: a function decorated with ``@rule(<fields>)`` in the module of
its concern here; importing this package imports every module, which registers them.
"""

from __future__ import annotations

from . import (  # noqa: F401  (register their rules)
    aws_ids,
    capacity,
    cost,
    credentials,
    ec2_capacity,
    environment,
    general,
    pool,
    scaling,
    tags,
    urls,
)
from ._registry import RULES, rule

__all__ = ["RULES", "rule"]
