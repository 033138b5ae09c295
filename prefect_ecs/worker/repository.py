"""The optional ECR repository for flow images: immutable tags, scan on push, a lifecycle
policy keeping the newest images, KMS encryption with the stack's key when given. Only
the flow-run execution role may pull from it (see :mod:`prefect_ecs.worker.images`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..documents.ecr import keep_last_images_policy
from ..documents.names import Suffix
from ..settings import Settings
from .context import WorkerContext

__all__ = ["FlowImages", "flow_image_repository"]


@dataclass(frozen=True)
class FlowImages:
    """The repository and its lifecycle policy."""

    repository: aws.ecr.Repository
    lifecycle: aws.ecr.LifecyclePolicy


def flow_image_repository(ctx: WorkerContext, s: Settings) -> FlowImages | None:
    """Create the repository (None when ``flow_image_repository`` is off)."""
    if not s["flow_image_repository"]:
        return None
    encryption: aws.ecr.RepositoryEncryptionConfigurationArgsDict = (
        {"encryption_type": "KMS", "kms_key": s["secret_kms_key_arn"]}
        if s.given("secret_kms_key_arn")
        else {"encryption_type": "AES256"}
    )
    repository = aws.ecr.Repository(
        ctx.child(Suffix.FLOW_IMAGES),
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration={"scan_on_push": True},
        encryption_configurations=[encryption],
        # Images are build artifacts: `pulumi destroy` removes the repository with them.
        force_delete=True,
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    lifecycle = aws.ecr.LifecyclePolicy(
        ctx.child(Suffix.FLOW_IMAGES),
        repository=repository.name,
        policy=pulumi.Output.from_input(s["flow_image_keep_count"]).apply(
            lambda count: json.dumps(keep_last_images_policy(count))
        ),
        opts=ctx.opts(),
    )
    return FlowImages(repository, lifecycle)
