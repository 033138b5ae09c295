"""deliver against a real local Prefect server: ``python -m prefect_ecs.ops.deliver`` as the
Command runs it (a process with a clean environment), Prefect's own ``prefect deploy``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefect_ecs_tooling.local_prefect import PrefectServerHandle
from tests.support import ROOT

pytestmark = pytest.mark.server

FLOWS = ROOT / "flows"
DEPLOYMENT = "my-flow/my-ecs-deployment"


def as_proposed(data: dict[str, Any]) -> dict[str, Any]:
    """flows/prefect.yaml with the pool and the repository from the environment (what the
    report asks of flows/prefect.yaml; a no-op once the file says so itself)."""
    for step in data.get("build") or []:
        for inputs in step.values():
            if "image_name" in inputs:
                inputs["image_name"] = "{{ $PREFECT_ECS_IMAGE_REPOSITORY }}"
    for deployment in data["deployments"]:
        deployment["work_pool"]["name"] = "{{ $PREFECT_ECS_WORK_POOL }}"
    return data


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    """A copy of flows/ (the guide's flow and prefect.yaml) with the proposed prefect.yaml."""
    root = shutil.copytree(FLOWS, tmp_path / "flows", ignore=shutil.ignore_patterns("__pycache__"))
    data = yaml.safe_load((root / "prefect.yaml").read_text())
    (root / "prefect.yaml").write_text(yaml.safe_dump(as_proposed(data), sort_keys=False))
    return root


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """What a Command passes: PATH, a home, the contract's variables; nothing of ours."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PREFECT_HOME": str(home / ".prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.update(values)
    return env


def deliver(
    command: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prefect_ecs.ops.deliver", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def json_line(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = result.stdout.splitlines()
    value = json.loads(line)
    assert isinstance(value, dict)
    return value


@pytest.fixture
def pool(prefect_server: PrefectServerHandle) -> Iterator[str]:
    """An "ecs" pool made through the client (the server takes the type without
    prefect-aws; deploy reads only its base job template)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    name = f"deliver-{uuid.uuid4().hex[:8]}"
    with (
        temporary_settings({PREFECT_API_URL: prefect_server.api_url}),
        get_client(sync_client=True) as client,
    ):
        client.create_work_pool(WorkPoolCreate(name=name, type="ecs"))
        yield name
        client.delete_work_pool(name)


def read_deployment(api_url: str, name: str) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(name)
        except ObjectNotFound:
            return None


def test_create_is_idempotent_smoke_run_bounded_delete_idempotent(
    prefect_server: PrefectServerHandle, pool: str, flows: Path, tmp_path: Path
) -> None:
    env = clean_env(
        tmp_path,
        PREFECT_API_URL=prefect_server.api_url,
        PREFECT_ECS_WORK_POOL=pool,
        PREFECT_ECS_FLOWS_DIR=str(flows),
        PREFECT_ECS_SKIP_IMAGE_BUILD="1",
        PREFECT_ECS_IMAGE="public.ecr.aws/example/flows:1",
    )
    before = (flows / "prefect.yaml").read_text()
    first = json_line(deliver("create", env))
    assert first["action"] == "create" and first["image_built"] is False
    (made,) = first["deployments"]
    assert made["name"] == DEPLOYMENT and made["work_pool"] == pool
    assert made["image"] == "public.ecr.aws/example/flows:1"
    assert first["smoke_run"] is None and first["seconds"] > 0
    from prefect_ecs.ops.deliver import flows_digest

    assert first["flows_digest"] == flows_digest(flows)
    assert (flows / "prefect.yaml").read_text() == before  # the user's file is untouched

    server_side = read_deployment(prefect_server.api_url, DEPLOYMENT)
    assert str(server_side.id) == made["id"] and server_side.work_pool_name == pool
    assert server_side.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "/opt/prefect/flows"}}
    ]

    # Again, now with a smoke run that cannot complete (no worker polls the pool): the
    # deployment is the same one, the run is cancelled, and create fails with its state.
    smoke_env = {**env, "PREFECT_ECS_SMOKE_RUN": DEPLOYMENT, "PREFECT_ECS_TIMEOUT_SECONDS": "12"}
    second = deliver("create", smoke_env)
    assert second.returncode == 1, second.stderr[-2000:]
    assert second.stdout == ""
    assert f"of {DEPLOYMENT} is still Scheduled after" in second.stderr
    assert "set it Cancelled" in second.stderr
    assert str(read_deployment(prefect_server.api_url, DEPLOYMENT).id) == made["id"]

    gone = json_line(deliver("delete", env))
    assert gone["deleted"] == [{"name": DEPLOYMENT, "id": made["id"]}]
    assert read_deployment(prefect_server.api_url, DEPLOYMENT) is None
    again = json_line(deliver("delete", env))
    assert again["deleted"] == [] and again["already_gone"] == [DEPLOYMENT]


def test_a_wrong_auth_string_fails_and_is_never_shown(
    prefect_auth_server: PrefectServerHandle, flows: Path, tmp_path: Path
) -> None:
    wrong = f"admin:wrong-{uuid.uuid4().hex}"
    env = clean_env(
        tmp_path,
        PREFECT_API_URL=prefect_auth_server.api_url,
        PREFECT_API_AUTH_STRING=wrong,
        PREFECT_ECS_WORK_POOL="any-pool",
        PREFECT_ECS_FLOWS_DIR=str(flows),
        PREFECT_ECS_SKIP_IMAGE_BUILD="1",
    )
    for command in ("create", "delete"):
        result = deliver(command, env)
        assert result.returncode == 1, (command, result.stderr[-2000:])
        assert "refused the credential" in result.stderr
        assert "PREFECT_API_AUTH_STRING" in result.stderr
        both = result.stdout + result.stderr
        assert wrong not in both and wrong.split(":", 1)[1] not in both


def test_without_skip_and_without_docker_it_says_what_to_do(
    prefect_server: PrefectServerHandle, flows: Path, tmp_path: Path
) -> None:
    env = clean_env(
        tmp_path,
        PREFECT_API_URL=prefect_server.api_url,
        PREFECT_ECS_WORK_POOL="any-pool",
        PREFECT_ECS_FLOWS_DIR=str(flows),
        PREFECT_ECS_IMAGE_REPOSITORY="registry.example.com/team/flows",
        DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock",
    )
    result = deliver("create", env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == ""
    assert "Docker is not available" in result.stderr
    assert "start Docker" in result.stderr
    assert "PREFECT_ECS_SKIP_IMAGE_BUILD=1" in result.stderr
