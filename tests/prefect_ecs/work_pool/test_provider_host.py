"""WorkPoolProvider driven through the real dynamic provider host over gRPC.

``python -m pulumi.dynamic`` is what the Pulumi CLI runs for dynamic resources: it
prints its port on stdout, then serves the ResourceProvider gRPC service. Driving it
with Check/Diff/Create/Read/Update/Delete exercises the same path as ``pulumi up``:
the provider is unpickled from the ``__provider`` property, numbers arrive as floats,
secrets and unknowns arrive in their wire form.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs.work_pool import UNKNOWN, WorkPoolProvider
from prefect_ecs_tooling.local_prefect import PrefectServerHandle
from tests.support import ROOT

pytestmark = pytest.mark.server

TYPE = "pulumi-python:dynamic/prefect:WorkPool"


def urn(name: str) -> str:
    return f"urn:pulumi:test::proj::{TYPE}::{name}"


def plain(value: Any) -> Any:
    # The host answers Configure with acceptSecrets=False, so the engine sends
    # secrets (the serialized provider, api_key, auth_string) to it as plain values.
    return value


def to_struct(props: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(props)
    return s


def from_struct(s: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(s))


@pytest.fixture(scope="module")
def host_stderr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The host's stderr: the engine shows a dynamic provider's stderr lines to the user."""
    return tmp_path_factory.mktemp("host") / "stderr.txt"


@pytest.fixture(scope="module")
def host(host_stderr: Path) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with host_stderr.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().decode().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield provider_pb2_grpc.ResourceProviderStub(channel)
        channel.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_lifecycle_through_host(
    host: provider_pb2_grpc.ResourceProviderStub,
    prefect_server: PrefectServerHandle,
    pool_name: str,
) -> None:
    provider_blob = plain(serialize_provider(WorkPoolProvider(retry_budget_seconds=5)))
    u = urn("pool")
    news = {
        "__provider": provider_blob,
        "api_url": prefect_server.api_url,
        "name": pool_name,
        "description": "via host",
        "concurrency_limit": 2,
        "queues": [{"name": "high", "priority": 1}],
    }

    # Check: defaults applied, numbers normalised, no failures
    chk = host.Check(provider_pb2.CheckRequest(urn=u, olds=to_struct({}), news=to_struct(news)))
    assert list(chk.failures) == []
    checked = from_struct(chk.inputs)
    assert checked["type"] == "ecs" and checked["paused"] is False
    assert checked["concurrency_limit"] == 2

    # Check: failures name the property
    bad = {**news, "name": "prefect-nope", "concurrency_limit": -1}
    chk_bad = host.Check(provider_pb2.CheckRequest(urn=u, olds=to_struct({}), news=to_struct(bad)))
    assert {f.property for f in chk_bad.failures} == {"name", "concurrency_limit"}

    # Check: unknowns (preview) do not fail
    unk = {**news, "name": UNKNOWN, "api_url": UNKNOWN}
    chk_unk = host.Check(provider_pb2.CheckRequest(urn=u, olds=to_struct({}), news=to_struct(unk)))
    assert list(chk_unk.failures) == []

    # Create
    inputs = {**checked, "__provider": provider_blob}
    created = host.Create(provider_pb2.CreateRequest(urn=u, properties=to_struct(inputs)))
    assert created.id == pool_name
    outs = from_struct(created.properties)
    with httpx.Client(base_url=prefect_server.api_url, trust_env=False) as c:
        srv = c.get(f"/work_pools/{pool_name}").json()
    assert outs["pool_id"] == srv["id"] and outs["concurrency_limit"] == 2
    # on the wire None values are dropped and numbers are floats
    assert outs["queues"] == [{"name": "high", "priority": 1}]

    # Read (refresh)
    read = host.Read(provider_pb2.ReadRequest(id=pool_name, urn=u, properties=created.properties))
    assert read.id == pool_name and from_struct(read.properties)["pool_id"] == srv["id"]

    # Diff: none, update, replace
    def diff(new_inputs: dict[str, Any]) -> provider_pb2.DiffResponse:
        return host.Diff(
            provider_pb2.DiffRequest(
                id=pool_name, urn=u, olds=created.properties, news=to_struct(new_inputs)
            )
        )

    same = diff(inputs)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    news2 = {**inputs, "paused": True, "queues": [{"name": "high", "priority": 4}]}
    upd_diff = diff(news2)
    assert upd_diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(upd_diff.replaces) == []
    rep = diff({**inputs, "name": pool_name + "-x"})
    assert rep.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(rep.replaces) == ["name"] and rep.deleteBeforeReplace is True
    assert diff({**inputs, "description": UNKNOWN}).changes == provider_pb2.DiffResponse.DIFF_SOME

    # Update returns full outputs
    updated = host.Update(
        provider_pb2.UpdateRequest(
            id=pool_name, urn=u, olds=created.properties, news=to_struct(news2)
        )
    )
    uouts = from_struct(updated.properties)
    assert uouts["paused"] is True and uouts["pool_id"] == outs["pool_id"]
    assert uouts["queues"] == [{"name": "high", "priority": 4}]
    assert set(uouts) == set(outs)
    # the refreshed state diffs clean against the inputs that produced it
    after = host.Diff(
        provider_pb2.DiffRequest(
            id=pool_name, urn=u, olds=updated.properties, news=to_struct(news2)
        )
    )
    assert after.changes == provider_pb2.DiffResponse.DIFF_NONE

    # Delete, then Read reports gone, then Delete again succeeds
    host.Delete(provider_pb2.DeleteRequest(id=pool_name, urn=u, properties=updated.properties))
    gone = host.Read(provider_pb2.ReadRequest(id=pool_name, urn=u, properties=updated.properties))
    assert gone.id == ""
    host.Delete(provider_pb2.DeleteRequest(id=pool_name, urn=u, properties=updated.properties))


