"""Container hardening: no host access, pinned images from allowed registries, no runtime pip."""

from __future__ import annotations

import re
from typing import NamedTuple

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import (
    ADVISORY,
    MANDATORY,
    TASK_DEFINITION,
    Report,
    as_list,
    config_value,
    container_definitions,
    container_label,
    env_pairs,
    get,
    glob_match,
    schema,
    str_list,
    string_list,
)

DEFAULT_FLOATING_TAG_PATTERNS = [
    "latest",
    "*-latest",
    "latest-*",
    "main",
    "master",
    "nightly",
    "edge",
    "dev",
    "stable",
    "[0-9]",
    "[0-9]-*",
    "[0-9][0-9]",
    "[0-9][0-9]-*",
]


class ImageRef(NamedTuple):
    """A parsed image reference."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None


def parse_image(image: str) -> ImageRef:
    """Split ``[registry/]repo[:tag][@digest]``; Docker Hub when no registry host is given."""
    rest, _, digest = image.partition("@")
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "docker.io", rest
    tag = None
    if ":" in path.rsplit("/", 1)[-1]:
        path, tag = path.rsplit(":", 1)
    return ImageRef(registry, path, tag or None, digest or None)


def _validate_host_access(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != TASK_DEFINITION:
        return
    for prop in ("networkMode", "pidMode", "ipcMode"):
        if str(get(args.props, prop) or "").lower() == "host":
            report(f"{prop} is 'host': the task shares the host's namespace.")
    for i, container in enumerate(container_definitions(args.props) or []):
        if container.get("privileged") is True:
            report(f"{container_label(container, i)} is privileged.")


ecs_no_host_access = ResourceValidationPolicy(
    name="ecs-no-host-access",
    description="ECS tasks must not run privileged containers or use host network/PID/IPC.",
    enforcement_level=MANDATORY,
    validate=_validate_host_access,
)


def _validate_image(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != TASK_DEFINITION:
        return
    registries = str_list(config_value(args, "allowedRegistries", []))
    floating = str_list(config_value(args, "floatingTagPatterns", DEFAULT_FLOATING_TAG_PATTERNS))
    for i, container in enumerate(container_definitions(args.props) or []):
        label = container_label(container, i)
        image = container.get("image")
        if not isinstance(image, str) or not image:
            report(f"{label} has no image.")
            continue
        ref = parse_image(image)
        if registries and not glob_match(ref.registry, registries):
            report(f"{label}: image '{image}' is from registry '{ref.registry}', not allowed.")
        if ref.digest:
            continue
        if ref.tag is None:
            report(f"{label}: image '{image}' has no tag (means :latest); pin a version or digest.")
        elif glob_match(ref.tag, floating):
            report(f"{label}: image '{image}' uses floating tag '{ref.tag}'; pin a version.")


ecs_image_pinned = ResourceValidationPolicy(
    name="ecs-image-pinned",
    description=(
        "ECS container images must be pinned (a version tag or digest, no ':latest', no "
        "tag-less or floating tags like '3-latest') and come from allowed registries."
    ),
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "allowedRegistries": string_list(
                [],
                (
                    "Registry host globs allowed (e.g. '*.dkr.ecr.*.amazonaws.com', "
                    "'docker.io'); empty allows any registry."
                ),
            ),
            "floatingTagPatterns": string_list(
                DEFAULT_FLOATING_TAG_PATTERNS,
                "Case-insensitive tag globs that float and so are rejected.",
            ),
        }
    ),
    validate=_validate_image,
)


def _validate_read_only(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != TASK_DEFINITION:
        return
    for i, container in enumerate(container_definitions(args.props) or []):
        if container.get("readonlyRootFilesystem") is not True:
            report(f"{container_label(container, i)} has a writable root filesystem.")


ecs_read_only_root_filesystem = ResourceValidationPolicy(
    name="ecs-read-only-root-filesystem",
    description="ECS containers should set readonlyRootFilesystem.",
    enforcement_level=ADVISORY,
    validate=_validate_read_only,
)

_PIP_INSTALL = re.compile(r"\b(pip3?|uv\s+pip)\s+install\b")


def _validate_runtime_install(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != TASK_DEFINITION:
        return
    for i, container in enumerate(container_definitions(args.props) or []):
        label = container_label(container, i)
        parts = [*as_list(container.get("entryPoint")), *as_list(container.get("command"))]
        if _PIP_INSTALL.search(" ".join(str(p) for p in parts)):
            report(f"{label} runs 'pip install' at start; bake packages into the image.")
        for name, value in env_pairs(container):
            if name == "EXTRA_PIP_PACKAGES" and value:
                report(f"{label} installs EXTRA_PIP_PACKAGES at start; bake them into the image.")


ecs_no_runtime_package_install = ResourceValidationPolicy(
    name="ecs-no-runtime-package-install",
    description=(
        "Containers should not pip-install packages at start (slow, unpinned, needs internet)."
    ),
    enforcement_level=ADVISORY,
    validate=_validate_runtime_install,
)

POLICIES = [
    ecs_no_host_access,
    ecs_image_pinned,
    ecs_read_only_root_filesystem,
    ecs_no_runtime_package_install,
]
