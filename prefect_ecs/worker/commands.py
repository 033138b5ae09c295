"""What the guide leaves to a person, as ``pulumi_command.local.Command`` resources that
run this package's entry points (:mod:`prefect_ecs.ops`) on the deployer's machine:

- the readiness gate: ``pulumi up`` waits until the service is stable and the pool shows
  an ONLINE worker, or fails with a diagnosis; re-run when the worker's task definition
  or the pool's template changes;
- drain on destroy (a cluster the component created): pause the pool and stop its
  running flow-run tasks, so ``pulumi destroy`` deletes the cluster in one go;
- flow delivery: ``prefect deploy --all`` for a flows directory, again when its files
  change, the deployments removed at destroy.

The credential reaches a command only on its stdin, as a secret (never on its command
line, never in its environment, which Pulumi would then record as one secret map); ``stdout``/``stderr`` are secret outputs and the previous output is not
put in the environment (``add_previous_output_in_env``, pulumi-command #285/#552).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_command as command

from ..documents.commands import (
    CREDENTIAL_ENV,
    CREDENTIAL_STDIN_FLAG,
    POOL_NOT_MANAGED,
    entry_point,
    ops_environment,
    value_digest,
)
from ..documents.names import Suffix
from ..settings import Settings
from ..work_pool import WorkPool
from .cluster import Cluster
from .context import WorkerContext
from .credential import Credential, stored_credential
from .logs import Logs
from .repository import FlowImages
from .service import WorkerService

__all__ = ["Commands", "commands"]

#: What the Pulumi engine records of a command's run: secret, whatever prints there.
SECRET_OUTPUTS = ["stdout", "stderr"]


@dataclass(frozen=True)
class Commands:
    """The commands created (None where off)."""

    readiness_gate: command.local.Command | None
    drain: command.local.Command | None
    flow_delivery: command.local.Command | None


def _credential_value(ctx: WorkerContext, cred: Credential) -> pulumi.Input[str] | None:
    if cred.secret_arn is None:
        return None  # a self-hosted server without auth
    return cred.value if cred.value is not None else stored_credential(ctx, cred.secret_arn)


def _credential_stdin(ctx: WorkerContext, cred: Credential) -> pulumi.Output[str] | None:
    """The credential for a command's stdin (``{"PREFECT_API_KEY": ...}``), secret; None
    for a server without auth. On stdin, not in the environment: Pulumi would record the
    whole environment as one secret, and stdin never shows up in a process listing."""
    value = _credential_value(ctx, cred)
    if value is None:
        return None
    return pulumi.Output.secret(
        pulumi.Output.all(kind=cred.kind, value=value).apply(
            lambda v: json.dumps({CREDENTIAL_ENV[v["kind"]]: v["value"]})
        )
    )


def _command(
    ctx: WorkerContext,
    suffix: str,
    environment: tuple[dict[str, Any], pulumi.Output[str] | None],
    depends_on: list[pulumi.Resource],
    **kwargs: Any,
) -> command.local.Command:
    env, stdin = environment
    return command.local.Command(
        ctx.child(suffix),
        environment=env,
        stdin=stdin,
        add_previous_output_in_env=False,
        opts=ctx.opts(depends_on=depends_on, additional_secret_outputs=SECRET_OUTPUTS),
        **kwargs,
    )


def commands(
    ctx: WorkerContext,
    s: Settings,
    cluster: Cluster,
    logs: Logs,
    cred: Credential,
    pool: WorkPool | None,
    service: WorkerService,
    flow_images: FlowImages | None,
) -> Commands:
    """Create the readiness gate, the drain and the flow delivery, as configured."""
    pool_first: list[pulumi.Resource] = [pool] if pool is not None else []

    stdin = _credential_stdin(ctx, cred)

    def environment(
        timeout: pulumi.Input[int] | None = None, extra: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], pulumi.Output[str] | None]:
        base: dict[str, pulumi.Input[str]] = ops_environment(
            api_url=pulumi.Output.from_input(s["prefect_api_url"]),
            pool_name=pulumi.Output.from_input(s["work_pool_name"]),
            region=ctx.region,
            cluster_arn=cluster.arn,
            service_name=service.service.name,
            worker_log_group=logs.worker.name,
            timeout_seconds=None
            if timeout is None
            else pulumi.Output.from_input(timeout).apply(str),
            extra=extra,
        )
        if stdin is not None:
            base[CREDENTIAL_STDIN_FLAG] = "1"
        return base, stdin

    gate = None
    if s["readiness_gate"]:
        run = entry_point("readiness")
        template = pool.base_job_template if pool is not None else None
        gate = _command(
            ctx,
            Suffix.READINESS_GATE,
            environment(timeout=s["readiness_timeout_seconds"]),
            [service.service, *pool_first],
            create=run,
            update=run,
            # A new worker revision (image, command, environment) or pool template.
            triggers=[
                service.task_definition.arn,
                pulumi.Output.from_input(template).apply(value_digest),
            ],
            logging="stderr",
        )

    drain = None
    if s["drain_on_destroy"] and cluster.resource is not None:
        # A pool the stack does not own is never paused: the drain stops the stack's
        # own worker service instead (prefect_ecs.ops.drain).
        not_managed = {} if pool is not None else {POOL_NOT_MANAGED: "1"}
        drain = _command(
            ctx,
            Suffix.DRAIN,
            environment(timeout=s["readiness_timeout_seconds"], extra=not_managed),
            # Deleted before the cluster, the service and the pool.
            [cluster.resource, service.service, *pool_first],
            # Nothing to do at create: the work is at delete.
            delete=entry_point("drain"),
            logging="stderr",
        )

    delivery = None
    if s.given("flows_directory"):
        delivery = _flow_delivery(ctx, s, environment, gate, pool_first, flow_images)
    return Commands(gate, drain, delivery)


def _flow_delivery(
    ctx: WorkerContext,
    s: Settings,
    environment: Any,
    gate: command.local.Command | None,
    pool_first: list[pulumi.Resource],
    flow_images: FlowImages | None,
) -> command.local.Command:
    from ..ops.deliver import flows_digest

    directory = os.path.abspath(s["flows_directory"])
    extra: dict[str, Any] = {"PREFECT_ECS_FLOWS_DIR": directory}
    if flow_images is not None:
        extra["PREFECT_ECS_IMAGE_REPOSITORY"] = flow_images.repository.repository_url
    if s["flows_skip_image_build"]:
        extra["PREFECT_ECS_SKIP_IMAGE_BUILD"] = "1"
    if s.given("smoke_run_deployment"):
        extra["PREFECT_ECS_SMOKE_RUN"] = s["smoke_run_deployment"]
    after: list[pulumi.Resource] = [gate] if gate is not None else pool_first
    if flow_images is not None:
        after = [*after, flow_images.repository, flow_images.lifecycle]
    return _command(
        ctx,
        Suffix.FLOW_DELIVERY,
        environment(extra=extra),
        after,
        create=entry_point("deliver", "create"),
        update=entry_point("deliver", "create"),
        delete=entry_point("deliver", "delete"),
        # Re-deliver when a file of the flows directory changes.
        triggers=[flows_digest(directory)],
        # `prefect deploy` prints what it deploys; nothing of it is needed in the logs.
        logging="none",
    )
