"""Deliver the flows: ``python -m prefect_ecs.ops.deliver create|delete``.

Run by a ``pulumi_command.local.Command`` on the deployer's machine. ``create`` builds and
pushes the flows' image and creates the deployments of a ``prefect.yaml`` with Prefect's
own ``prefect --no-prompt deploy --all``; ``delete`` deletes those deployments.

Configuration comes only from the environment (the credential arrives as a secret env
value; it is never on a command line, and every line written is redacted):

``PREFECT_API_URL``
    required (without it Prefect would deploy into a throwaway local server).
``PREFECT_API_KEY`` / ``PREFECT_API_AUTH_STRING``
    optional; Prefect's own settings read them, here and in ``prefect deploy``.
``PREFECT_ECS_WORK_POOL``
    required; every deployment of prefect.yaml must resolve to this pool (write
    ``work_pool.name: "{{ $PREFECT_ECS_WORK_POOL }}"``), checked before deploying.
``PREFECT_ECS_FLOWS_DIR``
    required; the directory with ``prefect.yaml``, where ``prefect deploy`` runs.
``PREFECT_ECS_IMAGE_REPOSITORY``
    the image repository the build step tags and pushes (``{{ $PREFECT_ECS_IMAGE_REPOSITORY }}``
    in prefect.yaml); when it is an ECR URL, ``create`` logs Docker in to ECR first.
``PREFECT_ECS_SKIP_IMAGE_BUILD``
    ``1``: deploy from a derived copy of prefect.yaml without ``build``/``push`` (and
    without the deployment fields that use their outputs), for machines without Docker;
    the deployments then use ``PREFECT_ECS_IMAGE``, or the pool's default image.
``PREFECT_ECS_IMAGE``
    with the skip only: the image the deployments run.
``PREFECT_ECS_SMOKE_RUN``
    optional ``<flow>/<deployment>`` (one of prefect.yaml's) to run once after the deploy;
    ``create`` fails unless it reaches Completed in time.
``PREFECT_ECS_TIMEOUT_SECONDS``
    the bound of the whole operation (default 600), the smoke run included.
AWS's own variables (``AWS_PROFILE``, ``AWS_REGION``, ...) reach boto3 for the ECR login.

Output: one JSON line on stdout when done (exit 0); messages on stderr. Exit codes: 0
done, 1 not done (the deploy failed, the API refused, the smoke run did not complete),
2 bad configuration (a missing or malformed variable, prefect.yaml that does not fit,
Docker not answering).

:func:`flows_digest` (the Command's trigger) is pure, and importing this module has no
side effects (Prefect, PyYAML and boto3 are imported when an operation runs).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from prefect_ecs.credentials import REDACTED, url_without_userinfo
from prefect_ecs.ops._common import (
    EXIT_CONFIG,
    EXIT_NOT_DONE,
    EXIT_OK,
    ConfigError,
    Output,
    adopt_stdin_credential,
    credential_secrets,
    describe_error,
    is_auth_refusal,
    prefect_client,
    run_main,
)

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "DeliverConfig",
    "DeliverError",
    "Target",
    "derive_without_build",
    "docker_missing_message",
    "ecr_registry",
    "flows_digest",
    "load_deliver_config",
    "main",
    "unset_env_placeholders",
]

DEFAULT_TIMEOUT_SECONDS = 600.0
PREFECT_FILE = "prefect.yaml"
#: Directories the digest skips besides dot-named ones (``.prefect`` is one of those).
SKIPPED_DIRS = frozenset({"__pycache__"})
USAGE = "usage: python -m prefect_ecs.ops.deliver create|delete"

_ENV_PLACEHOLDER = re.compile(r"\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ECR_URL = re.compile(
    r"^(?P<registry>(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)"
    r"\.amazonaws\.com(?:\.cn)?)(?:/(?P<repository>[a-z0-9._/-]+))?$"
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


class DeliverError(Exception):
    """The operation did not get done; the message says why (never a credential)."""


# --- triggers -------------------------------------------------------------------------


def _digest_files(root: Path) -> Iterator[tuple[str, Path]]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS]
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            yield path.relative_to(root).as_posix(), path


def flows_digest(directory: str | os.PathLike[str]) -> str:
    """sha256 (hex) over the sorted relative paths and contents of the files under
    ``directory``, skipping ``__pycache__`` and every dot-named file or directory
    (``.prefect``, ``.git``, editors' files). A renamed, added, removed or edited file
    changes it; nothing else does."""
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"not a directory: {root}")
    digest = hashlib.sha256()
    for rel, path in sorted(_digest_files(root)):
        content = path.read_bytes()
        name = rel.encode()
        # Length-prefixed, so no two different trees hash the same bytes.
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


# --- configuration --------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverConfig:
    """The environment contract, parsed."""

    api_url: str
    work_pool: str
    flows_dir: Path
    image_repository: str = ""
    skip_build: bool = False
    image: str = ""
    smoke_run: str = ""
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    secrets: tuple[str, ...] = field(default=(), repr=False)


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {env.get(name)!r}")


def load_deliver_config(env: Mapping[str, str], *, command: str) -> DeliverConfig:
    """Parse and check the environment for ``command`` (``create`` or ``delete``)."""
    required = ("PREFECT_API_URL", "PREFECT_ECS_WORK_POOL", "PREFECT_ECS_FLOWS_DIR")
    missing = [name for name in required if not env.get(name, "").strip()]
    if missing:
        raise ConfigError(
            "missing environment variable"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(missing)
        )
    flows_dir = Path(env["PREFECT_ECS_FLOWS_DIR"].strip()).expanduser().resolve()
    if not (flows_dir / PREFECT_FILE).is_file():
        raise ConfigError(f"PREFECT_ECS_FLOWS_DIR ({flows_dir}) has no {PREFECT_FILE}")
    raw_timeout = env.get("PREFECT_ECS_TIMEOUT_SECONDS", "").strip()
    timeout = DEFAULT_TIMEOUT_SECONDS
    if raw_timeout:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = -1.0
        if not 0 < timeout < float("inf"):
            raise ConfigError(
                f"PREFECT_ECS_TIMEOUT_SECONDS must be a number of seconds greater than 0, got {raw_timeout!r}"
            )
    repository = env.get("PREFECT_ECS_IMAGE_REPOSITORY", "").strip()
    if repository and ("@" in repository or ":" in repository.rsplit("/", 1)[-1]):
        raise ConfigError(
            f"PREFECT_ECS_IMAGE_REPOSITORY must be a repository without a tag or digest, got {repository!r}"
        )
    smoke = env.get("PREFECT_ECS_SMOKE_RUN", "").strip()
    if smoke and smoke.count("/") != 1:
        raise ConfigError(f"PREFECT_ECS_SMOKE_RUN must be <flow>/<deployment>, got {smoke!r}")
    return DeliverConfig(
        api_url=env["PREFECT_API_URL"].strip(),
        work_pool=env["PREFECT_ECS_WORK_POOL"].strip(),
        flows_dir=flows_dir,
        image_repository=repository,
        skip_build=_flag(env, "PREFECT_ECS_SKIP_IMAGE_BUILD") if command == "create" else True,
        image=env.get("PREFECT_ECS_IMAGE", "").strip(),
        smoke_run=smoke if command == "create" else "",
        timeout_seconds=timeout,
        secrets=credential_secrets(env),
    )


def _safe_url(url: str) -> str:
    """The API URL with its userinfo part masked (a URL may carry one)."""
    return url_without_userinfo(url, mark=REDACTED + "@")


# --- prefect.yaml ---------------------------------------------------------------------


def load_prefect_yaml(flows_dir: Path) -> dict[str, Any]:
    """prefect.yaml as a dict (PyYAML, as Prefect reads it)."""
    import yaml

    path = flows_dir / PREFECT_FILE
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a mapping")
    deployments = data.get("deployments")
    if not isinstance(deployments, list) or not deployments:
        raise ConfigError(f"{path} has no deployments")
    if not all(isinstance(d, dict) for d in deployments):
        raise ConfigError(f"{path}: every entry of deployments must be a mapping")
    return data


def _step_ids(steps: Any) -> set[str]:
    ids: set[str] = set()
    for step in steps or []:
        if isinstance(step, dict):
            for inputs in step.values():
                if isinstance(inputs, dict) and isinstance(inputs.get("id"), str):
                    ids.add(inputs["id"])
    return ids


def _uses_steps(value: Any, ids: set[str]) -> bool:
    return isinstance(value, str) and any(
        re.search(r"\{\{\s*" + re.escape(i) + r"\.", value) for i in ids
    )


def _without_step_refs(value: Any, ids: set[str]) -> Any:
    """``value`` without the strings (mapping entries, list items) that use a step's
    output; the mappings and lists around them stay."""
    if isinstance(value, dict):
        return {k: _without_step_refs(v, ids) for k, v in value.items() if not _uses_steps(v, ids)}
    if isinstance(value, list):
        return [_without_step_refs(v, ids) for v in value if not _uses_steps(v, ids)]
    return value


def derive_without_build(data: Mapping[str, Any], image: str = "") -> dict[str, Any]:
    """prefect.yaml without ``build``/``push`` (top level and per deployment), and
    without the deployment fields that use those steps' outputs (``{{ build_image.image }}``).
    With ``image``, every deployment's ``job_variables.image`` is set to it; without,
    the deployments keep a literal image of their own or use the pool's default."""
    derived = copy.deepcopy(dict(data))
    ids = _step_ids(derived.pop("build", None)) | _step_ids(derived.pop("push", None))
    deployments = []
    for deployment in derived.get("deployments") or []:
        deployment = dict(deployment)
        ids |= _step_ids(deployment.pop("build", None)) | _step_ids(deployment.pop("push", None))
        deployments.append(deployment)
    result: list[dict[str, Any]] = []
    for deployment in deployments:
        pull = deployment.pop("pull", None)
        cleaned = _without_step_refs(deployment, ids)
        if pull is not None:
            cleaned["pull"] = pull
        if image:
            pool = cleaned.get("work_pool")
            pool = dict(pool) if isinstance(pool, dict) else {}
            variables = pool.get("job_variables")
            variables = dict(variables) if isinstance(variables, dict) else {}
            variables["image"] = image
            pool["job_variables"] = variables
            cleaned["work_pool"] = pool
        result.append(cleaned)
    derived["deployments"] = result
    return derived


def unset_env_placeholders(data: Any, env: Mapping[str, str]) -> list[str]:
    """The ``{{ $VAR }}`` names in ``data`` that ``env`` does not set (sorted). Prefect
    leaves those as literal text in a deployment, or empties them in a step."""
    found = set(_ENV_PLACEHOLDER.findall(json.dumps(data, default=str)))
    return sorted(name for name in found if not env.get(name))


def _resolve_env(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _ENV_PLACEHOLDER.sub(lambda m: env.get(m.group(1), m.group(0)), value)
    return value


@dataclass(frozen=True)
class Target:
    """One deployment of prefect.yaml: ``flow/deployment`` and the pool it names."""

    flow: str
    name: str
    work_pool: str

    @property
    def full_name(self) -> str:
        return f"{self.flow}/{self.name}"


def _flow_name(entrypoint: str, flows_dir: Path) -> str:
    """The flow's name as Prefect derives it, from the source (nothing is imported)."""
    from prefect.flows import load_flow_arguments_from_entrypoint

    if ":" in entrypoint:
        path, func = entrypoint.rsplit(":", 1)
        entrypoint = f"{(flows_dir / path).resolve()}:{func}"
    try:
        name = load_flow_arguments_from_entrypoint(entrypoint, arguments={"name"}).get("name")
    except Exception as exc:
        raise ConfigError(
            f"cannot read the flow of entrypoint {entrypoint!r}: {describe_error(exc)}"
        ) from None
    if not name:
        raise ConfigError(f"no flow found at entrypoint {entrypoint!r}")
    return str(name)


def deployment_targets(
    data: Mapping[str, Any], flows_dir: Path, env: Mapping[str, str]
) -> list[Target]:
    """The deployments prefect.yaml names, with ``{{ $VAR }}`` resolved from ``env``."""
    targets = []
    for index, deployment in enumerate(data.get("deployments") or []):
        name = _resolve_env(deployment.get("name"), env)
        entrypoint = _resolve_env(deployment.get("entrypoint"), env)
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{PREFECT_FILE}: deployments[{index}] has no name")
        if not isinstance(entrypoint, str) or not entrypoint:
            raise ConfigError(f"{PREFECT_FILE}: deployment {name!r} has no entrypoint")
        pool = deployment.get("work_pool")
        pool_name = _resolve_env(pool.get("name"), env) if isinstance(pool, dict) else None
        targets.append(
            Target(
                flow=_flow_name(entrypoint, flows_dir),
                name=name,
                work_pool=pool_name if isinstance(pool_name, str) else "",
            )
        )
    return targets


def check_pools(targets: Sequence[Target], work_pool: str) -> None:
    """Every deployment must go to ``work_pool`` (the pool the stack's worker polls)."""
    wrong = [t for t in targets if t.work_pool != work_pool]
    if wrong:
        listed = ", ".join(f"{t.full_name} -> {t.work_pool or '(none)'!r}" for t in wrong)
        raise ConfigError(
            f"{PREFECT_FILE} sends deployments to another pool than PREFECT_ECS_WORK_POOL "
            f"({work_pool!r}): {listed}; write work_pool.name: "
            '"{{ $PREFECT_ECS_WORK_POOL }}" in each deployment'
        )


# --- Docker and ECR -------------------------------------------------------------------


def docker_missing_message(detail: str) -> str:
    """What to do when no Docker daemon answers (``detail``: what ``docker info`` said)."""
    return (
        f"Docker is not available on this machine ({detail.strip() or 'no answer'}). "
        "Building the flows' image needs a running Docker daemon: start Docker "
        "(Docker Desktop, or `sudo systemctl start docker`) and run again, or set "
        "PREFECT_ECS_SKIP_IMAGE_BUILD=1 to deploy without building an image (the "
        "deployments then run PREFECT_ECS_IMAGE, or the work pool's default image)."
    )


def check_docker(env: Mapping[str, str], timeout: float) -> str:
    """The Docker server's version; raise ConfigError with what to do when none answers."""
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=min(timeout, 30.0),
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(docker_missing_message("the docker CLI is not installed")) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(docker_missing_message("`docker info` did not answer")) from None
    version = result.stdout.strip()
    if result.returncode != 0 or not version:
        lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
        detail = lines[-1] if lines else f"`docker info` exited {result.returncode}"
        raise ConfigError(docker_missing_message(detail))
    return version


def ecr_registry(repository: str) -> dict[str, str] | None:
    """``registry``, ``account``, ``region`` of an ECR repository URL, or None."""
    match = _ECR_URL.match(repository.removeprefix("https://"))
    if not match:
        return None
    return {k: match.group(k) for k in ("registry", "account", "region")}


def ecr_login(repository: str, env: Mapping[str, str], out: Output, timeout: float) -> bool:
    """Log Docker in to the repository's ECR registry (boto3's authorization token, the
    password only on ``docker login``'s stdin). False when the repository is not ECR."""
    ecr = ecr_registry(repository)
    if ecr is None:
        return False
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ConfigError(
            f"logging in to ECR ({ecr['registry']}) needs boto3: pip install boto3"
        ) from None
    try:
        client = boto3.client(
            "ecr",
            region_name=ecr["region"],
            config=Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 3}),
        )
        data = client.get_authorization_token(registryIds=[ecr["account"]])["authorizationData"][0]
        user, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    except Exception as exc:
        raise DeliverError(
            f"cannot get an ECR authorization token for {ecr['registry']} "
            f"(AWS credentials from AWS_PROFILE / AWS_* variables): {describe_error(exc)}"
        ) from None
    out.secrets = (password, *out.secrets)
    try:
        result = subprocess.run(
            ["docker", "login", "--username", user, "--password-stdin", ecr["registry"]],
            input=password,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=min(timeout, 60.0),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeliverError(
            f"docker login to {ecr['registry']} failed: {describe_error(exc)}"
        ) from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout or "").strip().splitlines()
        detail = out.redact(lines[-1] if lines else f"exit {result.returncode}")
        raise DeliverError(f"docker login to {ecr['registry']} failed: {detail}")
    out.err(f"prefect-ecs deliver: logged Docker in to {ecr['registry']}")
    return True


