"""The work pool resource's fields, declared once: how each one changes, and its default.

The provider's diff (what replaces, what updates), the inputs it normalizes, the defaults
``check`` applies, the inputs kept secret, and the outputs only the server computes are
all derived from :data:`FIELDS`. ``WorkPoolArgs`` (the TypedDict in ``resource.py``) is
checked against it by a test.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = [
    "COMPUTED_OUTPUTS",
    "FIELDS",
    "INPUT_DEFAULTS",
    "INPUT_KEYS",
    "REPLACE_KEYS",
    "SECRET_INPUTS",
    "UPDATE_KEYS",
    "Change",
    "Field",
]


class Change(enum.Enum):
    """What a new value of the field does to the pool."""

    REPLACE = "replace"
    """The API can't change it: delete the pool, create it anew."""
    UPDATE = "update"
    """PATCHed in place."""
    CREATE_ONLY = "create-only"
    """Read only when the pool is created (never a diff)."""
    COMPUTED = "computed"
    """Set by the server; an output only, never a diff."""


@dataclass(frozen=True)
class Field:
    """One field of the resource."""

    name: str
    change: Change
    doc: str
    default: Any = None
    secret: bool = False

    @property
    def is_input(self) -> bool:
        """Whether the user sets it (everything but the server-computed outputs)."""
        return self.change is not Change.COMPUTED


FIELDS: tuple[Field, ...] = (
    Field("api_url", Change.REPLACE, "The Prefect API URL: another server is another pool."),
    Field("api_key", Change.UPDATE, "Prefect Cloud API key (Bearer).", secret=True),
    Field("auth_string", Change.UPDATE, "Self-hosted basic auth ``user:pass``.", secret=True),
    Field("name", Change.REPLACE, "The pool's name (the API can't rename a pool)."),
    Field("type", Change.REPLACE, "The worker type (the API can't retype).", default="ecs"),
    Field("description", Change.UPDATE, "Shown in the Prefect UI."),
    Field("base_job_template", Change.UPDATE, "The job template; None leaves it alone."),
    Field("concurrency_limit", Change.UPDATE, "Concurrent flow runs; None for no limit."),
    Field("paused", Change.UPDATE, "Whether the pool is paused.", default=False),
    Field("queues", Change.UPDATE, "Managed work queues; None leaves queues alone."),
    Field(
        "owner",
        Change.UPDATE,
        "Who manages the pool, ``<org>/<project>/<stack>/<resource name>`` by default: kept "
        "as a marker line at the end of the pool's description on the server, so a create "
        "that finds a pool of its name with its own marker (a create whose answer was "
        "lost) takes it back instead of failing.",
    ),
    Field(
        "adopt_existing",
        Change.CREATE_ONLY,
        "Take over a pool of the same name at create instead of failing.",
        default=False,
    ),
    Field("pool_id", Change.COMPUTED, "The server's id of the pool."),
    Field("status", Change.COMPUTED, "READY, NOT_READY or PAUSED."),
    Field("default_queue_id", Change.COMPUTED, "Id of the pool's default queue."),
    Field("created", Change.COMPUTED, "When the server created the pool."),
    Field("updated", Change.COMPUTED, "When the server last changed the pool."),
)

INPUT_KEYS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.is_input)
REPLACE_KEYS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.change is Change.REPLACE)
UPDATE_KEYS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.change is Change.UPDATE)
COMPUTED_OUTPUTS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.change is Change.COMPUTED)
SECRET_INPUTS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.secret)
#: Defaults applied by ``check`` and by the resource constructor.
INPUT_DEFAULTS: dict[str, Any] = {f.name: f.default for f in FIELDS if f.default is not None}
