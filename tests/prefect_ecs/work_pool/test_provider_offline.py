"""WorkPool provider: check and diff (offline), the resource under Pulumi mocks, pickling."""

from __future__ import annotations

import base64
import socket
from typing import Any

import dill
import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from prefect_ecs.work_pool import (
    UNKNOWN,
    PrefectApiError,
    WorkPool,
    WorkPoolProvider,
    validate_pool_name,
)
from prefect_ecs.work_pool.provider import split_marker, with_marker
from prefect_ecs.work_pool.validation import normalize_api_url
from tests.fixtures.work_pool import SAMPLE_TEMPLATE as TEMPLATE

pytestmark = pytest.mark.pure

URL = "http://127.0.0.1:4200/api"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """check and diff must not open any socket."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def failures(news: dict[str, Any]) -> dict[str, str]:
    result = WorkPoolProvider().check({}, {"api_url": URL, "name": "ok", **news})
    return {f.property: f.reason for f in result.failures}


# --- check --------------------------------------------------------------------------


def test_check_valid_applies_defaults() -> None:
    result = WorkPoolProvider().check({}, {"api_url": URL, "name": "pool one"})
    assert result.failures == []
    assert result.inputs["type"] == "ecs"
    assert result.inputs["paused"] is False
    assert result.inputs["adopt_existing"] is False


@pytest.mark.parametrize(
    "name",
    ["a/b", "50%", "a&b", "a>b", "a<b", "", "   ", "''", "prefect", "Prefect-x", "PREFECTpool"],
)
def test_check_rejects_names_the_server_rejects(name: str) -> None:
    assert "name" in failures({"name": name})
    assert validate_pool_name(name) is not None


def test_reserved_prefix_message() -> None:
    reason = failures({"name": "PrefectPool"})["name"]
    assert "reserved" in reason and "prefect" in reason


@pytest.mark.parametrize("name", ["ünïcødé pool", "with spaces", "q?x#y", "my-prefect"])
def test_check_accepts_unicode_spaces_and_odd_chars(name: str) -> None:
    assert failures({"name": name}) == {}


@pytest.mark.parametrize("url", ["ftp://x/api", "127.0.0.1:4200/api", "", "http://"])
def test_check_api_url(url: str) -> None:
    assert "api_url" in failures({"api_url": url})


def test_check_auth_at_most_one() -> None:
    f = failures({"api_key": "k", "auth_string": "a:b"})
    assert len(f) == 1 and "at most one" in next(iter(f.values()))
    assert failures({"auth_string": "nocolon"}) == {
        "auth_string": "auth_string must have the form user:password"
    }


def test_check_concurrency_limit() -> None:
    assert "concurrency_limit" in failures({"concurrency_limit": -1})
    assert "concurrency_limit" in failures({"concurrency_limit": 1.5})
    assert failures({"concurrency_limit": 0}) == {}
    assert failures({"concurrency_limit": 3.0}) == {}  # floats arrive over gRPC


def test_check_template_requires_sections() -> None:
    assert "base_job_template" in failures({"base_job_template": {"variables": {}}})
    assert "base_job_template" in failures({"base_job_template": {"job_configuration": {}}})
    assert failures({"base_job_template": {}}) == {}
    assert failures({"base_job_template": TEMPLATE}) == {}


def test_check_template_undeclared_placeholder_named() -> None:
    template = {
        "job_configuration": {"command": "{{ command }}", "x": {"y": ["{{nope}}"]}},
        "variables": {"properties": {"command": {"type": "string"}}},
    }
    reason = failures({"base_job_template": template})["base_job_template"]
    assert "nope" in reason and "command" not in reason.split(":")[-1]


def test_check_queues() -> None:
    f = failures(
        {
            "queues": [
                {"name": "a", "priority": 1},
                {"name": "a", "priority": 0},
                {"name": "", "concurrency_limit": -2},
                {"name": "b", "bogus": 1},
            ]
        }
    )
    assert "queues[1].name" in f and "duplicate" in f["queues[1].name"]
    assert "queues[1].priority" in f
    assert "queues[2].name" in f and "queues[2].concurrency_limit" in f
    assert "queues[3]" in f


def test_check_tolerates_unknowns() -> None:
    news = {
        "api_url": UNKNOWN,
        "name": UNKNOWN,
        "type": UNKNOWN,
        "api_key": UNKNOWN,
        "base_job_template": {
            "job_configuration": {"cluster": "{{ cluster }}"},
            "variables": UNKNOWN,
        },
        "concurrency_limit": UNKNOWN,
        "queues": [{"name": UNKNOWN, "priority": UNKNOWN}, UNKNOWN],
        "paused": UNKNOWN,
    }
    assert WorkPoolProvider().check({}, news).failures == []
    assert WorkPoolProvider().check({}, {**news, "queues": UNKNOWN}).failures == []


# --- diff ---------------------------------------------------------------------------

OLD_OUTPUTS: dict[str, Any] = {
    "api_url": URL,
    "api_key": None,
    "auth_string": "admin:pw",
    "name": "pool",
    "type": "ecs",
    "description": "d",
    "base_job_template": TEMPLATE,
    "concurrency_limit": 2,
    "paused": False,
    "queues": [{"name": "high", "priority": 1, "concurrency_limit": None}],
    "adopt_existing": False,
    "pool_id": "0f9a1a4e-0000-0000-0000-000000000000",
    "status": "NOT_READY",
    "default_queue_id": "0f9a1a4e-0000-0000-0000-000000000001",
    "created": "2026-01-01T00:00:00Z",
    "updated": "2026-01-01T00:00:00Z",
    "__provider": "serialized",
}
NEWS: dict[str, Any] = {
    k: v
    for k, v in OLD_OUTPUTS.items()
    if k not in ("pool_id", "status", "default_queue_id", "created", "updated")
}


def diff(**changes: Any) -> Any:
    return WorkPoolProvider().diff("pool", dict(OLD_OUTPUTS), {**NEWS, **changes})


def test_diff_none_when_equal_and_server_fields_ignored() -> None:
    d = diff()
    assert d.changes is False and d.replaces == []
    olds = {**OLD_OUTPUTS, "status": "READY", "updated": "2027-01-01T00:00:00Z"}
    assert WorkPoolProvider().diff("pool", olds, dict(NEWS)).changes is False


@pytest.mark.parametrize(
    ("key", "value"),
    [("name", "other"), ("type", "kubernetes"), ("api_url", "http://10.0.0.1:4200/api")],
)
def test_diff_replaces(key: str, value: Any) -> None:
    d = diff(**{key: value})
    assert d.changes is True and d.replaces == [key] and d.delete_before_replace is True


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("description", "new"),
        ("description", None),
        ("concurrency_limit", None),
        ("concurrency_limit", 5),
        ("paused", True),
        ("base_job_template", {**TEMPLATE, "variables": {**TEMPLATE["variables"], "x": 1}}),
        ("queues", [{"name": "high", "priority": 2}]),
        ("queues", [{"name": "high", "priority": 1, "concurrency_limit": 3}]),
        ("queues", []),
        ("queues", [{"name": "high"}, {"name": "low"}]),
        ("auth_string", "admin:rotated"),
        ("api_key", "pnu_x"),
    ],
)
def test_diff_updates(key: str, value: Any) -> None:
    d = diff(**{key: value})
    assert d.changes is True and d.replaces == []


def test_diff_no_change_cases() -> None:
    # Not managing the template or queues: whatever the server has is fine.
    assert diff(base_job_template=None).changes is False
    assert diff(queues=None).changes is False
    # A queue without a priority accepts the server's; floats from gRPC compare equal.
    assert diff(queues=[{"name": "high"}]).changes is False
    assert diff(concurrency_limit=2.0).changes is False
    # adopt_existing only matters at create.
    assert diff(adopt_existing=True).changes is False


def test_diff_unknown_new_values_are_changes() -> None:
    assert diff(name=UNKNOWN).replaces == ["name"]
    assert diff(description=UNKNOWN).changes is True
    assert diff(queues=UNKNOWN).changes is True


# --- the resource under mocks ----------------------------------------------------------


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        raise NotImplementedError(args.token)


SECRET_SIG = "4dabf18193072939515e22adb298388d"


def test_type_token_and_secret_inputs_under_mocks() -> None:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)

    @pulumi.runtime.test
    async def program() -> None:
        pool = WorkPool(
            "pool",
            {"api_url": URL, "name": "ecs-pool", "auth_string": "admin:s3cret", "api_key": None},
        )
        values = await pulumi.Output.all(pool.name, pool.type, pool.paused).future()
        assert values == ["ecs-pool", "ecs", False]
        assert await pool.auth_string.is_secret()  # type: ignore[attr-defined]
        assert not await pool.name.is_secret()

    program()
    (res,) = [r for r in mocks.resources if r.name == "pool"]
    assert res.typ == "pulumi-python:dynamic/prefect:WorkPool"
    auth = res.inputs["auth_string"]
    assert isinstance(auth, dict) and auth.get(SECRET_SIG) and auth["value"] == "admin:s3cret"
    assert res.inputs["__provider"].get(SECRET_SIG)  # serialized provider is secret
    assert "api_key" not in res.inputs or res.inputs["api_key"] is None


def test_api_key_secret_under_mocks() -> None:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)

    @pulumi.runtime.test
    def program() -> Any:
        pool = WorkPool("k", {"api_url": URL, "name": "p", "api_key": "pnu_secret"})
        return pool.urn

    program()
    (res,) = [r for r in mocks.resources if r.name == "k"]
    key = res.inputs["api_key"]
    assert isinstance(key, dict) and key.get(SECRET_SIG) and key["value"] == "pnu_secret"


# --- pickling -------------------------------------------------------------------------


def test_provider_pickles_by_reference_with_settings() -> None:
    provider = WorkPoolProvider(retry_budget_seconds=1.5, request_timeout_seconds=2)
    blob = serialize_provider(provider)
    restored = dill.loads(base64.b64decode(blob))
    assert type(restored).__module__ == "prefect_ecs.work_pool.provider"
    assert restored.retry_budget_seconds == 1.5 and restored.request_timeout_seconds == 2.0
    assert len(blob) < 2000, "pickled by reference, not by value"


def test_check_and_diff_accept_unknown_objects_from_the_host() -> None:
    """The provider host turns the wire sentinel into ``pulumi.output.Unknown``."""
    from pulumi.output import Unknown

    news = {
        "api_url": Unknown(),
        "name": Unknown(),
        "api_key": Unknown(),
        "auth_string": "a:b",
        "concurrency_limit": Unknown(),
        "queues": [{"name": Unknown()}],
        "base_job_template": Unknown(),
        "paused": Unknown(),
    }
    assert WorkPoolProvider().check({}, news).failures == []
    d = WorkPoolProvider().diff("pool", dict(OLD_OUTPUTS), {**NEWS, "name": Unknown()})
    assert d.replaces == ["name"]


def test_unknown_input_name_rejected_at_construction() -> None:
    pulumi.runtime.set_mocks(Mocks(), project="p", stack="s", preview=False)
    with pytest.raises(TypeError, match="concurrency_limt") as info:
        WorkPool("bad", {"api_url": URL, "name": "p", "concurrency_limt": 3})  # type: ignore[typeddict-unknown-key]
    assert "concurrency_limit" in str(info.value)


def test_default_budget_read_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_ecs.work_pool import transport

    assert WorkPoolProvider().retry_budget_seconds == 30.0
    monkeypatch.setattr(transport, "DEFAULT_RETRY_BUDGET_SECONDS", 2.5)
    provider = WorkPoolProvider()
    assert provider.retry_budget_seconds == 2.5
    restored = dill.loads(base64.b64decode(serialize_provider(provider)))
    assert restored.retry_budget_seconds == 2.5


# --- api_url: cosmetic changes are no change; a real one says what a replace does ---------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4200/api/",
        "http://localhost:4200/api",
        "HTTP://LocalHost:4200/api//",
        " http://127.0.0.1:4200/api ",
    ],
)
def test_diff_cosmetic_api_url_is_no_change(url: str) -> None:
    d = diff(api_url=url)
    assert d.changes is False and d.replaces == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("https://prefect.example.com/api", "https://prefect.example.com:443/api/"),
        ("https://Prefect.Example.COM:443/api", "HTTPS://prefect.example.com/api"),
        ("http://prefect.example.com:80/api", "http://prefect.example.com/api"),
    ],
)
def test_normalized_urls_equal(old: str, new: str) -> None:
    assert normalize_api_url(old) == normalize_api_url(new)
    d = WorkPoolProvider().diff("pool", {**OLD_OUTPUTS, "api_url": old}, {**NEWS, "api_url": new})
    assert d.changes is False


@pytest.mark.parametrize(
    "new",
    [
        "http://127.0.0.1:4201/api",  # another port
        "https://127.0.0.1:4200/api",  # another scheme
        "http://127.0.0.1:4200/api/v2",  # another path
        "http://10.0.0.1:4200/api",  # another host
    ],
)
def test_real_api_url_change_replaces_and_warns(new: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_ecs.work_pool import provider as provider_module

    warned: list[str] = []
    monkeypatch.setattr(provider_module.pulumi_log, "warn", warned.append)
    d = diff(api_url=new)
    assert d.replaces == ["api_url"] and d.delete_before_replace is True
    (text,) = warned
    assert "REPLACED" in text and URL in text and new in text
    assert "deployment" in text and "scheduled flow runs" in text


def test_no_warning_without_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_ecs.work_pool import provider as provider_module

    warned: list[str] = []
    monkeypatch.setattr(provider_module.pulumi_log, "warn", warned.append)
    assert diff(description="x", api_url=URL + "/").replaces == []
    assert warned == []
    assert diff(name="other").replaces == ["name"] and "'other'" in warned[0]


def test_replace_warning_never_shows_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_ecs.work_pool import provider as provider_module

    warned: list[str] = []
    monkeypatch.setattr(provider_module.pulumi_log, "warn", warned.append)
    olds = {**OLD_OUTPUTS, "api_url": "https://u:old-pass-word@a.example.com/api"}
    WorkPoolProvider().diff("pool", olds, {**NEWS, "api_url": "https://b.example.com/api"})
    assert "old-pass-word" not in warned[0] and "a.example.com" in warned[0]


# --- credentials: refused in check, never echoed -----------------------------------------


@pytest.mark.parametrize(
    ("creds", "prop", "words"),
    [
        ({"api_key": "pnu_SECRETvalue123\n"}, "api_key", "whitespace or a control character"),
        ({"api_key": " pnu_SECRETvalue123"}, "api_key", "whitespace"),
        ({"api_key": "pnu_SECRET\x00value"}, "api_key", "control character"),
        ({"api_key": "pnu_SECRETvalüe123"}, "api_key", "non-ASCII"),
        ({"api_key": ""}, "api_key", "empty"),
        ({"api_key": "null"}, "api_key", "not a credential"),
        ({"auth_string": "admin:SECRETpass\n"}, "auth_string", "whitespace"),
        ({"auth_string": "admin:SECRETpässword"}, "auth_string", "non-ASCII"),
        ({"auth_string": "admin:"}, "auth_string", "non-empty user and password"),
    ],
)
def test_check_refuses_bad_credentials_without_their_value(
    creds: dict[str, str], prop: str, words: str
) -> None:
    f = failures(creds)
    assert list(f) == [prop] and words in f[prop] and f[prop].startswith(prop)
    assert "SECRET" not in f[prop] and "null" not in f[prop].replace("'null'", "")


def test_check_keeps_the_auth_string_form_message() -> None:
    assert failures({"auth_string": "nocolon"}) == {
        "auth_string": "auth_string must have the form user:password"
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://admin:SECRETpw@prefect.example.com/api",
        "https://admin@prefect.example.com/api",
        "ftp://admin:SECRETpw@prefect.example.com/api",
    ],
)
def test_check_refuses_userinfo_in_api_url(url: str) -> None:
    reason = failures({"api_url": url})["api_url"]
    assert "auth_string" in reason and "SECRETpw" not in reason and "admin" not in reason


@pytest.mark.parametrize(
    ("creds", "secret"),
    [
        ({"api_key": "pnu_SECRETvalue123\n"}, "SECRETvalue123"),
        ({"api_key": "pnu_SECRETvalüe123"}, "SECRETval"),
        ({"auth_string": "admin:SECRETpass\r\n"}, "SECRETpass"),
    ],
)
def test_create_refuses_bad_credentials_that_skipped_check(
    creds: dict[str, str], secret: str
) -> None:
    """Before: httpx's "Illegal header value b'Bearer pnu_...\\n'" or a UnicodeEncodeError."""
    props = {"api_url": URL, "name": "p", "type": "ecs", **creds}
    for call in (
        lambda p: p.create(props),
        lambda p: p.read("p", props),
        lambda p: p.update("p", props, props),
        lambda p: p.delete("p", props),
    ):
        with pytest.raises(PrefectApiError) as info:
            call(WorkPoolProvider(retry_budget_seconds=1))
        text = str(info.value)
        assert next(iter(creds)) in text and secret not in text
        assert info.value.__cause__ is None and info.value.__context__ is None


