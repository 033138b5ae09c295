"""Log groups for the worker and for flow runs, with retention.

Flow-run tasks log to the stack's own group: the pool's template points the awslogs
driver at it (and never lets a task create a group), and the flow-run execution role
may write only there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..documents import iam
from ..documents.job_template import cloudwatch_logs_variables
from ..documents.names import Suffix
from ..settings import Settings
from .context import WorkerContext, WorkerNeeds

__all__ = ["FLOW_RUN_STREAM_PREFIX", "Logs", "logs"]

#: awslogs stream prefix of flow-run containers.
FLOW_RUN_STREAM_PREFIX = "flow-run"


@dataclass(frozen=True)
class Logs:
    """The two log groups and what flow runs need to write to theirs."""

    worker: aws.cloudwatch.LogGroup
    flow_runs: aws.cloudwatch.LogGroup
    needs: WorkerNeeds


def logs(ctx: WorkerContext, s: Settings) -> Logs:
    """Create the worker's and the flow runs' log groups."""

    def group(suffix: str, prefix: str) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            ctx.child(suffix),
            name_prefix=f"/prefect-ecs/{ctx.name}/{prefix}-",
            retention_in_days=s["log_retention_days"],
            tags=ctx.tags,
            opts=ctx.opts(),
        )

    worker = group(Suffix.WORKER_LOGS, "worker")
    flow_runs = group(Suffix.FLOW_RUN_LOGS, "flow-runs")
    needs = WorkerNeeds(
        worker_execution_statements=[
            worker.arn.apply(
                lambda arn: [
                    iam.write_log_streams_statement(log_group_arn=arn, sid="WriteWorkerLogs")
                ]
            )
        ],
        flow_run_execution_statements=[
            flow_runs.arn.apply(lambda arn: [iam.write_log_streams_statement(log_group_arn=arn)])
        ],
        job_variables=[
            pulumi.Output.all(log_group_name=flow_runs.name, region=ctx.region).apply(
                lambda v: cloudwatch_logs_variables(**v, stream_prefix=FLOW_RUN_STREAM_PREFIX)
            )
        ],
    )
    return Logs(worker, flow_runs, needs)
