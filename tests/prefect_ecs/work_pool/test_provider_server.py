"""WorkPoolProvider against a REAL local Prefect server (no mocks of Prefect)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dill
import httpx
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from prefect_ecs.work_pool import (
    PrefectApiError,
    PrefectApiUnavailable,
    PrefectAuthError,
    WorkPoolProvider,
)
from prefect_ecs.work_pool.transport import count_requests
from prefect_ecs_tooling.local_prefect import PrefectServerHandle, find_free_port
from tests.fixtures.api_proxy import ApiProxy, statuses_first
from tests.fixtures.work_pool import SAMPLE_TEMPLATE as TEMPLATE

pytestmark = pytest.mark.server


def provider() -> WorkPoolProvider:
    return WorkPoolProvider(retry_budget_seconds=5)


def raw(server: PrefectServerHandle) -> httpx.Client:
    headers = {}
    if server.auth_string:
        token = base64.b64encode(server.auth_string.encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return httpx.Client(base_url=server.api_url, headers=headers, trust_env=False)


def raw_get(server: PrefectServerHandle, name: str) -> httpx.Response:
    with raw(server) as c:
        return c.get(f"/work_pools/{quote(name, safe='')}")


def inputs(server: PrefectServerHandle, name: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"api_url": server.api_url, "name": name}
    if server.auth_string:
        base["auth_string"] = server.auth_string
    base.update(extra)
    checked = provider().check({}, base)
    assert checked.failures == []
    return checked.inputs


def create(server: PrefectServerHandle, name: str, **extra: Any) -> tuple[dict, dict]:
    news = inputs(server, name, **extra)
    result = provider().create(news)
    assert result.id == name
    assert result.outs is not None
    return news, result.outs


# --- lifecycle ------------------------------------------------------------------------


def test_full_lifecycle(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    p = provider()
    news, outs = create(prefect_server, pool_name, base_job_template=TEMPLATE, description="first")
    server_pool = raw_get(prefect_server, pool_name).json()
    assert outs["pool_id"] == server_pool["id"]
    assert outs["default_queue_id"] == server_pool["default_queue_id"]
    assert outs["base_job_template"] == TEMPLATE == server_pool["base_job_template"]
    assert outs["type"] == "ecs" and outs["paused"] is False and outs["description"] == "first"
    assert outs["status"] and outs["created"] and outs["updated"]
    assert outs["api_key"] is None and outs["auth_string"] is None

    # read == create outputs
    read = p.read(pool_name, outs)
    assert read.id == pool_name
    assert {k: v for k, v in read.outs.items() if k != "updated"} == {
        k: v for k, v in outs.items() if k != "updated"
    }
    assert p.diff(pool_name, read.outs, news).changes is False

    # update: template change, pause, concurrency
    template2 = json.loads(json.dumps(TEMPLATE))
    template2["variables"]["properties"]["cpu"]["default"] = 1024
    news2 = {
        **news,
        "base_job_template": template2,
        "paused": True,
        "concurrency_limit": 7,
        "description": None,
    }
    d = p.diff(pool_name, outs, news2)
    assert d.changes is True and d.replaces == []
    upd = p.update(pool_name, outs, news2)
    assert upd.outs is not None
    assert upd.outs["paused"] is True and upd.outs["concurrency_limit"] == 7
    assert upd.outs["description"] is None
    assert upd.outs["base_job_template"] == template2
    assert upd.outs["pool_id"] == outs["pool_id"]  # full outputs, same pool
    assert set(upd.outs) == set(outs)
    srv = raw_get(prefect_server, pool_name).json()
    assert srv["is_paused"] is True and srv["concurrency_limit"] == 7
    assert srv["base_job_template"] == template2
    assert p.diff(pool_name, upd.outs, news2).changes is False

    # clear the concurrency limit and unpause
    news3 = {**news2, "concurrency_limit": None, "paused": False}
    upd3 = p.update(pool_name, upd.outs, news3)
    assert upd3.outs["concurrency_limit"] is None and upd3.outs["paused"] is False

    # delete, then delete again (already gone is success)
    p.delete(pool_name, upd3.outs)
    assert raw_get(prefect_server, pool_name).status_code == 404
    p.delete(pool_name, upd3.outs)
    assert p.read(pool_name, upd3.outs).id == ""


def test_replace_on_rename(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    p = provider()
    news, outs = create(prefect_server, pool_name)
    renamed = {**news, "name": pool_name + "-2"}
    d = p.diff(pool_name, outs, renamed)
    assert d.replaces == ["name"] and d.delete_before_replace is True
    # what the engine then does: delete old, create new
    p.delete(pool_name, outs)
    new = p.create(renamed)
    assert new.id == pool_name + "-2"
    assert raw_get(prefect_server, pool_name).status_code == 404
    assert raw_get(prefect_server, pool_name + "-2").json()["id"] == new.outs["pool_id"]
    p.delete(new.id, new.outs)


@pytest.mark.parametrize("name", ["ünïcødé pool ✓", "with  spaces", "odd?name#frag"])
def test_unicode_spaces_and_odd_names(prefect_server: PrefectServerHandle, name: str) -> None:
    p = provider()
    _news, outs = create(prefect_server, name, queues=[{"name": "q ü?#", "priority": 2}])
    assert outs["name"] == name
    assert raw_get(prefect_server, name).json()["id"] == outs["pool_id"]
    assert outs["queues"] == [{"name": "q ü?#", "priority": 2, "concurrency_limit": None}]
    assert p.read(name, outs).outs["pool_id"] == outs["pool_id"]
    p.delete(name, outs)
    assert raw_get(prefect_server, name).status_code == 404


# --- drift ------------------------------------------------------------------------------


def test_drift_pool_deleted_outside(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    _news, outs = create(prefect_server, pool_name)
    with raw(prefect_server) as c:
        assert c.delete(f"/work_pools/{pool_name}").status_code == 204
    read = provider().read(pool_name, outs)
    assert read.id == "" and read.outs == {}
    # update without refresh gives a clear message
    with pytest.raises(PrefectApiError, match=r"no longer exists.*pulumi refresh"):
        provider().update(pool_name, outs, {**_news, "paused": True})


def test_drift_template_edited_outside_is_restored(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    p = provider()
    news, outs = create(prefect_server, pool_name, base_job_template=TEMPLATE, paused=False)
    edited = json.loads(json.dumps(TEMPLATE))
    edited["variables"]["properties"]["cpu"]["default"] = 4096
    with raw(prefect_server) as c:
        r = c.patch(
            f"/work_pools/{pool_name}", json={"base_job_template": edited, "is_paused": True}
        )
        assert r.status_code == 204
    read = p.read(pool_name, outs)
    assert read.outs["base_job_template"] == edited and read.outs["paused"] is True
    d = p.diff(pool_name, read.outs, news)
    assert d.changes is True and d.replaces == []
    upd = p.update(pool_name, read.outs, news)
    assert upd.outs["base_job_template"] == TEMPLATE and upd.outs["paused"] is False
    srv = raw_get(prefect_server, pool_name).json()
    assert srv["base_job_template"] == TEMPLATE and srv["is_paused"] is False
    p.delete(pool_name, upd.outs)


# --- conflicts ------------------------------------------------------------------------


def test_409_without_adopt_fails_with_guidance(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    with raw(prefect_server) as c:
        assert c.post("/work_pools/", json={"name": pool_name, "type": "ecs"}).status_code == 201
    with pytest.raises(PrefectApiError) as info:
        provider().create(inputs(prefect_server, pool_name))
    msg = str(info.value)
    assert "already exists" in msg and "adopt_existing" in msg and "pulumi import" in msg
    assert raw_get(prefect_server, pool_name).status_code == 200  # untouched


def test_409_with_adopt_takes_over(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    with raw(prefect_server) as c:
        r = c.post(
            "/work_pools/",
            json={"name": pool_name, "type": "ecs", "description": "theirs", "is_paused": True},
        )
        existing_id = r.json()["id"]
    news, outs = create(
        prefect_server,
        pool_name,
        adopt_existing=True,
        base_job_template=TEMPLATE,
        description="ours",
        concurrency_limit=3,
        queues=[{"name": "default", "priority": 1, "concurrency_limit": 9}, {"name": "x"}],
    )
    assert outs["pool_id"] == existing_id
    assert outs["description"] == "ours" and outs["paused"] is False
    assert outs["concurrency_limit"] == 3 and outs["base_job_template"] == TEMPLATE
    assert [q["name"] for q in outs["queues"]] == ["default", "x"]
    assert outs["queues"][0]["concurrency_limit"] == 9
    assert provider().diff(pool_name, outs, news).changes is False
    provider().delete(pool_name, outs)


def test_adopt_refuses_other_type(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    with raw(prefect_server) as c:
        c.post("/work_pools/", json={"name": pool_name, "type": "process"})
    with pytest.raises(PrefectApiError, match="type 'process'"):
        provider().create(inputs(prefect_server, pool_name, adopt_existing=True))


# --- check before any request -------------------------------------------------------------


@pytest.mark.parametrize("name", ["prefect-reserved", "PREFECTx", "a/b", "x%y", " "])
def test_invalid_names_caught_by_check_without_requests(
    prefect_server: PrefectServerHandle, name: str
) -> None:
    with count_requests() as seen:
        result = provider().check({}, {"api_url": prefect_server.api_url, "name": name})
    assert [f.property for f in result.failures] == ["name"]
    assert seen == []


def test_server_agrees_with_check_on_reserved_name(prefect_server: PrefectServerHandle) -> None:
    """What check rejects offline, the server rejects too (and the message is clear)."""
    news = {"api_url": prefect_server.api_url, "name": "Prefect-pool", "type": "ecs"}
    with pytest.raises(PrefectApiError, match=r"HTTP 403.*reserved"):
        provider().create(news)


# --- queues -------------------------------------------------------------------------------


def test_queues_created_changed_removed(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    p = provider()
    q1 = [
        {"name": "high", "priority": 1, "concurrency_limit": 2},
        {"name": "low", "priority": 10},
        {"name": "gone-soon", "priority": 5},
    ]
    news, outs = create(prefect_server, pool_name, queues=q1)

    def server_queues() -> dict[str, dict]:
        with raw(prefect_server) as c:
            r = c.post(f"/work_pools/{pool_name}/queues/filter", json={})
            return {q["name"]: q for q in r.json()}

    srv = server_queues()
    assert set(srv) == {"default", "high", "low", "gone-soon"}
    assert srv["high"]["priority"] == 1 and srv["high"]["concurrency_limit"] == 2
    assert outs["queues"] == [
        {"name": "high", "priority": 1, "concurrency_limit": 2},
        {"name": "low", "priority": 10, "concurrency_limit": None},
        {"name": "gone-soon", "priority": 5, "concurrency_limit": None},
    ]
    assert p.diff(pool_name, outs, news).changes is False

    # a worker-created queue that Pulumi never managed must survive
    with raw(prefect_server) as c:
        c.post(f"/work_pools/{pool_name}/queues", json={"name": "worker-made"})

    q2 = [
        {"name": "high", "priority": 3, "concurrency_limit": None},
        {"name": "low", "priority": 10, "concurrency_limit": 4},
        {"name": "new", "priority": 7},
    ]
    news2 = inputs(prefect_server, pool_name, queues=q2)
    assert p.diff(pool_name, outs, news2).changes is True
    upd = p.update(pool_name, outs, news2)
    srv = server_queues()
    assert set(srv) == {"default", "high", "low", "new", "worker-made"}
    assert srv["high"]["priority"] == 3 and srv["high"]["concurrency_limit"] is None
    assert srv["low"]["concurrency_limit"] == 4 and srv["new"]["priority"] == 7
    assert p.diff(pool_name, upd.outs, news2).changes is False

    # queue drift: changed outside -> read shows it
    with raw(prefect_server) as c:
        c.patch(f"/work_queues/{srv['low']['id']}", json={"concurrency_limit": 99})
    read = p.read(pool_name, upd.outs)
    assert {q["name"]: q for q in read.outs["queues"]}["low"]["concurrency_limit"] == 99
    assert p.diff(pool_name, read.outs, news2).changes is True

    # remove all managed queues; default stays even if it was listed
    news3 = inputs(prefect_server, pool_name, queues=[{"name": "default", "priority": 1}])
    upd3 = p.update(pool_name, read.outs, news3)
    assert set(server_queues()) == {"default", "worker-made"}
    upd4 = p.update(pool_name, upd3.outs, inputs(prefect_server, pool_name, queues=[]))
    assert set(server_queues()) == {"default", "worker-made"}
    assert upd4.outs["queues"] == []
    p.delete(pool_name, upd4.outs)


# --- auth ---------------------------------------------------------------------------------


def test_basic_auth_right(prefect_auth_server: PrefectServerHandle, pool_name: str) -> None:
    p = provider()
    with count_requests() as seen:
        news, outs = create(prefect_auth_server, pool_name, queues=[{"name": "q", "priority": 2}])
    # this server also has CSRF protection on: the first POST is refused, then tokens
    assert any("/csrf-token" in s for s in seen)
    assert raw_get(prefect_auth_server, pool_name).json()["id"] == outs["pool_id"]
    assert outs["auth_string"] == prefect_auth_server.auth_string  # kept (secret) for delete
    upd = p.update(pool_name, outs, {**news, "paused": True})
    assert upd.outs["paused"] is True
    assert p.read(pool_name, upd.outs).outs["paused"] is True
    p.delete(pool_name, upd.outs)
    assert raw_get(prefect_auth_server, pool_name).status_code == 404


@pytest.mark.parametrize(
    "creds",
    [
        {"auth_string": "admin:WRONG-secret-value"},
        {"api_key": "pnu_WRONG_secret_value"},
        {},
    ],
)
def test_basic_auth_wrong(
    prefect_auth_server: PrefectServerHandle, pool_name: str, creds: dict[str, str]
) -> None:
    news = {"api_url": prefect_auth_server.api_url, "name": pool_name, "type": "ecs", **creds}
    with pytest.raises(PrefectAuthError) as info:
        provider().create(news)
    msg = str(info.value)
    assert prefect_auth_server.api_url in msg and "401" in msg
    assert "WRONG" not in msg and "secret_value" not in msg
    assert prefect_auth_server.auth_string.split(":")[1] not in msg  # type: ignore[union-attr]
    mode = {"auth_string": "auth string", "api_key": "API key"}
    assert (mode[next(iter(creds))] if creds else "no credentials") in msg


# --- availability ---------------------------------------------------------------------------


def test_server_not_running_bounded_retries() -> None:
    port = find_free_port()
    p = WorkPoolProvider(retry_budget_seconds=1.5)
    news = {"api_url": f"http://127.0.0.1:{port}/api", "name": "x", "type": "ecs"}
    start = time.monotonic()
    with count_requests() as seen, pytest.raises(PrefectApiUnavailable) as info:
        p.create(news)
    elapsed = time.monotonic() - start
    assert 1.0 <= elapsed < 4.0
    assert len(seen) >= 3  # it did retry
    msg = str(info.value)
    assert f"127.0.0.1:{port}" in msg and "Connection refused" in msg and "1.5 s" in msg
    # delete and read against a dead server fail too: never "succeeded" or "gone"
    with pytest.raises(PrefectApiUnavailable):
        p.delete("x", news)
    with pytest.raises(PrefectApiUnavailable):
        p.read("x", news)


def test_transient_503_on_create_is_retried(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    with (
        ApiProxy(prefect_server.api_url, statuses_first([503, 429])) as proxy,
        count_requests() as seen,
    ):
        res = provider().create({"api_url": proxy.api_url, "name": pool_name, "type": "ecs"})
    assert res.outs["name"] == pool_name and proxy.methods == ["POST"] * 3
    assert seen[1].endswith("(retry: HTTP 503)") and seen[2].endswith("(retry: HTTP 429)")
    provider().delete(pool_name, {"api_url": prefect_server.api_url, "name": pool_name})


def test_502_on_create_is_not_repeated(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    """A POST answered 502/504 may have been acted on: fail fast, do not repeat it."""
    start = time.monotonic()
    with (
        ApiProxy(prefect_server.api_url, statuses_first([502])) as proxy,
        pytest.raises(PrefectApiError) as info,
    ):
        provider().create({"api_url": proxy.api_url, "name": pool_name, "type": "ecs"})
    assert time.monotonic() - start < 1.5  # no hidden client-side sleep
    assert proxy.methods == ["POST"] and "not repeated" in str(info.value)


def test_gateway_errors_on_read_are_retried(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    _news, outs = create(prefect_server, pool_name)
    with ApiProxy(prefect_server.api_url, statuses_first([504, 502])) as proxy:
        read = provider().read(pool_name, {**outs, "api_url": proxy.api_url})
    assert read.outs["pool_id"] == outs["pool_id"] and proxy.methods == ["GET"] * 3
    provider().delete(pool_name, outs)


def test_persistent_503_gives_up_within_budget(prefect_server: PrefectServerHandle) -> None:
    p = WorkPoolProvider(retry_budget_seconds=1.0)
    start = time.monotonic()
    proxy = ApiProxy(prefect_server.api_url, statuses_first([503] * 1000))
    with proxy, pytest.raises(PrefectApiUnavailable) as info:
        p.read("x", {"api_url": proxy.api_url, "name": "x"})
    assert time.monotonic() - start < 3.0
    # backoff 0.25, 0.5, ... s even with "Retry-After: 0": a few attempts, no hot loop
    assert "HTTP 503" in str(info.value) and 3 <= len(proxy.seen) <= 6


# --- isolation from the machine's Prefect profile/env ------------------------------------------

ISOLATION_SCRIPT = r"""
import json, sys
from prefect_ecs.work_pool import WorkPoolProvider
news = json.loads(sys.argv[1])
p = WorkPoolProvider(retry_budget_seconds=3)
res = p.create(news)
p.delete(res.id, res.outs)
print(json.dumps({"pool_id": res.outs["pool_id"], "name": res.id}))
"""


def test_env_prefect_settings_are_ignored(
    prefect_auth_server: PrefectServerHandle, pool_name: str
) -> None:
    env = dict(os.environ)
    dead = f"http://127.0.0.1:{find_free_port()}/api"
    env.update(
        PREFECT_API_URL=dead,
        PREFECT_API_KEY="pnu_env_key_must_not_be_used",
        PREFECT_API_AUTH_STRING="env:wrong",
        PREFECT_CLIENT_CUSTOM_HEADERS=json.dumps({"Authorization": "Basic ZW52Ondyb25n"}),
        PREFECT_CLIENT_MAX_RETRIES="9",
        PYTHONPATH=os.getcwd(),
    )
    news = {
        "api_url": prefect_auth_server.api_url,
        "auth_string": prefect_auth_server.auth_string,
        "name": pool_name,
        "type": "ecs",
    }
    out = subprocess.run(
        [sys.executable, "-c", ISOLATION_SCRIPT, json.dumps(news)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1])["name"] == pool_name


# --- serialized like the SDK does ---------------------------------------------------------------


def test_provider_round_tripped_through_sdk_serializer(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    blob = serialize_provider(WorkPoolProvider(retry_budget_seconds=4))
    p = dill.loads(base64.b64decode(blob))
    assert isinstance(p, WorkPoolProvider) and p.retry_budget_seconds == 4
    news = inputs(prefect_server, pool_name)
    res = p.create(news)
    assert raw_get(prefect_server, pool_name).json()["id"] == res.outs["pool_id"]
    p.delete(res.id, res.outs)
    assert raw_get(prefect_server, pool_name).status_code == 404


# --- request counts -------------------------------------------------------------------------------


def test_request_counts(prefect_server: PrefectServerHandle, pool_name: str) -> None:
    p = provider()
    news = inputs(prefect_server, pool_name, base_job_template=TEMPLATE)
    with count_requests() as seen:
        res = p.create(news)
    assert seen == ["POST /api/work_pools/"]
    with count_requests() as seen:
        p.read(res.id, res.outs)
    assert len(seen) == 1
    with count_requests() as seen:
        upd = p.update(res.id, res.outs, {**news, "paused": True})
    assert [s.split()[0] for s in seen] == ["PATCH", "GET"]
    with count_requests() as seen:
        p.diff(res.id, upd.outs, news)
        p.check({}, news)
    assert seen == []
    with count_requests() as seen:
        p.delete(res.id, upd.outs)
    assert [s.split()[0] for s in seen] == ["DELETE"]


# --- the local server helper itself ---------------------------------------------------------


def test_server_env_is_clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from prefect_ecs_tooling.local_prefect import server_env

    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere/api")
    monkeypatch.setenv("PREFECT_API_KEY", "pnu_x")
    monkeypatch.setenv("PREFECT_PROFILE", "prod")
    env = server_env(tmp_path, auth_string="u:p")
    assert not {"PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_PROFILE"} & set(env)
    assert env["PREFECT_HOME"] == str(tmp_path)
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["PREFECT_SERVER_UI_ENABLED"] == "false"
    assert env["PREFECT_SERVER_API_AUTH_STRING"] == "u:p"


def test_fixture_server_runs_with_clean_env(prefect_server: PrefectServerHandle) -> None:
    assert prefect_server.is_running()
    assert prefect_server.api_url == f"http://127.0.0.1:{prefect_server.port}/api"
    environ = Path(f"/proc/{prefect_server.pid}/environ")
    if environ.exists():
        keys = {e.split("=", 1)[0] for e in environ.read_text().split("\0") if e}
        assert "PREFECT_API_URL" not in keys and "PREFECT_API_KEY" not in keys
        assert "PREFECT_HOME" in keys
    with httpx.Client(trust_env=False) as c:
        assert c.get(prefect_server.health_url).status_code == 200


def test_template_numbers_reach_the_server_as_ints(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    """The engine delivers 2048 as 2048.0; the server must store 2048 (AWS rejects "2048.0")."""

    def floats(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, dict):
                return {k: floats(v) for k, v in value.items()}
            if isinstance(value, list):
                return [floats(v) for v in value]
            return value
        return float(value)

    as_engine_sends = floats(TEMPLATE)
    wanted = TEMPLATE["variables"]["properties"]["memory"]["default"]
    assert isinstance(as_engine_sends["variables"]["properties"]["memory"]["default"], float)
    create(prefect_server, pool_name, base_job_template=as_engine_sends)
    stored = raw_get(prefect_server, pool_name).json()["base_job_template"]
    memory = stored["variables"]["properties"]["memory"]["default"]
    assert memory == wanted and isinstance(memory, int)
    assert '.0"' not in json.dumps(stored) and ".0," not in json.dumps(stored)


def test_failed_queue_on_create_leaves_no_pool(
    prefect_server: PrefectServerHandle, pool_name: str
) -> None:
    """Nothing half-created is left unrecorded: the pool goes when its queues fail."""
    props = inputs(prefect_server, pool_name, queues=[{"name": "bad/queue"}])
    with pytest.raises(PrefectApiError):
        provider().create(props)  # check() would have refused it; the server does too
    assert raw_get(prefect_server, pool_name).status_code == 404
