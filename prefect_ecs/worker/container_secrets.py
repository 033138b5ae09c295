"""Other secrets of the worker and of flow runs: ``worker_secrets``, ``flow_run_secrets``.

Each maps an environment variable name to a Secrets Manager secret ARN (optionally with
a ``:json-key::`` suffix) or an SSM parameter ARN. The worker's become ``secrets`` of its
container; flow runs' become ``secrets`` of the flow-run container in the pool's template
(prefect-aws keeps them and adds the credential's secret to the same list). Each
execution role may read exactly its own list (:func:`~prefect_ecs.documents.iam.read_container_secrets_statements`),
and decrypt with ``secrets_kms_key_arns`` through those services only. Nothing new is
created: no child, no name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ..documents import iam
from ..documents.containers import container_secrets as entries
from ..settings import Settings, is_known
from .context import WorkerNeeds

__all__ = ["container_secrets"]


def _empty(value: Any) -> bool:
    return is_known(value) and not value


def _read(secrets: pulumi.Output[Mapping[str, str]], kms: Any) -> pulumi.Output[list[Any]]:
    return pulumi.Output.all(secrets=secrets, kms=kms).apply(
        lambda v: iam.read_container_secrets_statements(
            value_froms=sorted(v["secrets"].values()), kms_key_arns=v["kms"] or []
        )
    )


def container_secrets(s: Settings) -> WorkerNeeds:
    """The worker's and flow runs' container secrets and the execution roles' reads."""
    kms = s["secrets_kms_key_arns"]
    worker, flow_runs = WorkerNeeds(), WorkerNeeds()
    if not _empty(s["worker_secrets"]):
        given = pulumi.Output.from_input(s["worker_secrets"])
        worker = WorkerNeeds(
            secrets=[given.apply(entries)], worker_execution_statements=[_read(given, kms)]
        )
    if s["create_work_pool"] and not _empty(s["flow_run_secrets"]):
        given = pulumi.Output.from_input(s["flow_run_secrets"])
        flow_runs = WorkerNeeds(
            flow_run_secrets=[given.apply(entries)],
            flow_run_execution_statements=[_read(given, kms)],
        )
    return WorkerNeeds.merge(worker, flow_runs)
