"""The operations' environment contract, error text and redaction (pure)."""

from __future__ import annotations

import httpx
import pytest
from botocore.exceptions import ClientError

from prefect_ecs.ops._common import (
    DEFAULT_POLL_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    EXIT_CONFIG,
    EXIT_NOT_DONE,
    ConfigError,
    Output,
    credential_secrets,
    describe_error,
    is_auth_refusal,
    load_config,
    run_main,
)
from prefect_ecs.ops.drain import REQUIRED as DRAIN_REQUIRED
from prefect_ecs.ops.readiness import REQUIRED as READINESS_REQUIRED

pytestmark = pytest.mark.pure

FULL = {
    "PREFECT_API_URL": "http://127.0.0.1:4200/api",
    "PREFECT_ECS_CLUSTER": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
    "PREFECT_ECS_SERVICE": "svc",
    "PREFECT_ECS_WORK_POOL": "pool",
    "PREFECT_ECS_WORKER_LOG_GROUP": "/lg",
}


def test_defaults_and_fields() -> None:
    cfg = load_config(FULL, READINESS_REQUIRED)
    assert (cfg.timeout_seconds, cfg.poll_seconds) == (
        DEFAULT_TIMEOUT_SECONDS,
        DEFAULT_POLL_SECONDS,
    )
    assert (cfg.cluster, cfg.service, cfg.work_pool, cfg.log_group) == (
        FULL["PREFECT_ECS_CLUSTER"],
        "svc",
        "pool",
        "/lg",
    )
    assert cfg.auth_mode == "no credential"
    assert cfg.secrets == ()


