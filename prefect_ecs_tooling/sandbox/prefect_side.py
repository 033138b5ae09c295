"""The Prefect side of the rehearsal, through Prefect's own client on the local server:
adapt the stack's pool for moto, deploy the flow and create flow runs, read what a flow
run recorded, and a second pool with prefect-aws's default template (through the
stack's own dynamic provider).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .report import RehearsalReport, check

__all__ = [
    "DEPLOYMENT_NAME",
    "FLOW_IMAGE",
    "adapt_pool_for_moto",
    "api_settings",
    "check_flow_run",
    "create_flow_run",
    "create_pool",
    "default_template",
    "deploy_flow",
    "prefect_client",
    "read_flow_run",
    "use_auth",
    "whole_floats",
]

DEPLOYMENT_NAME = "sandbox"
#: API URL -> the basic-auth string of that (local) server, for the rehearsal's own calls.
_AUTH: dict[str, str] = {}


def use_auth(api_url: str, auth_string: str | None) -> None:
    """The rehearsal's own calls to ``api_url`` authenticate with ``auth_string`` (a
    server started with ``PREFECT_SERVER_API_AUTH_STRING``); None: no auth."""
    if auth_string is None:
        _AUTH.pop(api_url, None)
    else:
        _AUTH[api_url] = auth_string


@contextlib.contextmanager
def api_settings(api_url: str) -> Iterator[None]:
    """Prefect's settings for a call to ``api_url`` (and its auth string, if any)."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    updates: dict[Any, Any] = {PREFECT_API_URL: api_url}
    if api_url in _AUTH:
        updates[PREFECT_API_AUTH_STRING] = _AUTH[api_url]
    with temporary_settings(updates):
        yield


@contextlib.contextmanager
def prefect_client(api_url: str) -> Iterator[Any]:
    """Prefect's sync client for ``api_url`` (see :func:`api_settings`)."""
    from prefect.client.orchestration import get_client

    with api_settings(api_url), get_client(sync_client=True) as client:
        yield client


FLOW_IMAGE = "prefecthq/prefect:3.9.1-python3.12"


def whole_floats(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds whole-number floats (``2048.0``)."""
    if isinstance(value, float) and value.is_integer():
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in whole_floats(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in whole_floats(v, f"{path}[{i}]")]
    return []


def adapt_pool_for_moto(api_url: str, pool_name: str) -> list[str]:
    """Rehearsal only: give the flow-run container a container-level memory.

    moto answers RunTask with HTTP 500 when no container has ``memory`` or
    ``memoryReservation`` (getmoto/moto#7272); Prefect's Fargate template sets memory at
    task level only, which real ECS accepts. The stack's pool is left as is on AWS.

    Returns where the stored template holds whole-number floats: numbers cross Pulumi's
    gRPC boundary as protobuf floats, and the provider must turn them back into ints
    (boto3 rejects a float container memory, AWS a task memory of "2048.0"). The caller
    fails the rehearsal if there are any.
    """
    from prefect.client.schemas.actions import WorkPoolUpdate

    with prefect_client(api_url) as client:
        pool = client.read_work_pool(pool_name)
        template = pool.base_job_template
        floats = whole_floats(template)
        containers = template["job_configuration"]["task_definition"]["containerDefinitions"]
        containers[0]["memory"] = "{{ memory }}"
        client.update_work_pool(pool_name, WorkPoolUpdate(base_job_template=template))
    return floats


def deploy_flow(api_url: str, pool_name: str, flows_dir: Path, name: str = DEPLOYMENT_NAME) -> str:
    """Register a deployment of flows/my_flow.py on ``pool_name``; its id.

    Deployments are keyed by flow and name: each pool needs its own name, or deploying
    to a second pool would move the first pool's deployment there.
    """
    from prefect.flows import load_flow_from_entrypoint

    with (
        api_settings(api_url),
        contextlib.redirect_stdout(io.StringIO()),  # deploy() prints a table
    ):
        flow: Any = load_flow_from_entrypoint(f"{flows_dir / 'my_flow.py'}:my_flow")
        # Outside an event loop, Flow.deploy runs synchronously and returns the id.
        deployment_id: Any = flow.deploy(
            name,
            work_pool_name=pool_name,
            image=FLOW_IMAGE,
            build=False,
            push=False,
            print_next_steps=False,
        )
    return str(deployment_id)


def create_flow_run(api_url: str, deployment_id: str) -> str:
    """One more flow run of an existing deployment; its id."""
    from uuid import UUID

    with prefect_client(api_url) as client:
        return str(client.create_flow_run_from_deployment(UUID(deployment_id)).id)


def read_flow_run(api_url: str, flow_run_id: str) -> Any:
    """The flow run as the server has it now."""
    from uuid import UUID

    with prefect_client(api_url) as client:
        return client.read_flow_run(UUID(flow_run_id))


def check_flow_run(report: RehearsalReport, api_url: str, flow_run_id: str) -> str:
    """Check the flow run records its ECS task; returns its infrastructure pid
    (``<cluster>::<task ARN>``)."""
    fr = read_flow_run(api_url, flow_run_id)
    pid = fr.infrastructure_pid or ""
    check(
        report,
        "::arn:aws:ecs:" in pid,
        "flow run records the ECS task",
        f"state {fr.state_name}, queue {fr.work_queue_name}, pid {pid!r}",
    )
    return pid


def default_template(out: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """prefect-aws's default ECS base job template with only what the run needs in moto;
    returns it and what was changed."""
    from prefect_aws.workers.ecs_worker import ECSWorker

    template = ECSWorker.get_default_base_job_template()
    props = template["variables"]["properties"]
    changes = {
        # The task's cluster and the role it starts with (the default cluster and no
        # execution role cannot pull an image or read a secret on AWS either).
        "cluster": out["clusterArn"],
        "execution_role_arn": out["flowRunExecutionRoleArn"],
        # moto answers RunTask with 500 without securityGroups; prefect-aws only uses a
        # network_configuration together with vpc_id (else it infers the default VPC's
        # subnets with no security groups).
        "vpc_id": out["vpcId"],
        "network_configuration": {
            "subnets": list(out["subnetIds"]),
            "securityGroups": list(out["securityGroupIds"]),
            "assignPublicIp": "ENABLED",
        },
        # moto#7272: a container-level memory, which needs a value to render.
        "memory": 2048,
    }
    for key, value in changes.items():
        props[key]["default"] = value
    containers = template["job_configuration"]["task_definition"]["containerDefinitions"]
    containers[0]["memory"] = "{{ memory }}"
    return template, [*changes, "containerDefinitions[0].memory"]


def create_pool(stack_pool: dict[str, Any], name: str, template: dict[str, Any]) -> Any:
    """A second pool through the real provider, on the stack pool's server and auth."""
    from prefect_ecs.work_pool.provider import WorkPoolProvider

    props = {k: stack_pool.get(k) for k in ("api_url", "api_key", "auth_string")}
    props.update(name=name, type="ecs", base_job_template=template)
    return WorkPoolProvider().create(props)


def read_deployment_id(api_url: str, name: str) -> str:
    """The id of the deployment ``<flow name>/<deployment name>``."""
    with prefect_client(api_url) as client:
        return str(client.read_deployment_by_name(name).id)