# --- prefect deploy -------------------------------------------------------------------


def deploy_env(env: Mapping[str, str], work_pool: str) -> dict[str, str]:
    """The environment of ``prefect deploy``: the caller's, with the pool as Prefect's
    default pool too (a profile's default pool must not redirect a single deployment),
    prompts off, and wide unbuffered output for the log."""
    child = dict(env)
    child.update(
        PREFECT_ECS_WORK_POOL=work_pool,
        PREFECT_DEPLOYMENTS_DEFAULT_WORK_POOL_NAME=work_pool,
        PREFECT_DEFAULT_WORK_POOL_NAME=work_pool,
        PREFECT_CLI_PROMPT="false",
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    return child


def run_prefect_deploy(
    flows_dir: Path,
    prefect_file: Path,
    env: Mapping[str, str],
    out: Output,
    timeout: float,
) -> None:
    """``prefect --no-prompt deploy --all`` in ``flows_dir`` with this Python; its output
    goes to stderr line by line, redacted."""
    cmd = [
        sys.executable,
        "-m",
        "prefect",
        "--no-prompt",
        "deploy",
        "--all",
        "--prefect-file",
        str(prefect_file),
    ]
    tail: deque[str] = deque(maxlen=12)
    proc = subprocess.Popen(
        cmd,
        cwd=flows_dir,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line.strip(" │╭╮╰╯─"):
                tail.append(out.redact(line.strip(" │")))
            out.err(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        raise DeliverError(f"prefect deploy did not finish within {timeout:.0f}s") from None
    reader.join(timeout=5)
    if code != 0:
        raise DeliverError(f"prefect deploy exited {code}: " + " | ".join(tail))


# --- the API --------------------------------------------------------------------------


def _api_error(exc: BaseException, api_url: str, doing: str) -> DeliverError:
    if is_auth_refusal(exc):
        return DeliverError(
            f"the Prefect API at {_safe_url(api_url)} refused the credential while {doing}: "
            "check PREFECT_API_KEY or PREFECT_API_AUTH_STRING"
        )
    return DeliverError(
        f"the Prefect API at {_safe_url(api_url)} failed while {doing}: {describe_error(exc)}"
    )


def check_pool(cfg: DeliverConfig) -> None:
    """The pool exists and the credential is accepted (before building anything)."""
    from prefect.exceptions import ObjectNotFound

    try:
        with prefect_client() as client:
            client.read_work_pool(cfg.work_pool)
    except ObjectNotFound:
        raise DeliverError(
            f"work pool {cfg.work_pool!r} does not exist at {_safe_url(cfg.api_url)} "
            "(is the stack that creates it up?)"
        ) from None
    except Exception as exc:
        raise _api_error(exc, cfg.api_url, f"reading work pool {cfg.work_pool!r}") from None


def read_deployments(cfg: DeliverConfig, targets: Sequence[Target]) -> list[dict[str, Any]]:
    """Each target as the API has it now (after the deploy): name, id, pool, image."""
    found = []
    try:
        with prefect_client() as client:
            for target in targets:
                deployment = client.read_deployment_by_name(target.full_name)
                if deployment.work_pool_name != cfg.work_pool:
                    raise DeliverError(
                        f"deployment {target.full_name} is on pool "
                        f"{deployment.work_pool_name!r}, not {cfg.work_pool!r}"
                    )
                variables = deployment.job_variables or {}
                found.append(
                    {
                        "name": target.full_name,
                        "id": str(deployment.id),
                        "work_pool": deployment.work_pool_name,
                        "image": variables.get("image"),
                    }
                )
    except DeliverError:
        raise
    except Exception as exc:
        raise _api_error(exc, cfg.api_url, "reading the deployments back") from None
    return found


def _run_logs(flow_run_id: Any, limit: int = 10) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with contextlib.suppress(Exception), prefect_client() as client:
        logs = client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])), limit=200
        )
        return [log.message for log in logs][-limit:]
    return []