def test_host_error_message_is_clean(
    host: provider_pb2_grpc.ResourceProviderStub, prefect_server: PrefectServerHandle
) -> None:
    """A 409 surfaces through the host as a gRPC error carrying our message."""
    name = "host-409"
    with httpx.Client(base_url=prefect_server.api_url, trust_env=False) as c:
        c.post("/work_pools/", json={"name": name, "type": "ecs"})
    props = {
        "__provider": plain(serialize_provider(WorkPoolProvider(retry_budget_seconds=5))),
        "api_url": prefect_server.api_url,
        "name": name,
        "type": "ecs",
        "paused": False,
        "adopt_existing": False,
        "auth_string": plain("user:pw-never-echoed"),
    }
    with pytest.raises(grpc.RpcError) as info:
        host.Create(provider_pb2.CreateRequest(urn=urn("dup"), properties=to_struct(props)))
    details = info.value.details() or ""
    assert "already exists" in details and "adopt_existing" in details
    assert "pw-never-echoed" not in json.dumps(details)


def test_api_url_change_through_host(
    host: provider_pb2_grpc.ResourceProviderStub, host_stderr: Path, pool_name: str
) -> None:
    """A cosmetic api_url change is no diff; a real one replaces, and the user is told
    (on the host's stderr, which the engine prints) what happens to the deployments."""
    blob = plain(serialize_provider(WorkPoolProvider(retry_budget_seconds=5)))
    url = "http://127.0.0.1:4200/api"
    olds = {"__provider": blob, "api_url": url, "name": pool_name, "type": "ecs"}
    olds.update(paused=False, adopt_existing=False, pool_id="x")

    def diff(new_url: str) -> provider_pb2.DiffResponse:
        news = {**olds, "api_url": new_url}
        del news["pool_id"]
        return host.Diff(
            provider_pb2.DiffRequest(
                id=pool_name, urn=urn("url"), olds=to_struct(olds), news=to_struct(news)
            )
        )

    for cosmetic in ("http://localhost:4200/api/", "HTTP://127.0.0.1:4200/api"):
        assert diff(cosmetic).changes == provider_pb2.DiffResponse.DIFF_NONE
    assert pool_name not in host_stderr.read_text()
    moved = diff("https://prefect.example.com/api")
    assert list(moved.replaces) == ["api_url"] and moved.deleteBeforeReplace is True
    text = host_stderr.read_text()
    assert f"warning: work pool {pool_name!r} will be REPLACED" in text
    assert "https://prefect.example.com/api" in text and "deployment" in text
