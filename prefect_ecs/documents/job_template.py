"""Build the ECS work pool base job template from stack values (pure, no I/O).

Starts from prefect-aws's own default template
(``ECSWorker.get_default_base_job_template()`` of the prefect-aws version the worker image
runs, shipped with the package: see ``TEMPLATE_RESOURCE``), deep-copied, and sets the
defaults of its variables (``variables.properties.<name>.default``) from the stack.

CloudWatch logs: prefect-aws builds the container log options as
``{"awslogs-create-group": "true", "awslogs-group": "prefect", ..., **cloudwatch_logs_options}``
(``ECSWorker._prepare_task_definition``), so the pool's ``cloudwatch_logs_options``
override its defaults. This template sets ``awslogs-group`` to the stack's log group
and ``awslogs-create-group`` to ``"false"``: the group exists, and the flow-run
execution role then needs no ``logs:CreateLogGroup``.

Secrets: exactly one of ``prefect_api_key_secret_arn`` / ``prefect_api_auth_string_secret_arn``
may be set. prefect-aws 0.7.12 does ``del env["PREFECT_API_KEY"]`` whenever the key ARN is
set without checking it is there, so a worker that authenticates with an auth string (or
not at all) raises KeyError if the pool sets the key ARN.

Variables the stack wires itself (the cluster, the roles, the credential's secret ARN,
the logs, the network: :data:`WIRED_JOB_VARIABLES`) can't be set through ``job_variables``.
Other secrets reach flow runs as ``secrets`` of the template's flow-run container
(``task_definition.containerDefinitions``): prefect-aws's ``_prepare_task_definition``
keeps them and merges the credential's secret into the same list.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .capacity import strategy_platform_version, strategy_task_definition_fields
from .containers import SECRET_ENV_NAME
from .wired_variables import CREDENTIAL_VARIABLES, WIRED_JOB_VARIABLES

__all__ = [
    "SECRET_ARN_VARIABLE",
    "WIRED_JOB_VARIABLES",
    "build_ecs_base_job_template",
    "cloudwatch_logs_variables",
    "default_ecs_base_job_template",
    "ecs_job_variable_names",
    "network_configuration",
    "secret_arn_variables",
    "template_prefect_aws_version",
]


#: prefect-aws's ECS base job template, as ``ECSWorker.get_default_base_job_template()``
#: of the prefect-aws version the worker image runs, with that version. Written by
#: ``make generate`` from the installed prefect-aws (pinned in the dev dependencies); a
#: test keeps it equal to what prefect-aws builds. Shipped as data, so a stack needs
#: neither prefect-aws installed nor its 1.5 s import, and the template matches the
#: worker that will render it rather than whatever prefect-aws the deployer has.
TEMPLATE_RESOURCE = "prefect_aws_ecs_template.json"


class TemplateSnapshotError(ValueError):
    """The shipped template file is unreadable or of the wrong shape, and prefect-aws is
    not installed to rebuild it."""


def _template_file() -> Any:
    """The shipped template file (a ``Traversable``)."""
    return resources.files(__package__).joinpath(TEMPLATE_RESOURCE)


def _shape_problem(snapshot: Any) -> str | None:
    """What the code below needs of the file and it lacks, or None."""
    if not isinstance(snapshot, dict):
        return "the top level is not a JSON object"
    if not isinstance(snapshot.get("prefect_aws_version"), str):
        return "'prefect_aws_version' is missing or not a string"
    template = snapshot.get("template")
    if not isinstance(template, dict):
        return "'template' is missing or not an object"
    properties = (template.get("variables") or {}).get("properties")
    if not isinstance(properties, dict) or not all(
        isinstance(p, dict) for p in properties.values()
    ):
        return "'template.variables.properties' is missing or not an object of objects"
    job = template.get("job_configuration")
    if not isinstance(job, dict) or not isinstance(job.get("task_run_request"), dict):
        return "'template.job_configuration.task_run_request' is missing or not an object"
    containers = (job.get("task_definition") or {}).get("containerDefinitions")
    if not isinstance(containers, list) or not containers or not isinstance(containers[0], dict):
        return (
            "'template.job_configuration.task_definition.containerDefinitions' is missing or "
            "not a list of objects"
        )
    return None


def _rebuilt() -> dict[str, Any] | None:
    """The snapshot from the installed prefect-aws (what ``make generate`` writes), or
    None without prefect-aws."""
    from importlib import import_module
    from importlib.metadata import version

    try:
        # Optional, by name: prefect-aws is no dependency of the package (only of its
        # development); without it the caller names the file and the fix.
        worker = import_module("prefect_aws.workers.ecs_worker")
    except ImportError:
        return None
    return {
        "prefect_aws_version": version("prefect-aws"),
        "template": worker.ECSWorker.get_default_base_job_template(),
    }


@functools.cache
def _snapshot() -> dict[str, Any]:
    """The shipped template, checked for the shape the builders read.

    A file that is not JSON, or JSON of another shape (a truncated or hand-edited copy),
    would otherwise fail every plan with a KeyError deep in a builder. It is rebuilt from
    the installed prefect-aws and written back (best effort: an installed package may be
    read-only); without prefect-aws, :class:`TemplateSnapshotError` names the file and the
    fix.
    """
    path = _template_file()
    try:
        snapshot: Any = json.loads(path.read_text(encoding="utf-8"))
        problem = _shape_problem(snapshot)
    except (OSError, ValueError) as exc:  # missing, not UTF-8, not JSON
        problem = f"can't be read as JSON ({type(exc).__name__}: {exc})"
    if problem is None:
        return dict(snapshot)
    rebuilt = _rebuilt()
    if rebuilt is None or _shape_problem(rebuilt) is not None:
        raise TemplateSnapshotError(
            f"{path}: {problem}. Reinstall prefect-ecs, or in a checkout run `make generate` "
            "(it rewrites the file from the pinned prefect-aws)"
        )
    try:
        target = Path(str(path))
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rebuilt, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(target)
    except OSError:
        pass  # read-only: rebuilt again next time
    return rebuilt


def template_prefect_aws_version() -> str:
    """The prefect-aws version the shipped template comes from."""
    return str(_snapshot()["prefect_aws_version"])


def default_ecs_base_job_template() -> dict[str, Any]:
    """A deep copy of prefect-aws's default ECS base job template."""
    return copy.deepcopy(_snapshot()["template"])


