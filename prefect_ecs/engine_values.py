"""Values as they cross the Pulumi engine's gRPC boundary, put back in shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def whole_floats_to_ints(value: Any) -> Any:
    """``value`` (a scalar or a JSON document) with every whole float back to an int.

    Property values travel as protobuf Structs, which carry every number as a float:
    2048 arrives as 2048.0. Sent on as is, AWS rejects it (a container memory of 2048.0,
    a task memory of "2048.0").
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: whole_floats_to_ints(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [whole_floats_to_ints(v) for v in value]
    return value
