"""flows/: the guide's prefect.yaml, parsed and resolved against Prefect's own models."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.support import ROOT

pytestmark = pytest.mark.pure

FLOWS = ROOT / "flows"


@pytest.fixture(scope="module")
def prefect_yaml() -> dict:
    data = yaml.safe_load((FLOWS / "prefect.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_prefect_yaml_validates_against_prefects_own_model(prefect_yaml: dict) -> None:
    models = pytest.importorskip("prefect.cli.deploy._models")
    model = models.PrefectYamlModel.model_validate(prefect_yaml)
    assert [d.name for d in model.deployments] == ["my-ecs-deployment"]
    dep = model.deployments[0]
    assert dep.work_pool is not None
    assert dep.work_pool.name == "{{ $PREFECT_ECS_WORK_POOL }}"
    assert dep.work_pool.job_variables["image"] == "{{ build_image.image }}"


def test_prefect_yaml_steps_reference_the_build_step(prefect_yaml: dict) -> None:
    (build,) = prefect_yaml["build"]
    (step,) = build.values()
    assert step["id"] == "build_image"
    refs = set(re.findall(r"\{\{\s*([a-z_]+)\.", yaml.safe_dump(prefect_yaml)))
    assert refs == {"build_image"}


def test_pool_and_repository_come_from_the_stacks_delivery(prefect_yaml: dict) -> None:
    """The delivery command passes the stack's pool and repository in the environment
    (prefect deploy resolves ``{{ $VAR }}``); the dev stack delivers this directory."""
    text = (FLOWS / "prefect.yaml").read_text()
    placeholders = set(re.findall(r"\{\{\s*\$([A-Z_]+)\s*\}\}", text))
    assert placeholders == {"PREFECT_ECS_WORK_POOL", "PREFECT_ECS_IMAGE_REPOSITORY"}
    stack = yaml.safe_load((FLOWS.parent / "Pulumi.dev.yaml").read_text())["config"]
    assert stack["prefect-ecs:flowsDirectory"] == "flows"
    assert stack["prefect-ecs:flowImageRepository"] is True


def test_entrypoint_resolves_to_the_flow(prefect_yaml: dict) -> None:
    from prefect.flows import Flow, load_flow_from_entrypoint

    entry = prefect_yaml["deployments"][0]["entrypoint"]
    path, func = entry.split(":")
    assert (FLOWS / path).is_file()
    loaded = load_flow_from_entrypoint(f"{FLOWS / path}:{func}")
    assert isinstance(loaded, Flow)
    assert loaded.name == "my-flow"