def ecs_job_variable_names(template: dict[str, Any] | None = None) -> list[str]:
    """Sorted names of the job variables (``variables.properties``) of the template."""
    template = template if template is not None else _snapshot()["template"]  # read, no copy
    return sorted(template.get("variables", {}).get("properties", {}))


#: The job variables that carry the credential's secret ARN, by credential kind.
SECRET_ARN_VARIABLE = {
    kind: variable
    for kind, env_name in SECRET_ENV_NAME.items()
    for variable, injected in CREDENTIAL_VARIABLES.items()
    if injected == env_name
}


def secret_arn_variables(*, kind: str, secret_arn: str) -> dict[str, Any]:
    """The job variable that makes flow-run tasks read the credential from its secret
    (exactly the one matching the worker's credential: see the module docstring)."""
    return {SECRET_ARN_VARIABLE[kind]: secret_arn}


def cloudwatch_logs_variables(
    *, log_group_name: str, region: str, stream_prefix: str = "prefect"
) -> dict[str, Any]:
    """Job variables that send flow-run logs to a log group the stack owns."""
    return {
        "configure_cloudwatch_logs": True,
        "cloudwatch_logs_options": {
            "awslogs-group": log_group_name,
            "awslogs-region": region,
            "awslogs-stream-prefix": stream_prefix,
            "awslogs-create-group": "false",
        },
    }


