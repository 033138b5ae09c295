"""What every concern module gets (:class:`WorkerContext`) and may give (:class:`WorkerNeeds`).

A concern that needs something from the worker (an environment variable, a container
secret, IAM statements for one of the roles, a job-variable default of the work pool)
returns it as a :class:`WorkerNeeds`; the roles, pool and service modules merge what
every concern contributed. A new feature adds its needs here instead of new keyword
arguments on every builder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ..documents.tags import COMPONENT_TAG, component_tags
from ..settings import Settings, is_known

__all__ = ["COMPONENT_TAG", "WorkerContext", "WorkerNeeds", "make_context"]

Statement = dict[str, Any]


@dataclass(frozen=True)
class WorkerContext:
    """The component's name, parent, tags, and where it runs (partition/region/account)."""

    name: str
    parent: pulumi.Resource
    tags: pulumi.Input[Mapping[str, str]]
    partition: pulumi.Output[str]
    region: pulumi.Output[str]
    account_id: pulumi.Output[str]

    def opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options of a child: parented to the component (plus ``kwargs``)."""
        return pulumi.ResourceOptions(parent=self.parent, **kwargs)

    @property
    def invoke(self) -> pulumi.InvokeOutputOptions:
        """Options of a data source call made for the component."""
        return pulumi.InvokeOutputOptions(parent=self.parent)

    def child(self, suffix: str) -> str:
        """The logical name of a child: the component's name plus ``suffix``."""
        return f"{self.name}{suffix}"


def _component_tags(name: str, tags: Any) -> pulumi.Input[Mapping[str, str]]:
    if is_known(tags):
        return {**component_tags(name), **tags}
    return pulumi.Output.from_input(tags).apply(lambda t: {**component_tags(name), **t})


def make_context(component: pulumi.Resource, settings: Settings) -> WorkerContext:
    """The shared context of one component's children."""
    invoke = pulumi.InvokeOutputOptions(parent=component)
    return WorkerContext(
        name=settings.name,
        parent=component,
        tags=_component_tags(settings.name, settings["tags"]),
        partition=aws.get_partition_output(opts=invoke).partition,
        region=aws.get_region_output(opts=invoke).region,
        account_id=aws.get_caller_identity_output(opts=invoke).account_id,
    )


@dataclass(frozen=True)
class WorkerNeeds:
    """What a concern contributes to the worker, its roles and its work pool.

    Statement groups are Inputs of lists (so a concern can build them from Outputs);
    they are appended in the order the concerns are merged.
    """

    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Extra environment variables of the worker container (never credentials)."""
    secrets: Sequence[pulumi.Input[Mapping[str, str] | Sequence[Mapping[str, str]]]] = ()
    """Container ``secrets`` entries of the worker (``name``, ``valueFrom``), each alone
    or as a list of entries."""
    flow_run_secrets: Sequence[pulumi.Input[Sequence[Mapping[str, str]]]] = ()
    """Lists of container ``secrets`` entries of flow runs (the pool's template)."""
    worker_task_statements: Sequence[pulumi.Input[Sequence[Statement]]] = ()
    """Statements for the worker task role (what the worker process calls)."""
    worker_execution_statements: Sequence[pulumi.Input[Sequence[Statement]]] = ()
    """Statements for the worker execution role (what ECS does to start the worker)."""
    flow_run_execution_statements: Sequence[pulumi.Input[Sequence[Statement]]] = ()
    """Statements for the flow-run execution role (what ECS does to start flow runs)."""
    job_variables: Sequence[pulumi.Input[Mapping[str, Any]]] = ()
    """Job-variable defaults of the work pool's template (merged in order)."""

    @staticmethod
    def merge(*needs: WorkerNeeds) -> WorkerNeeds:
        """Everything ``needs`` contribute, in order (later mappings win on a key)."""
        return WorkerNeeds(
            environment={k: v for n in needs for k, v in n.environment.items()},
            secrets=[s for n in needs for s in n.secrets],
            flow_run_secrets=[s for n in needs for s in n.flow_run_secrets],
            worker_task_statements=[s for n in needs for s in n.worker_task_statements],
            worker_execution_statements=[s for n in needs for s in n.worker_execution_statements],
            flow_run_execution_statements=[
                s for n in needs for s in n.flow_run_execution_statements
            ],
            job_variables=[j for n in needs for j in n.job_variables],
        )


def flat_entries(groups: list[Any]) -> list[Any]:
    """Resolved entries, each alone or a list of entries, as one list."""
    return [e for g in groups for e in (g if isinstance(g, list | tuple) else [g])]


def flat_statements(
    groups: Sequence[pulumi.Input[Sequence[Statement]]],
) -> pulumi.Output[list[Statement]]:
    """The statements of every group, in order, once they are known."""
    return pulumi.Output.all(*groups).apply(lambda gs: [st for g in gs for st in g])