def _cancel(flow_run_id: Any, state_type: str) -> str:
    """Cancel a smoke run that ran out of time, so it does not run later unobserved: a
    run not started yet is Cancelled, one under way is Cancelling (its worker stops it)."""
    from prefect.states import Cancelled, Cancelling

    state = Cancelled if state_type in ("SCHEDULED", "PENDING", "PAUSED", "") else Cancelling
    try:
        with prefect_client() as client:
            client.set_flow_run_state(
                flow_run_id, state(message="prefect-ecs deliver: smoke run timed out"), force=True
            )
    except Exception as exc:
        return f"; cancelling it failed: {describe_error(exc)}"
    return f"; set it {state().name}"


def smoke_run(cfg: DeliverConfig, timeout: float) -> dict[str, Any]:
    """Run ``cfg.smoke_run`` once and wait (bounded) for Completed."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    started = time.monotonic()
    try:
        flow_run = cast(
            FlowRun,
            run_deployment(cfg.smoke_run, timeout=timeout, poll_interval=2, as_subflow=False),
        )
    except Exception as exc:
        raise _api_error(exc, cfg.api_url, f"starting the smoke run of {cfg.smoke_run}") from None
    state = flow_run.state
    result = {
        "deployment": cfg.smoke_run,
        "flow_run_id": str(flow_run.id),
        "state": state.name if state else None,
        "seconds": round(time.monotonic() - started, 1),
    }
    if state is not None and state.is_completed():
        return result
    if state is not None and state.is_final():
        why = f"ended {state.name}" + (f": {state.message}" if state.message else "")
    else:
        name = state.name if state else "unknown"
        why = f"is still {name} after {timeout:.0f}s" + (
            f" ({state.message})" if state and state.message else ""
        )
        why += _cancel(flow_run.id, state.type.value if state else "")
    logs = _run_logs(flow_run.id)
    raise DeliverError(
        f"smoke run {flow_run.name} ({flow_run.id}) of {cfg.smoke_run} {why}"
        + (" | last logs: " + " | ".join(logs) if logs else "")
    )


# --- the operations -------------------------------------------------------------------


class _Clock:
    def __init__(self, total: float) -> None:
        self.start = time.monotonic()
        self.total = total

    def left(self, doing: str) -> float:
        left = self.total - (time.monotonic() - self.start)
        if left <= 0:
            raise DeliverError(
                f"PREFECT_ECS_TIMEOUT_SECONDS ({self.total:.0f}) ran out before {doing}"
            )
        return left

    def seconds(self) -> float:
        return round(time.monotonic() - self.start, 1)


def create(cfg: DeliverConfig, env: Mapping[str, str], out: Output) -> dict[str, Any]:
    """Build, push and deploy; return the JSON line's value."""
    clock = _Clock(cfg.timeout_seconds)
    data = load_prefect_yaml(cfg.flows_dir)
    effective = derive_without_build(data, cfg.image) if cfg.skip_build else data
    child_env = deploy_env(env, cfg.work_pool)
    unset = unset_env_placeholders(effective, child_env)
    if unset:
        raise ConfigError(
            f"{PREFECT_FILE} uses environment variables that are not set: {', '.join(unset)}"
        )
    targets = deployment_targets(effective, cfg.flows_dir, child_env)
    check_pools(targets, cfg.work_pool)
    if cfg.smoke_run and cfg.smoke_run not in {t.full_name for t in targets}:
        raise ConfigError(
            f"PREFECT_ECS_SMOKE_RUN ({cfg.smoke_run}) is none of {PREFECT_FILE}'s deployments: "
            + ", ".join(t.full_name for t in targets)
        )
    builds = any(d.get("build") for d in [effective, *effective["deployments"]])
    if builds or any(d.get("push") for d in [effective, *effective["deployments"]]):
        version = check_docker(env, clock.left("checking Docker"))
        out.err(f"prefect-ecs deliver: Docker {version} answers")
        if cfg.image_repository:
            ecr_login(cfg.image_repository, env, out, clock.left("logging in to ECR"))
    check_pool(cfg)
    digest = flows_digest(cfg.flows_dir)
    if cfg.skip_build:
        import yaml

        with tempfile.TemporaryDirectory(prefix="prefect-ecs-deliver-") as tmp:
            derived = Path(tmp) / PREFECT_FILE
            derived.write_text(yaml.safe_dump(effective, sort_keys=False))
            run_prefect_deploy(
                cfg.flows_dir, derived, child_env, out, clock.left("running prefect deploy")
            )
    else:
        run_prefect_deploy(
            cfg.flows_dir,
            cfg.flows_dir / PREFECT_FILE,
            child_env,
            out,
            clock.left("running prefect deploy"),
        )
    deployments = read_deployments(cfg, targets)
    smoke = smoke_run(cfg, clock.left("the smoke run")) if cfg.smoke_run else None
    return {
        "action": "create",
        "work_pool": cfg.work_pool,
        "deployments": deployments,
        "image_built": builds,
        "flows_digest": digest,
        "smoke_run": smoke,
        "seconds": clock.seconds(),
    }