def build_ecs_base_job_template(
    *,
    cluster_arn: str,
    execution_role_arn: str,
    task_role_arn: str,
    subnet_ids: list[str],
    security_group_ids: list[str],
    assign_public_ip: bool,
    cpu: int,
    memory: int,
    contributed: Mapping[str, Any] | None = None,
    job_variables: Mapping[str, Any] | None = None,
    container_secrets: Sequence[Mapping[str, str]] = (),
    capacity_provider_strategy: Sequence[Mapping[str, Any]] | None = None,
    cpu_architecture: str = "X86_64",
) -> dict[str, Any]:
    """Return prefect-aws's ECS base job template with the stack's values as defaults.

    ``contributed`` are the defaults the stack's concerns add (logs, the credential's
    secret ARN, ...); ``job_variables`` are the user's, applied last, so they win (an
    ``env`` of both is merged, the user's names winning), but may not set a variable the
    stack wires (:data:`WIRED_JOB_VARIABLES`).

    ``capacity_provider_strategy`` (RunTask-shaped items) becomes the default of the
    ``capacity_provider_strategy`` variable and ``launch_type`` loses its default, so the
    rendered RunTask request has a strategy and no launch type (see
    :mod:`.capacity`); the job variables may then set neither. ``cpu_architecture``
    other than ``X86_64`` becomes the task definition's ``runtimePlatform``.
    ``container_secrets`` (``{"name", "valueFrom"}`` entries) become the ``secrets`` of
    the flow-run container. An unknown variable name raises ``ValueError`` naming it and
    listing the valid ones, as do a wired variable in ``job_variables`` and both secret
    ARN variables.
    """
    template = default_ecs_base_job_template()
    properties: dict[str, Any] = template["variables"]["properties"]
    valid = sorted(properties)
    wired = sorted(set(job_variables or {}) & set(WIRED_JOB_VARIABLES))
    if wired:
        raise ValueError(
            "job variable(s) the stack wires itself can't be set: "
            + "; ".join(f"{name}: {WIRED_JOB_VARIABLES[name].why}" for name in wired)
        )

    given = {**(contributed or {}), **(job_variables or {})}
    env_groups = [g["env"] for g in (contributed or {}, job_variables or {}) if g.get("env")]
    if len(env_groups) > 1:
        given["env"] = {k: v for group in env_groups for k, v in group.items()}
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown ECS job variable(s): {', '.join(unknown)}; valid variables are: "
            f"{', '.join(valid)}"
        )
    if all(given.get(v) for v in SECRET_ARN_VARIABLE.values()):
        raise ValueError(
            "give at most one of prefect_api_key_secret_arn and "
            "prefect_api_auth_string_secret_arn: the worker authenticates with either a "
            "Prefect Cloud API key or a self-hosted auth string, and prefect-aws 0.7.12 "
            "raises KeyError when the key ARN is set for a worker without PREFECT_API_KEY"
        )

    defaults: dict[str, Any] = {
        "cluster": cluster_arn,
        "execution_role_arn": execution_role_arn,
        "task_role_arn": task_role_arn,
        "cpu": int(cpu),
        "memory": int(memory),
        # Reuse the latest revision of a flow's task definition family when it matches,
        # instead of registering a new revision for every flow run (fewer
        # RegisterTaskDefinition calls, no revision pile-up, no registration throttling).
        "match_latest_revision_in_family": True,
    }
    defaults.update(copy.deepcopy(given))

    if capacity_provider_strategy:
        chosen = sorted({"launch_type", "capacity_provider_strategy"} & set(job_variables or {}))
        if chosen:
            raise ValueError(
                f"job variable(s) {', '.join(chosen)} can't be set: the stack's capacity "
                "provider strategy decides where flow runs run"
            )
        defaults["capacity_provider_strategy"] = [dict(i) for i in capacity_provider_strategy]
        properties["launch_type"].pop("default", None)

    for name, value in defaults.items():
        properties[name]["default"] = value
    job = template["job_configuration"]
    job["task_definition"].update(
        strategy_task_definition_fields(capacity_provider_strategy, cpu_architecture)
    )
    if version := strategy_platform_version(capacity_provider_strategy, cpu_architecture):
        job["task_run_request"]["platformVersion"] = version
    if container_secrets:
        container = template["job_configuration"]["task_definition"]["containerDefinitions"][0]
        container["secrets"] = [
            {"name": e["name"], "valueFrom": e["valueFrom"]}
            for e in sorted(container_secrets, key=lambda e: e["name"])
        ]
    template["job_configuration"]["task_run_request"]["networkConfiguration"] = (
        network_configuration(
            subnet_ids=subnet_ids,
            security_group_ids=security_group_ids,
            assign_public_ip=assign_public_ip,
        )
    )
    return template


def network_configuration(
    *, subnet_ids: list[str], security_group_ids: list[str], assign_public_ip: bool
) -> dict[str, Any]:
    """The RunTask ``networkConfiguration`` of flow-run tasks.

    Written into the template's ``task_run_request`` rather than set as the
    ``network_configuration`` / ``vpc_id`` job variables: with those set, prefect-aws
    validates them on every flow run with ``ec2:DescribeVpcs`` and
    ``ec2:DescribeSubnets`` (``ECSWorker._custom_network_configuration``), and with
    neither it looks the default VPC up the same way (``_load_network_configuration``).
    With the request's ``networkConfiguration`` present and the variables unset it calls
    neither: a warm flow run costs DescribeTaskDefinition and RunTask, and the worker
    role needs no ec2 action. A deployment that sets ``network_configuration`` (with
    ``vpc_id``) still overrides it, and pays the two ec2 calls.
    """
    return {
        "awsvpcConfiguration": {
            "subnets": list(subnet_ids),
            "securityGroups": list(security_group_ids),
            "assignPublicIp": "ENABLED" if assign_public_ip else "DISABLED",
        }
    }
