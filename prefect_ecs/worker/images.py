"""Where images are pulled from: what the execution roles need for ECR.

The worker's image is public by default (Docker Hub) and needs nothing; a private ECR
image gets a pull grant on its repository. Flow-run images come from deployments, so
the flow-run execution role may pull from ``flow_run_image_repository_arns`` and the
stack's own flow-image repository; with neither given, from every repository of the
stack's account and region (never another account's).
"""

from __future__ import annotations

import pulumi

from ..documents import iam
from ..settings import Settings, is_known
from .context import WorkerContext, WorkerNeeds
from .repository import FlowImages

__all__ = ["images"]


def images(ctx: WorkerContext, s: Settings, flow_images: FlowImages | None) -> WorkerNeeds:
    """ECR pull statements for the two execution roles."""

    def worker_pull(v: dict[str, str]) -> list[iam.Statement]:
        arn = iam.ecr_repository_arn(v["image"], v["partition"])
        return iam.ecr_pull_statements([arn] if arn else [])

    worker = pulumi.Output.all(image=s["worker_image"], partition=ctx.partition).apply(worker_pull)
    own = [flow_images.repository.arn] if flow_images is not None else []
    if s.given("flow_run_image_repository_arns"):
        repositories = s["flow_run_image_repository_arns"]
        given = (
            pulumi.Output.all(*repositories)
            if is_known(repositories) or isinstance(repositories, list | tuple)
            else pulumi.Output.from_input(repositories)
        )
        flow_runs = pulumi.Output.all(given, *own).apply(
            lambda v: iam.ecr_pull_statements([*v[0], *v[1:]])
        )
    elif own:
        # The stack's own repository only, not every repository of the account.
        flow_runs = pulumi.Output.all(*own).apply(lambda arns: iam.ecr_pull_statements(arns))
    else:
        flow_runs = pulumi.Output.all(
            partition=ctx.partition, region=ctx.region, account_id=ctx.account_id
        ).apply(lambda v: iam.ecr_pull_statements(iam.account_repositories(**v)))
    return WorkerNeeds(
        worker_execution_statements=[worker], flow_run_execution_statements=[flow_runs]
    )
