"""deliver: the digest, the derived prefect.yaml, the checks before deploying (pure)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefect_ecs.ops._common import ConfigError
from prefect_ecs.ops.deliver import (
    Target,
    check_docker,
    check_pools,
    derive_without_build,
    docker_missing_message,
    ecr_registry,
    flows_digest,
    load_deliver_config,
    unset_env_placeholders,
)
from tests.support import ROOT

pytestmark = pytest.mark.pure

FLOWS = ROOT / "flows"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "flows"
    (root / "pkg").mkdir(parents=True)
    (root / "prefect.yaml").write_text("name: x\n")
    (root / "my_flow.py").write_text("print('hi')\n")
    (root / "pkg" / "util.py").write_text("X = 1\n")
    return root


# --- flows_digest ---------------------------------------------------------------------


def test_digest_is_stable_and_independent_of_the_location(tree: Path, tmp_path: Path) -> None:
    first = flows_digest(tree)
    assert first == flows_digest(tree) == flows_digest(str(tree))
    assert len(first) == 64 and int(first, 16) >= 0
    assert flows_digest(shutil.copytree(tree, tmp_path / "elsewhere")) == first


def test_digest_changes_with_content_a_new_file_or_a_rename(tree: Path) -> None:
    seen = {flows_digest(tree)}
    (tree / "my_flow.py").write_text("print('hi!')\n")
    seen.add(flows_digest(tree))
    (tree / "pkg" / "new.py").write_text("")
    seen.add(flows_digest(tree))
    (tree / "pkg" / "new.py").rename(tree / "pkg" / "renamed.py")
    seen.add(flows_digest(tree))
    # Moving bytes between a name and a content must not collide either.
    (tree / "pkg" / "renamed.py").write_text("py")
    seen.add(flows_digest(tree))
    assert len(seen) == 5


def test_digest_ignores_caches_prefect_state_and_dot_files(tree: Path) -> None:
    before = flows_digest(tree)
    (tree / "__pycache__").mkdir()
    (tree / "__pycache__" / "my_flow.cpython-311.pyc").write_bytes(b"\0\1")
    (tree / "pkg" / "__pycache__").mkdir()
    (tree / "pkg" / "__pycache__" / "util.cpython-311.pyc").write_bytes(b"\2")
    (tree / ".prefect").mkdir()
    (tree / ".prefect" / "state.json").write_text("{}")
    (tree / ".env").write_text("SECRET=1")
    (tree / "pkg" / ".DS_Store").write_bytes(b"x")
    assert flows_digest(tree) == before


def test_digest_of_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        flows_digest(tmp_path / "nope")


def test_importing_the_module_loads_neither_prefect_nor_boto3() -> None:
    code = (
        "import sys, prefect_ecs.ops.deliver as d; "
        "print(d.flows_digest.__module__, 'prefect' in sys.modules, 'boto3' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["prefect_ecs.ops.deliver", "False", "False"]


# --- the derived prefect.yaml ---------------------------------------------------------


@pytest.fixture(scope="module")
def guide_yaml() -> dict[str, Any]:
    data = yaml.safe_load((FLOWS / "prefect.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_derived_yaml_has_no_build_push_or_build_outputs(guide_yaml: dict[str, Any]) -> None:
    derived = derive_without_build(guide_yaml)
    assert "build" not in derived and "push" not in derived
    assert "build_image" not in json.dumps(derived)
    (dep,) = derived["deployments"]
    assert dep["work_pool"]["job_variables"] == {}  # the pool's default image
    assert dep["work_pool"]["work_queue_name"] == "default"
    assert derived["pull"] == guide_yaml["pull"]  # the image's working directory stays
    assert dep["entrypoint"] == "my_flow.py:my_flow"
    assert "build" in guide_yaml  # the input is not modified
    models = pytest.importorskip("prefect.cli.deploy._models")
    models.PrefectYamlModel.model_validate(derived)


def test_derived_yaml_with_an_image_sets_it_on_every_deployment(
    guide_yaml: dict[str, Any],
) -> None:
    data = dict(guide_yaml, deployments=[*guide_yaml["deployments"], {"name": "b", "x": 1}])
    derived = derive_without_build(data, "acct.dkr.ecr.eu-west-1.amazonaws.com/flows:v1")
    images = [d["work_pool"]["job_variables"]["image"] for d in derived["deployments"]]
    assert images == ["acct.dkr.ecr.eu-west-1.amazonaws.com/flows:v1"] * 2


def test_derived_yaml_drops_deployment_level_steps_and_their_outputs() -> None:
    data = {
        "deployments": [
            {
                "name": "d",
                "version": "{{ img.tag }}",
                "tags": ["keep", "{{ img.tag }}"],
                "build": [{"some.step": {"id": "img", "x": 1}}],
                "push": [{"other.step": {"id": "pushed"}}],
                "pull": [{"p.step": {"directory": "{{ pushed.dir }}"}}],
                "work_pool": {
                    "name": "{{ $PREFECT_ECS_WORK_POOL }}",
                    "job_variables": {"image": "literal:1", "cpu": "{{ pushed.cpu }}"},
                },
            }
        ]
    }
    (dep,) = derive_without_build(data)["deployments"]
    assert dep == {
        "name": "d",
        "tags": ["keep"],
        "pull": [{"p.step": {"directory": "{{ pushed.dir }}"}}],  # pull steps are runtime
        "work_pool": {
            "name": "{{ $PREFECT_ECS_WORK_POOL }}",
            "job_variables": {"image": "literal:1"},  # a literal image of its own stays
        },
    }


def test_unset_env_placeholders() -> None:
    data = {"a": "{{ $SET_ONE }}", "b": ["x-{{$UNSET_B}}-y", "{{ step.out }}"], "c": "{{ $EMPTY }}"}
    assert unset_env_placeholders(data, {"SET_ONE": "1", "EMPTY": ""}) == ["EMPTY", "UNSET_B"]


def test_pools_must_all_be_the_stacks_pool() -> None:
    check_pools([Target("f", "d", "p")], "p")
    with pytest.raises(ConfigError) as info:
        check_pools([Target("f", "d", "p"), Target("f", "e", "my-ecs-pool")], "p")
    assert "f/e -> 'my-ecs-pool'" in str(info.value)
    assert "{{ $PREFECT_ECS_WORK_POOL }}" in str(info.value)


# --- Docker, ECR, configuration -------------------------------------------------------


def test_docker_missing_message_says_what_to_do() -> None:
    text = docker_missing_message("Cannot connect to the Docker daemon")
    assert "Cannot connect to the Docker daemon" in text
    assert "start Docker" in text
    assert "PREFECT_ECS_SKIP_IMAGE_BUILD=1" in text


def test_check_docker_without_the_cli(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        check_docker({"PATH": str(tmp_path)}, timeout=10)
    assert "the docker CLI is not installed" in str(info.value)
    assert "PREFECT_ECS_SKIP_IMAGE_BUILD=1" in str(info.value)


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI")
def test_check_docker_without_a_daemon(tmp_path: Path) -> None:
    env = {"PATH": str(Path(shutil.which("docker") or "").parent), "HOME": str(tmp_path)}
    env["DOCKER_HOST"] = f"unix://{tmp_path}/no-docker.sock"
    with pytest.raises(ConfigError) as info:
        check_docker(env, timeout=10)
    assert "start Docker" in str(info.value)


def test_ecr_registry() -> None:
    assert ecr_registry("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/flows") == {
        "registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "account": "123456789012",
        "region": "eu-west-1",
    }
    assert ecr_registry("https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/f") is not None
    assert ecr_registry("ghcr.io/org/flows") is None
    assert ecr_registry("docker.io/library/python") is None


BASE_ENV = {
    "PREFECT_API_URL": "http://127.0.0.1:4200/api",
    "PREFECT_ECS_WORK_POOL": "p",
    "PREFECT_ECS_FLOWS_DIR": str(FLOWS),
}


def test_config_from_the_environment() -> None:
    cfg = load_deliver_config(
        {**BASE_ENV, "PREFECT_API_AUTH_STRING": "admin:s3cret-pass"}, command="create"
    )
    assert cfg.flows_dir == FLOWS.resolve()
    assert cfg.timeout_seconds == 600 and not cfg.skip_build and not cfg.smoke_run
    assert "admin:s3cret-pass" in cfg.secrets and "s3cret-pass" in cfg.secrets
    assert "s3cret" not in repr(cfg)
    skip = load_deliver_config(
        {**BASE_ENV, "PREFECT_ECS_SKIP_IMAGE_BUILD": "1", "PREFECT_ECS_TIMEOUT_SECONDS": "30"},
        command="create",
    )
    assert skip.skip_build and skip.timeout_seconds == 30


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {"PREFECT_API_URL": "", "PREFECT_ECS_WORK_POOL": ""},
            "PREFECT_API_URL, PREFECT_ECS_WORK_POOL",
        ),
        ({"PREFECT_ECS_FLOWS_DIR": "/nonexistent"}, "has no prefect.yaml"),
        ({"PREFECT_ECS_TIMEOUT_SECONDS": "soon"}, "PREFECT_ECS_TIMEOUT_SECONDS"),
        ({"PREFECT_ECS_TIMEOUT_SECONDS": "0"}, "greater than 0"),
        ({"PREFECT_ECS_SKIP_IMAGE_BUILD": "maybe"}, "PREFECT_ECS_SKIP_IMAGE_BUILD must be 1 or 0"),
        ({"PREFECT_ECS_SMOKE_RUN": "just-a-name"}, "<flow>/<deployment>"),
        ({"PREFECT_ECS_IMAGE_REPOSITORY": "ghcr.io/o/flows:latest"}, "without a tag"),
    ],
)
def test_config_errors_name_the_variable(change: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_deliver_config({**BASE_ENV, **change}, command="create")
    assert fragment in str(info.value)


def test_usage_error_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prefect_ecs.ops.deliver", "deploy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "create|delete" in result.stderr and result.stdout == ""


def test_ecr_login_passes_the_password_only_on_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    import boto3

    from prefect_ecs.ops._common import Output
    from prefect_ecs.ops.deliver import ecr_login

    password = "ecr-token-password-0123456789"
    calls: list[dict[str, Any]] = []

    class Ecr:
        def get_authorization_token(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            token = base64.b64encode(f"AWS:{password}".encode()).decode()
            return {"authorizationData": [{"authorizationToken": token}]}

    monkeypatch.setattr(boto3, "client", lambda service, **kw: calls.append(kw) or Ecr())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/argv\ncat > {tmp_path}/stdin\n')
    docker.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    out = Output()
    repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows"
    assert ecr_login(repo, env, out, timeout=10) is True
    assert calls[0]["region_name"] == "eu-west-1"
    assert calls[1] == {"registryIds": ["123456789012"]}
    argv = (tmp_path / "argv").read_text()
    assert argv.split() == [
        "login",
        "--username",
        "AWS",
        "--password-stdin",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    ]
    assert (tmp_path / "stdin").read_text() == password
    assert out.redact(f"x {password} y") == "x *** y"  # any later line is redacted too
    assert ecr_login("ghcr.io/o/flows", env, out, timeout=10) is False
