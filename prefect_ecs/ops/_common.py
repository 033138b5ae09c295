"""What the operations share: the environment contract, error text, clients, output.

Configuration comes only from environment variables (a ``pulumi_command.local.Command``
passes the credential as a secret env value). Every line an operation writes goes
through :func:`Output.redact`, which removes the credential's value (and the password
half of an auth string) from it, so no message, error or log line repeats it.

Exit codes shared by the operations: 0 done, 1 not done (not ready, tasks left
running, an unexpected error), 2 bad configuration (a missing or malformed variable).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..credentials import credential_forms, scrub
from ..documents.commands import CREDENTIAL_ENV, CREDENTIAL_STDIN_FLAG

__all__ = [
    "CREDENTIAL_VARS",
    "DEFAULT_POLL_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "EXIT_CONFIG",
    "EXIT_NOT_DONE",
    "EXIT_OK",
    "ConfigError",
    "OpsConfig",
    "Output",
    "aws_client",
    "aws_error_code",
    "describe_error",
    "is_auth_refusal",
    "load_config",
    "parser",
    "prefect_client",
    "run_main",
]

EXIT_OK = 0
EXIT_NOT_DONE = 1
EXIT_CONFIG = 2

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_POLL_SECONDS = 5.0

#: Read by Prefect's own settings; named here only to redact them and to say which is used.
CREDENTIAL_VARS = tuple(CREDENTIAL_ENV.values())


class ConfigError(Exception):
    """A missing or malformed environment variable; the message names it, never a value
    of a credential."""


@dataclass(frozen=True)
class OpsConfig:
    """The environment contract, parsed. ``secrets`` are the values to redact."""

    api_url: str
    cluster: str
    work_pool: str
    service: str = ""
    log_group: str = ""
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    poll_seconds: float = DEFAULT_POLL_SECONDS
    auth_mode: str = "no credential"
    secrets: tuple[str, ...] = field(default=(), repr=False)


#: Each variable an operation may need and its field in OpsConfig.
_FIELDS = {
    "PREFECT_API_URL": "api_url",
    "PREFECT_ECS_CLUSTER": "cluster",
    "PREFECT_ECS_WORK_POOL": "work_pool",
    "PREFECT_ECS_SERVICE": "service",
    "PREFECT_ECS_WORKER_LOG_GROUP": "log_group",
}


def _seconds(env: Mapping[str, str], name: str, default: float, *, positive: bool) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value != value or value < 0 or (positive and value == 0) or value == float("inf"):
        bound = "greater than 0" if positive else "0 or more"
        raise ConfigError(f"{name} must be {bound} seconds, got {raw!r}")
    return value


def credential_secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    """The texts no output may contain: every form of each credential (raw, Bearer,
    base64 Basic, an auth string's password, the API URL's userinfo), longest first."""
    return credential_forms(
        api_key=env.get(CREDENTIAL_ENV["api_key"]),
        auth_string=env.get(CREDENTIAL_ENV["auth_string"]),
        urls=[env.get("PREFECT_API_URL")],
    )


def load_config(env: Mapping[str, str], required: tuple[str, ...]) -> OpsConfig:
    """Parse the environment; ``required`` names the variables this operation needs.

    ``PREFECT_API_KEY`` / ``PREFECT_API_AUTH_STRING`` are optional (a self-hosted server
    may run without auth); Prefect's client reads them itself.
    """
    missing = [name for name in required if not env.get(name, "").strip()]
    if missing:
        raise ConfigError(
            "missing environment variable"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(missing)
        )
    values: dict[str, Any] = {
        attr: env.get(name, "").strip() for name, attr in _FIELDS.items() if name in required
    }
    if env.get("PREFECT_API_KEY"):
        mode = "PREFECT_API_KEY"
    elif env.get("PREFECT_API_AUTH_STRING"):
        mode = "PREFECT_API_AUTH_STRING"
    else:
        mode = "no credential"
    return OpsConfig(
        api_url=values.get("api_url", ""),
        cluster=values.get("cluster", ""),
        work_pool=values.get("work_pool", ""),
        service=values.get("service", ""),
        log_group=values.get("log_group", ""),
        timeout_seconds=_seconds(
            env, "PREFECT_ECS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, positive=False
        ),
        poll_seconds=_seconds(env, "PREFECT_ECS_POLL_SECONDS", DEFAULT_POLL_SECONDS, positive=True),
        auth_mode=mode,
        secrets=credential_secrets(env),
    )


class _QuietParser(argparse.ArgumentParser):
    """Never echoes the command line: a credential pasted there stays out of the log."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(
            EXIT_CONFIG,
            f"{self.prog}: unexpected arguments (not shown); configuration comes only from "
            "environment variables, see --help\n",
        )


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The entry point's argument parser (``--help``, and ``--dry-run`` for drain)."""
    return _QuietParser(prog=prog, description=description)


# --- error text -----------------------------------------------------------------------