def test_every_error_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever an operation raises, in whatever form the credential takes, is scrubbed."""
    from prefect_ecs.work_pool import provider as provider_module

    key = "pnu_SECRETkey123"
    auth = "admin:SECRETpass"
    leak = (
        f"{key} Bearer {key} {base64.b64encode(auth.encode()).decode()} {auth} SECRETpass "
        "https://u:SECRETurlpw@h/api"
    )

    def boom(*_args: Any) -> Any:
        raise KeyError(leak)

    monkeypatch.setattr(provider_module, "WorkPoolApi", boom)
    props = {"api_url": "https://u:SECRETurlpw@h/api", "name": "p", "type": "ecs"}
    for creds in ({"api_key": key}, {"auth_string": auth}):
        with pytest.raises(PrefectApiError) as info:
            WorkPoolProvider().create({**props, **creds})
        text = str(info.value)
        assert "KeyError" in text and "SECRETurlpw" not in text
        if "api_key" in creds:
            assert "SECRETkey" not in text
        else:
            assert "SECRETpass" not in text and "YWRtaW46U0VDUkVUcGFzcw==" not in text
        assert info.value.__context__ is None and info.value.__cause__ is None


# --- the owner marker ------------------------------------------------------------------


@pytest.mark.parametrize("description", [None, "", "mine", "a\n\nb", "[managed-by-pulumi: x"])
def test_marker_round_trip(description: str | None) -> None:
    owner = "org/proj/dev/pool"
    text = with_marker(description, owner)
    assert text is not None and text.endswith("[managed-by-pulumi: org/proj/dev/pool]")
    assert split_marker(text) == (description, owner)
    assert split_marker(description) == (description, None)
    assert with_marker(description, None) == description


def test_check_owner() -> None:
    assert failures({"owner": "org/p/s/r"}) == {}
    assert failures({"owner": ""}) == {}
    assert "owner" in failures({"owner": "a]b"})
    assert "owner" in failures({"owner": "a\nb"})
    assert "owner" in failures({"owner": 3})


def test_owner_defaults_to_the_resource_under_mocks() -> None:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, project="proj", stack="dev", preview=False)

    @pulumi.runtime.test
    def program() -> Any:
        return WorkPool("pool-x", {"api_url": URL, "name": "p"}).urn

    program()
    (res,) = [r for r in mocks.resources if r.name == "pool-x"]
    assert res.inputs["owner"] == "proj/dev/pool-x"  # mocks have no organization


def test_diff_owner_change_is_an_update() -> None:
    d = diff(owner="org/p/s/other")
    assert d.changes is True and d.replaces == []


# --- Pulumi.yaml: `pulumi up` refreshes, so it sees a pool changed outside ----------------


def test_project_refreshes_always_and_the_generator_keeps_it() -> None:
    import yaml

    from prefect_ecs_tooling import generate
    from tests.support import ROOT

    assert yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["options"] == {"refresh": "always"}
    regenerated = generate.rendered()[generate.PULUMI_YAML]
    assert yaml.safe_load(regenerated)["options"] == {"refresh": "always"}