def delete(cfg: DeliverConfig, env: Mapping[str, str], out: Output) -> dict[str, Any]:
    """Delete prefect.yaml's deployments on the pool; those already gone are fine. A
    deployment of the same name on another pool is left alone (and listed)."""
    from prefect.exceptions import ObjectNotFound

    clock = _Clock(cfg.timeout_seconds)
    targets = deployment_targets(
        load_prefect_yaml(cfg.flows_dir), cfg.flows_dir, deploy_env(env, cfg.work_pool)
    )
    deleted: list[dict[str, str]] = []
    gone: list[str] = []
    other_pool: list[dict[str, str]] = []
    try:
        with prefect_client() as client:
            for target in targets:
                clock.left(f"deleting {target.full_name}")
                try:
                    deployment = client.read_deployment_by_name(target.full_name)
                except ObjectNotFound:
                    gone.append(target.full_name)
                    continue
                if deployment.work_pool_name != cfg.work_pool:
                    other_pool.append(
                        {"name": target.full_name, "work_pool": str(deployment.work_pool_name)}
                    )
                    continue
                try:
                    client.delete_deployment(deployment.id)
                except ObjectNotFound:
                    gone.append(target.full_name)
                    continue
                deleted.append({"name": target.full_name, "id": str(deployment.id)})
                out.err(f"prefect-ecs deliver: deleted deployment {target.full_name}")
    except DeliverError:
        raise
    except Exception as exc:
        raise _api_error(exc, cfg.api_url, "deleting the deployments") from None
    return {
        "action": "delete",
        "work_pool": cfg.work_pool,
        "deleted": deleted,
        "already_gone": gone,
        "left_on_other_pool": other_pool,
        "seconds": clock.seconds(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``create`` or ``delete`` with the process's environment; returns the exit code."""
    adopt_stdin_credential()
    args = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ)
    if len(args) != 1 or args[0] not in ("create", "delete"):
        print(USAGE, file=sys.stderr)
        return EXIT_CONFIG
    command = args[0]

    def body(out: Output) -> int:
        cfg = load_deliver_config(environ, command=command)
        operation = create if command == "create" else delete
        try:
            line = operation(cfg, environ, out)
        except DeliverError as exc:
            out.err(f"prefect-ecs deliver {command}: {exc}")
            return EXIT_NOT_DONE
        out.json_line(line)
        return EXIT_OK

    return run_main(f"deliver {command}", environ, body)


if __name__ == "__main__":
    sys.exit(main())
