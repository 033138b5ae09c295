"""``WorkPool``: a Prefect work pool as a Pulumi dynamic resource.

Type token ``pulumi-python:dynamic/prefect:WorkPool``. Importing this module creates
nothing; only constructing ``WorkPool`` registers a resource.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pulumi
from pulumi.dynamic import Resource

from .fields import COMPUTED_OUTPUTS, INPUT_DEFAULTS, INPUT_KEYS, SECRET_INPUTS
from .provider import WorkPoolProvider

__all__ = ["SECRET_INPUTS", "WorkPool", "WorkPoolArgs", "WorkQueueArgs", "default_owner"]


class WorkQueueArgs(TypedDict, total=False):
    """A work queue in the pool. ``priority`` 1 is the highest; None lets the server pick."""

    name: pulumi.Input[str]
    priority: pulumi.Input[int | None]
    concurrency_limit: pulumi.Input[int | None]


class WorkPoolArgs(TypedDict, total=False):
    """Inputs of ``WorkPool``. ``api_url`` and ``name`` are required.

    ``api_key`` (Prefect Cloud, Bearer) and ``auth_string`` (self-hosted ``user:pass``,
    HTTP Basic) are optional, mutually exclusive and always secret. Changing ``name``,
    ``type`` or ``api_url`` replaces the pool (delete first). ``queues`` is None to leave
    queues alone; a list makes Pulumi manage exactly the listed queues (the server's
    ``default`` queue is never deleted). ``adopt_existing`` takes over a pool of the same
    name instead of failing on create. ``owner`` marks the pool as this resource's on the
    server (the end of its description); it defaults to
    ``<organization>/<project>/<stack>/<resource name>``, so a create that failed after
    the server acted takes its own pool back on the next run (``""``: no marker).
    """

    api_url: pulumi.Input[str]
    api_key: pulumi.Input[str | None]
    auth_string: pulumi.Input[str | None]
    name: pulumi.Input[str]
    type: pulumi.Input[str]
    description: pulumi.Input[str | None]
    base_job_template: pulumi.Input[dict[str, Any] | None]
    concurrency_limit: pulumi.Input[int | None]
    paused: pulumi.Input[bool]
    queues: pulumi.Input[list[WorkQueueArgs] | None]
    owner: pulumi.Input[str]
    adopt_existing: pulumi.Input[bool]


def default_owner(resource_name: str) -> str:
    """``<organization>/<project>/<stack>/<resource name>``: this resource, in any backend.

    (Without the organization where the engine gives none, as under mocks.)
    """
    parts = [pulumi.get_organization(), pulumi.get_project(), pulumi.get_stack(), resource_name]
    return "/".join(p for p in parts if p)


class WorkPool(Resource, module="prefect", name="WorkPool"):
    """A Prefect work pool managed through the Prefect REST API."""

    api_url: pulumi.Output[str]
    api_key: pulumi.Output[str | None]
    """Secret."""
    auth_string: pulumi.Output[str | None]
    """Secret."""
    name: pulumi.Output[str]
    type: pulumi.Output[str]
    description: pulumi.Output[str | None]
    base_job_template: pulumi.Output[dict[str, Any]]
    concurrency_limit: pulumi.Output[int | None]
    paused: pulumi.Output[bool]
    queues: pulumi.Output[list[dict[str, Any]] | None]
    owner: pulumi.Output[str | None]
    """The owner marker the server's description carries (None: none)."""
    adopt_existing: pulumi.Output[bool]
    pool_id: pulumi.Output[str]
    status: pulumi.Output[str | None]
    default_queue_id: pulumi.Output[str | None]
    created: pulumi.Output[str | None]
    updated: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        args: WorkPoolArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        unknown = sorted(set(args) - set(WorkPoolArgs.__annotations__))
        if unknown:
            raise TypeError(
                f"WorkPool {resource_name!r}: unknown input(s) {', '.join(unknown)}; valid "
                f"inputs are {', '.join(sorted(WorkPoolArgs.__annotations__))}"
            )
        props: dict[str, Any] = dict(INPUT_DEFAULTS)
        props["owner"] = default_owner(resource_name)
        props.update({k: v for k, v in dict(args).items() if v is not None})
        for key in SECRET_INPUTS:
            props[key] = pulumi.Output.secret(props[key]) if props.get(key) is not None else None
        for key in INPUT_KEYS:
            props.setdefault(key, None)
        for key in COMPUTED_OUTPUTS:
            props[key] = None
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET_INPUTS))
        opts = pulumi.ResourceOptions.merge(secret_opts, opts)
        super().__init__(WorkPoolProvider(), resource_name, props, opts)
