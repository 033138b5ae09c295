"""The worker's container definition, as a plain dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

WORKER_CONTAINER_NAME = "prefect-worker"
#: The port of the worker's health endpoint (``--with-healthcheck``): Prefect's default
#: ``PREFECT_WORKER_WEBSERVER_PORT``, which the container's health check probes.
HEALTH_PORT = 8080
#: The worker settings that decide where the health endpoint listens.
WEBSERVER_PORT_ENV = "PREFECT_WORKER_WEBSERVER_PORT"
WEBSERVER_HOST_ENV = "PREFECT_WORKER_WEBSERVER_HOST"
#: Listen addresses the health check (``localhost`` inside the task) reaches.
LOCAL_LISTEN_HOSTS = ("0.0.0.0", "127.0.0.1", "localhost", "::")
#: Same probe prefect-aws's own CloudFormation template uses: the image has Python
#: but not curl.
HEALTH_CHECK = {
    "command": [
        "CMD-SHELL",
        'python -c "import urllib.request; urllib.request.urlopen('
        f"'http://localhost:{HEALTH_PORT}/health', timeout=5)\"",
    ],
    "interval": 30,
    "timeout": 5,
    "retries": 3,
    "startPeriod": 60,
}
SECRET_ENV_NAME = {"api_key": "PREFECT_API_KEY", "auth_string": "PREFECT_API_AUTH_STRING"}


def credential_secret(*, kind: str, secret_arn: str) -> dict[str, str]:
    """The container ``secrets`` entry that injects the Prefect credential from its ARN."""
    return {"name": SECRET_ENV_NAME[kind], "valueFrom": secret_arn}


def container_secrets(secrets: Mapping[str, str]) -> list[dict[str, str]]:
    """Container ``secrets`` entries for ``{env var name: secret or parameter ARN}``,
    sorted by name (ECS returns them so, and a stable order changes no revision)."""
    return [{"name": name, "valueFrom": secrets[name]} for name in sorted(secrets)]


def worker_command(pool_name: str) -> list[str]:
    """``prefect worker start`` for an ECS pool, with the health endpoint on.

    The worker never creates its pool: one that finds no pool (deleted by hand, between
    the delete and create of a replace, or not made yet with ``create_work_pool`` off)
    would create it with prefect-aws's bare defaults (no secret ARN, no logs, no task
    role), and flow runs would get the API key in plaintext. With
    ``--no-create-pool-if-not-found`` (Prefect 3.6.23 and later) it waits for the pool.
    """
    return [
        "prefect",
        "worker",
        "start",
        "--pool",
        pool_name,
        "--type",
        "ecs",
        "--no-create-pool-if-not-found",
        "--with-healthcheck",
    ]


def worker_container_definition(
    *,
    image: str,
    pool_name: str,
    api_url: str,
    log_group_name: str,
    region: str,
    secrets: Sequence[Mapping[str, str]] = (),
    environment: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Container definition of the worker: credentials only via ``secrets``
    (``{"name": <env var>, "valueFrom": <secret ARN>}`` entries)."""
    env = {"PREFECT_API_URL": api_url, **(environment or {})}
    definition: dict[str, Any] = {
        "name": WORKER_CONTAINER_NAME,
        "image": image,
        "essential": True,
        "command": worker_command(pool_name),
        "environment": [{"name": k, "value": str(v)} for k, v in sorted(env.items())],
        "secrets": [dict(entry) for entry in secrets],
        "portMappings": [{"containerPort": HEALTH_PORT, "protocol": "tcp"}],
        "healthCheck": HEALTH_CHECK,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": "worker",
            },
        },
    }
    return definition