def aws_error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (``ClusterNotFoundException``), or None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of an httpx.HTTPStatusError (Prefect's client raises these)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def is_auth_refusal(exc: BaseException) -> bool:
    """True for a 401, or a 403 that is not a CSRF token problem."""
    status = http_status(exc)
    if status == 401:
        return True
    if status == 403:
        return "csrf" not in _response_text(exc).lower()
    return False


def _response_text(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    try:
        return str(getattr(response, "text", ""))[:300]
    except Exception:
        return ""


def describe_error(exc: BaseException) -> str:
    """One line about an error: the AWS code and message, the HTTP status and the API's
    detail, or the exception's type and text (callers redact it on output)."""
    code = aws_error_code(exc)
    if code:
        message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
        return f"{code}: {message}".strip().rstrip(":")
    status = http_status(exc)
    if status is not None:
        detail = _response_text(exc).strip().replace("\n", " ")
        reason = getattr(getattr(exc, "response", None), "reason_phrase", "")
        return f"HTTP {status} {reason}".strip() + (f": {detail}" if detail else "")
    text = str(exc).strip().replace("\n", " ")[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- output ---------------------------------------------------------------------------


@dataclass
class Output:
    """Writes lines to stdout/stderr with every credential value replaced by ``***``."""

    secrets: tuple[str, ...] = ()
    stdout: TextIO | None = None
    stderr: TextIO | None = None

    def redact(self, text: str) -> str:
        return scrub(text, self.secrets)

    def json_line(self, value: Mapping[str, Any]) -> None:
        stream = self.stdout or sys.stdout
        print(self.redact(json.dumps(value, sort_keys=False, default=str)), file=stream)
        stream.flush()

    def err(self, text: str) -> None:
        stream = self.stderr or sys.stderr
        print(self.redact(text), file=stream)
        stream.flush()


def run_main(
    op: str,
    env: Mapping[str, str],
    body: Callable[[Output], int],
) -> int:
    """Run ``body`` with an Output that redacts the credentials of ``env``; a
    ConfigError exits 2 and any other error 1, each as one redacted line without a
    traceback (a traceback could carry a request's text)."""
    out = Output(secrets=credential_secrets(env))
    try:
        return body(out)
    except ConfigError as exc:
        out.err(f"prefect-ecs {op}: {exc}")
        return EXIT_CONFIG
    except KeyboardInterrupt:
        out.err(f"prefect-ecs {op}: interrupted")
        return EXIT_NOT_DONE
    except Exception as exc:
        out.err(f"prefect-ecs {op}: unexpected error: {describe_error(exc)}")
        return EXIT_NOT_DONE


#: With CREDENTIAL_STDIN_FLAG set (the component's commands), the credential arrives on
#: stdin, not in the environment (Pulumi records a command's whole environment as one
#: secret once any value in it is secret; stdin keeps the secret apart).


def adopt_stdin_credential() -> None:
    """With ``PREFECT_ECS_CREDENTIAL_FROM_STDIN=1``, read one JSON object from stdin
    (``{"PREFECT_API_KEY": ...}`` or ``{"PREFECT_API_AUTH_STRING": ...}``) into this
    process's environment, where Prefect's settings (and child processes) read it.
    Anything else on stdin is refused without repeating it."""
    if os.environ.get(CREDENTIAL_STDIN_FLAG) != "1":
        return
    try:
        given = json.loads(sys.stdin.read() or "{}")
    except ValueError:
        raise SystemExit(
            f"prefect-ecs: {CREDENTIAL_STDIN_FLAG} is set but stdin is not a JSON object"
        ) from None
    if not isinstance(given, dict) or not set(given) <= set(CREDENTIAL_VARS):
        raise SystemExit(
            f"prefect-ecs: stdin must hold only {' or '.join(CREDENTIAL_VARS)} (a JSON object)"
        )
    os.environ.update({k: str(v) for k, v in given.items() if v})


# --- clients --------------------------------------------------------------------------


def aws_client(service: str) -> Any:
    """A boto3 client configured by the SDK's own environment (AWS_DEFAULT_REGION or a
    profile's region, AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS, the credential chain), with
    short timeouts so one poll cannot outlast the operation's bound by much.

    botocore reads the region from AWS_DEFAULT_REGION only; AWS_REGION (what the other
    SDKs and the Command's environment use) is the fallback when nothing else sets one.
    """
    import os

    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    region = session.region_name or os.environ.get("AWS_REGION") or None
    return session.client(
        service,
        region_name=region,
        config=Config(
            connect_timeout=5,
            read_timeout=15,
            # The attempts stay the SDK's (AWS_MAX_ATTEMPTS, a profile's max_attempts; 3).
            retries={"mode": "standard"},
        ),
    )


@contextmanager
def prefect_client(request_timeout_seconds: float = 15.0) -> Iterator[Any]:
    """Prefect's synchronous client as ``prefect.get_client`` builds it from the
    environment (PREFECT_API_URL, PREFECT_API_KEY or PREFECT_API_AUTH_STRING), with the
    client's own retries off (the operations poll, bounded) and a request timeout."""
    import httpx
    from prefect import get_client
    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    with (
        temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}),
        get_client(
            httpx_settings={"timeout": httpx.Timeout(request_timeout_seconds)},
            sync_client=True,
        ) as client,
    ):
        yield client
