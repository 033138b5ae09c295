"""Container policies: host access, pinned images, read-only root filesystem, runtime installs."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.policy_helpers import container, task_definition, validate

# isort: split
from prefect_ecs_policies import containers
from prefect_ecs_policies.analyzer import analyze_resources
from prefect_ecs_policies.containers import ImageRef, parse_image

pytestmark = pytest.mark.pure

TD = "aws:ecs/taskDefinition:TaskDefinition"


def td_props(*defs: dict, **extra: object) -> dict:
    return {"containerDefinitions": json.dumps(list(defs)), **extra}


def test_host_access() -> None:
    policy = containers.ecs_no_host_access
    assert validate(policy, TD, td_props(container(), networkMode="awsvpc")) == []
    assert validate(policy, TD, td_props(container(privileged=False))) == []
    assert validate(policy, TD, td_props(container(privileged=True)))
    assert validate(policy, TD, td_props(container(), networkMode="host"))
    assert validate(policy, TD, td_props(container(), pidMode="host"))
    assert (
        len(
            validate(
                policy, TD, td_props(container(privileged=True), pidMode="host", ipcMode="host")
            )
        )
        == 3
    )
    assert validate(policy, TD, td_props(container(), pidMode="task")) == []


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (
            "prefecthq/prefect:3-latest",
            ImageRef("docker.io", "prefecthq/prefect", "3-latest", None),
        ),
        ("ubuntu", ImageRef("docker.io", "ubuntu", None, None)),
        ("localhost:5000/app:1.2", ImageRef("localhost:5000", "app", "1.2", None)),
        (
            "123.dkr.ecr.us-east-1.amazonaws.com/w@sha256:abc",
            ImageRef("123.dkr.ecr.us-east-1.amazonaws.com", "w", None, "sha256:abc"),
        ),
        ("ghcr.io/o/r:v1@sha256:abc", ImageRef("ghcr.io", "o/r", "v1", "sha256:abc")),
    ],
)
def test_parse_image(image: str, expected: ImageRef) -> None:
    assert parse_image(image) == expected


@pytest.mark.parametrize(
    "image",
    [
        "prefecthq/prefect:3.9.1-python3.11",
        "prefecthq/prefect-aws:0.7.12-python3.11",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:2026.11.25",
        "prefecthq/prefect@sha256:" + "a" * 64,
        "prefecthq/prefect:3-latest@sha256:" + "a" * 64,
    ],
)
def test_pinned_images(image: str) -> None:
    assert validate(containers.ecs_image_pinned, TD, td_props(container(image=image))) == []


@pytest.mark.parametrize(
    "image",
    [
        "prefecthq/prefect:3-latest",
        "prefecthq/prefect:latest",
        "prefecthq/prefect",
        "prefecthq/prefect:3",
        "prefecthq/prefect:3-python3.12",
        "prefecthq/prefect-aws:LATEST",
        "localhost:5000/app",
        "repo/app:main",
    ],
)
def test_floating_images(image: str) -> None:
    assert len(validate(containers.ecs_image_pinned, TD, td_props(container(image=image)))) == 1


def test_image_config_registries_and_patterns() -> None:
    ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:1.0"
    hub = "prefecthq/prefect:3.9.1-python3.11"
    config = {"allowedRegistries": ["*.dkr.ecr.*.amazonaws.com"]}
    assert validate(containers.ecs_image_pinned, TD, td_props(container(image=ecr)), config) == []
    messages = validate(containers.ecs_image_pinned, TD, td_props(container(image=hub)), config)
    assert len(messages) == 1 and "docker.io" in messages[0]
    custom = {"floatingTagPatterns": ["*-rc*"]}
    assert (
        validate(containers.ecs_image_pinned, TD, td_props(container(image="a/b:3")), custom) == []
    )
    assert validate(
        containers.ecs_image_pinned, TD, td_props(container(image="a/b:1.0-rc1")), custom
    )
    assert validate(containers.ecs_image_pinned, TD, td_props(container(image=None)))
    # Via the analyzer and the config file shape.
    resources = [task_definition(container(image=hub))]
    assert analyze_resources(resources) == []
    file_config = {"ecs-image-pinned": config}
    assert [v.policy_name for v in analyze_resources(resources, file_config)] == [
        "ecs-image-pinned"
    ]


def test_read_only_root_filesystem_is_advisory() -> None:
    resources = [task_definition(container(readonlyRootFilesystem=None))]
    violations = analyze_resources(resources)
    assert [(v.policy_name, v.enforcement_level) for v in violations] == [
        ("ecs-read-only-root-filesystem", "advisory")
    ]
    assert validate(containers.ecs_read_only_root_filesystem, TD, td_props(container())) == []


def test_runtime_package_install() -> None:
    policy = containers.ecs_no_runtime_package_install
    assert validate(policy, TD, td_props(container(command=["prefect", "worker", "start"]))) == []
    sh = container(command=["/bin/sh", "-c", "pip install prefect-aws && prefect worker start"])
    assert validate(policy, TD, td_props(sh))
    extra = container(environment=[{"name": "EXTRA_PIP_PACKAGES", "value": "prefect-aws"}])
    assert validate(policy, TD, td_props(extra))
    uv = container(entryPoint=["sh", "-c"], command=["uv pip install x; prefect worker start"])
    assert validate(policy, TD, td_props(uv))