def test_a_missing_variable_is_named() -> None:
    env = {k: v for k, v in FULL.items() if k != "PREFECT_ECS_SERVICE"}
    with pytest.raises(ConfigError, match="PREFECT_ECS_SERVICE"):
        load_config(env, READINESS_REQUIRED)
    # drain does not need the service or the log group
    assert load_config(env, DRAIN_REQUIRED).service == ""
    with pytest.raises(ConfigError, match=r"PREFECT_API_URL, PREFECT_ECS_CLUSTER"):
        load_config({"PREFECT_ECS_WORK_POOL": "p"}, DRAIN_REQUIRED)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("PREFECT_ECS_TIMEOUT_SECONDS", "soon"),
        ("PREFECT_ECS_TIMEOUT_SECONDS", "-1"),
        ("PREFECT_ECS_POLL_SECONDS", "0"),
        ("PREFECT_ECS_POLL_SECONDS", "nan"),
    ],
)
def test_bad_seconds_are_refused(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({**FULL, name: raw}, READINESS_REQUIRED)


def test_seconds_accept_fractions_and_zero_timeout() -> None:
    cfg = load_config(
        {**FULL, "PREFECT_ECS_TIMEOUT_SECONDS": "0", "PREFECT_ECS_POLL_SECONDS": "0.5"},
        READINESS_REQUIRED,
    )
    assert (cfg.timeout_seconds, cfg.poll_seconds) == (0.0, 0.5)


def test_credentials_are_redacted_whole_and_by_password() -> None:
    env = {**FULL, "PREFECT_API_AUTH_STRING": "admin:s3cr3t-pw"}
    cfg = load_config(env, READINESS_REQUIRED)
    assert cfg.auth_mode == "PREFECT_API_AUTH_STRING"
    assert "s3cr3t-pw" not in repr(cfg)
    out = Output(secrets=credential_secrets(env))
    assert out.redact("auth admin:s3cr3t-pw, or s3cr3t-pw alone") == "auth ***, or *** alone"
    key_env = {"PREFECT_API_KEY": "pnu_abcdef"}
    assert load_config({**FULL, **key_env}, READINESS_REQUIRED).auth_mode == "PREFECT_API_KEY"
    assert Output(secrets=credential_secrets(key_env)).redact("k=pnu_abcdef") == "k=***"


def test_every_form_of_a_credential_is_redacted() -> None:
    """A server that echoes request headers, or a URL with userinfo in a traceback, must
    not reveal the credential in another form: Basic base64, Bearer, the URL's password."""
    import base64

    env = {
        "PREFECT_API_AUTH_STRING": "admin:s3cr3t-pw",
        "PREFECT_API_URL": "https://ops:url-pass@prefect.example.com/api",
    }
    basic = base64.b64encode(b"admin:s3cr3t-pw").decode()
    out = Output(secrets=credential_secrets(env))
    echoed = f"500: Authorization: Basic {basic}; url https://ops:url-pass@prefect.example.com"
    redacted = out.redact(echoed)
    assert basic not in redacted and "url-pass" not in redacted
    assert "Authorization: ***" in redacted
    key_out = Output(secrets=credential_secrets({"PREFECT_API_KEY": "pnu_abcdef\n"}))
    assert key_out.redact("Illegal header value b'Bearer pnu_abcdef\\n'") == (
        "Illegal header value b'***'"
    )


def test_run_main_config_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    def config_problem(out: Output) -> int:
        raise ConfigError("missing environment variable PREFECT_ECS_CLUSTER")

    assert run_main("op", {}, config_problem) == EXIT_CONFIG
    assert capsys.readouterr().err == (
        "prefect-ecs op: missing environment variable PREFECT_ECS_CLUSTER\n"
    )


def test_run_main_redacts_unexpected_errors(capsys: pytest.CaptureFixture[str]) -> None:
    def crash(out: Output) -> int:
        raise RuntimeError("boom with pnu_topsecret inside")

    assert run_main("op", {"PREFECT_API_KEY": "pnu_topsecret"}, crash) == EXIT_NOT_DONE
    captured = capsys.readouterr()
    assert "pnu_topsecret" not in captured.err + captured.out
    assert "prefect-ecs op: unexpected error: RuntimeError: boom with *** inside" in captured.err


def test_describe_error_and_auth_refusal() -> None:
    aws = ClientError(
        {"Error": {"Code": "ClusterNotFoundException", "Message": "Cluster not found."}},
        "ListTasks",
    )
    assert describe_error(aws) == "ClusterNotFoundException: Cluster not found."
    request = httpx.Request("GET", "http://x/api/work_pools/p")

    def status(code: int, text: str) -> httpx.HTTPStatusError:
        response = httpx.Response(code, text=text, request=request)
        return httpx.HTTPStatusError("refused", request=request, response=response)

    refused = status(401, '{"exception_message":"Unauthorized"}')
    assert is_auth_refusal(refused)
    assert describe_error(refused).startswith("HTTP 401 Unauthorized")
    assert is_auth_refusal(status(403, "Forbidden"))
    assert not is_auth_refusal(status(403, '{"detail":"Missing CSRF token."}'))
    assert not is_auth_refusal(status(500, "oops"))
    assert describe_error(ValueError("bad")) == "ValueError: bad"


@pytest.mark.parametrize("module", ["readiness", "drain"])
def test_a_credential_on_the_command_line_is_refused_unseen(
    module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect_ecs.ops import drain, readiness

    main = {"readiness": readiness.main, "drain": drain.main}[module]
    with pytest.raises(SystemExit) as exit_:
        main(["--api-key", "pnu_onthecommandline"])
    assert exit_.value.code == EXIT_CONFIG
    captured = capsys.readouterr()
    assert "pnu_onthecommandline" not in captured.out + captured.err
    assert "configuration comes only from environment variables" in captured.err


def test_credential_from_stdin_only_when_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import os

    from prefect_ecs.ops._common import adopt_stdin_credential

    # A copy: what the function puts into the environment goes away with the test.
    monkeypatch.setattr(
        os, "environ", {k: v for k, v in os.environ.items() if k != "PREFECT_API_KEY"}
    )
    monkeypatch.setattr("sys.stdin", io.StringIO('{"PREFECT_API_KEY": "pnu_from_stdin"}'))
    adopt_stdin_credential()
    assert "PREFECT_API_KEY" not in os.environ, "stdin is read only with the flag"
    os.environ["PREFECT_ECS_CREDENTIAL_FROM_STDIN"] = "1"
    adopt_stdin_credential()
    assert os.environ["PREFECT_API_KEY"] == "pnu_from_stdin"
    monkeypatch.setattr("sys.stdin", io.StringIO('{"AWS_SECRET_ACCESS_KEY": "sneaky"}'))
    with pytest.raises(SystemExit) as info:
        adopt_stdin_credential()
    assert "sneaky" not in str(info.value)
