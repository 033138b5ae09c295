"""moto as the AWS the stack deploys into, offline.

``start_moto()`` runs ``moto.server.ThreadedMotoServer`` on 127.0.0.1 (a free port) with
AWS managed policies loaded. ``MotoAws`` has the same interface as
:class:`prefect_ecs_tooling.fake_aws.FakeAws` (``register(res)`` / ``invoke(token, args)``),
but creates each resource for real in the emulator through boto3, so the emulator checks
every call (required fields, IAM policy syntax, references between resources), and a
Prefect worker can later run tasks against what the stack created. The Prefect work pool
(the dynamic resource) is created by the real provider against the URL in its inputs.

How each resource type is created, deleted and checked, and how each data source is
answered, lives in :mod:`prefect_ecs_tooling.aws_types` (one module per type). Ids and
outputs have the shape FakeAws returns (the shape the AWS provider returns); auto-names
follow the same scheme (``name``, else ``namePrefix`` + hash, else
``<resource name>-<hash>``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..aws_types import MOTO_ACCOUNT_ID, Created, UnmodeledError, data_source, resource_type
from ..local_prefect import find_free_port
from ..runner import RecordedResource

__all__ = [
    "MOTO_ACCOUNT_ID",
    "Created",
    "MotoAws",
    "MotoServer",
    "UnsupportedResourceError",
    "moto_server",
    "start_moto",
]

_FAKE_CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


#: A resource type or data source the emulator hook does not create.
UnsupportedResourceError = UnmodeledError


@dataclass
class MotoServer:
    """A running ThreadedMotoServer; ``endpoint_url`` is what boto3 and workers use."""

    endpoint_url: str
    port: int
    server: Any = field(repr=False)
    started_s: float = 0.0

    def reset(self) -> None:
        """Forget every resource (all accounts and regions)."""
        import urllib.request

        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as resp:
            resp.read()
        hold_tasks_running()

    def stop(self) -> None:
        """Stop the server thread."""
        self.server.stop()


def hold_tasks_running() -> None:
    """Keep ECS tasks RUNNING until something stops them, as a long flow run is.

    By default moto moves a task one state towards STOPPED on each DescribeTasks call
    (RUNNING, DEACTIVATING, ..., STOPPED) while its desired status stays RUNNING: the
    observer's and the drain's reads would then end tasks that nothing stopped, and a
    cluster would still list them as running. (moto's own state manager, in process.)
    """
    from moto.moto_api import state_manager

    state_manager.set_transition(
        model_name="ecs::task", transition={"progression": "manual", "times": 10**9}
    )


def start_moto(host: str = "127.0.0.1", port: int | None = None) -> MotoServer:
    """Start moto's threaded server; AWS managed policies load (AttachRolePolicy needs them).

    moto's backends are global to the process: every server started in one process
    shares one state. Call ``reset()`` for a clean account.
    """
    # Read by moto when its IAM backend is created: must be set before the first request.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import ThreadedMotoServer

    # One line per request otherwise.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    t0 = time.monotonic()
    port = port or find_free_port(host)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    hold_tasks_running()
    return MotoServer(f"http://{host}:{port}", port, server, time.monotonic() - t0)


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    """``start_moto()`` as a context manager that stops it."""
    handle = start_moto()
    try:
        yield handle
    finally:
        handle.stop()


class MotoAws:
    """Resource and invoke hooks for ``run_program`` that create everything in moto."""

    def __init__(self, endpoint_url: str, region: str = "us-east-1"):
        self.endpoint_url = endpoint_url
        self.region = region
        self.created: list[Created] = []
        self.work_pools: list[dict[str, Any]] = []
        self._clients: dict[str, Any] = {}
        #: Called after each resource is created (the rehearsal starts the worker when
        #: the service exists, as ECS would).
        self.after_create: Callable[[Created], None] | None = None
        #: What a local command of the stack gets on top of this process's environment
        #: (the command type reads it): the emulator as AWS, as a deployer's shell has its
        #: own endpoint and credentials; the rehearsal adds its Prefect home.
        self.command_environment: dict[str, str] = {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": _FAKE_CREDS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": _FAKE_CREDS["aws_secret_access_key"],
        }

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` bound to the emulator (fake credentials)."""
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(
                service, endpoint_url=self.endpoint_url, region_name=self.region, **_FAKE_CREDS
            )
        return self._clients[service]

    @property
    def account_id(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])

    # -------------------------------------------------------------- hooks
    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer one data-source call from the emulator's state."""
        return data_source(token).emulate(args, self)

    def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
        """Create ``res`` in the emulator; return the id and outputs AWS would."""
        rid, out = resource_type(res.type, res.name).create(res, self)
        props = {k: v for k, v in res.props.items() if k != "__provider"}
        item = Created(res.type, res.name, str(rid), props, dict(out))
        self.created.append(item)
        if self.after_create is not None:
            self.after_create(item)
        return rid, out

    # -------------------------------------------------------------- teardown
    def destroy(self) -> list[Created]:
        """Delete everything ``register`` created, in reverse creation order (as
        ``pulumi destroy`` would for this dependency chain); returns what was deleted."""
        done = []
        while self.created:
            item = self.created[-1]
            self.delete(item)
            self.created.pop()
            done.append(item)
        return done

    def delete(self, item: Created) -> None:
        """Delete one created resource the way the AWS provider (or the pool's dynamic
        provider) does."""
        resource_type(item.type, item.name).delete(item, self)

    def leftovers(self, items: list[Created]) -> list[str]:
        """Which of ``items`` still exist, asked from the emulator's (and, for work pools,
        the Prefect server's) side; empty when everything is gone."""
        from botocore.exceptions import ClientError

        left: list[str] = []
        for item in items:
            rtype = resource_type(item.type, item.name)
            try:
                exists = rtype.exists(item, self)
            except ClientError:
                exists = False  # NoSuchEntity, ResourceNotFoundException, InvalidGroup.NotFound...
            if exists:
                left.append(f"{item.type} {item.name} ({item.id})")
        return left
