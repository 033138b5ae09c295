"""The worker's container definition (pure)."""

from __future__ import annotations

import pytest

from prefect_ecs.documents.containers import (
    WORKER_CONTAINER_NAME,
    credential_secret,
    worker_container_definition,
)

pytestmark = pytest.mark.pure


SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prefect-abc"


@pytest.mark.parametrize(("kind", "env_name"), [("api_key", "PREFECT_API_KEY"),
                                                ("auth_string", "PREFECT_API_AUTH_STRING")])  # fmt: skip
def test_worker_container_passes_credential_only_as_secret(kind: str, env_name: str) -> None:
    c = worker_container_definition(
        image="prefecthq/prefect-aws:0.7.12-python3.12-prefect3.9.1",
        pool_name="etl",
        api_url="https://prefect.example.com/api",
        log_group_name="/prefect/worker",
        region="eu-west-1",
        secrets=[credential_secret(kind=kind, secret_arn=SECRET)],
        environment={"PREFECT_LOGGING_LEVEL": "DEBUG"},
    )
    assert c["name"] == WORKER_CONTAINER_NAME and c["essential"] is True
    assert c["command"] == ["prefect", "worker", "start", "--pool", "etl", "--type", "ecs",
                            "--no-create-pool-if-not-found", "--with-healthcheck"]  # fmt: skip
    assert c["environment"] == [
        {"name": "PREFECT_API_URL", "value": "https://prefect.example.com/api"},
        {"name": "PREFECT_LOGGING_LEVEL", "value": "DEBUG"},
    ]
    assert c["secrets"] == [{"name": env_name, "valueFrom": SECRET}]
    assert c["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/prefect/worker", "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "worker"},
    }  # fmt: skip
    assert "localhost:8080/health" in c["healthCheck"]["command"][1]


def test_worker_container_without_credential_has_no_secrets() -> None:
    c = worker_container_definition(
        image="i:1", pool_name="p", api_url="http://h/api", log_group_name="g", region="r"
    )
    assert c["secrets"] == []
    assert [e["name"] for e in c["environment"]] == ["PREFECT_API_URL"]
