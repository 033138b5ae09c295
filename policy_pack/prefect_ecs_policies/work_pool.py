"""The Prefect ECS work pool's base job template is secure by default.

The WorkPool dynamic resource (``pulumi-python:dynamic/prefect:WorkPool``) has snake_case
props ``name``, ``type`` and ``base_job_template`` (``job_configuration`` + ``variables``;
defaults live in ``variables.properties.<var>.default``).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .common import (
    MANDATORY,
    TASK_DEFINITION,
    WORK_POOL,
    Report,
    as_list,
    config_value,
    container_definitions,
    env_pairs,
    get,
    parse_json,
    schema,
)
from .credential_env import env_credential
from .stack import worker_pools
from .wired_variables import CREDENTIAL_VARIABLES, WIRED_JOB_VARIABLES

ECS_POOL_TYPES = {"ecs", "ecs:push"}
SECRET_ARN_VARIABLES = tuple(CREDENTIAL_VARIABLES)


def _default(template: dict[str, Any], variable: str) -> Any:
    """``variables.properties.<variable>.default`` (None when absent)."""
    variables = template.get("variables")
    props = variables.get("properties") if isinstance(variables, dict) else None
    spec = props.get(variable) if isinstance(props, dict) else None
    return spec.get("default") if isinstance(spec, dict) else None


def _literal(template: dict[str, Any], key: str) -> Any:
    """A ``job_configuration`` value hard-coded in the template (not a ``{{ var }}``)."""
    job = template.get("job_configuration")
    value = job.get(key) if isinstance(job, dict) else None
    return None if isinstance(value, str) and "{{" in value else value


def _run_request(template: dict[str, Any], key: str) -> Any:
    """``job_configuration.task_run_request.<key>`` when written literally."""
    job = template.get("job_configuration")
    request = job.get("task_run_request") if isinstance(job, dict) else None
    value = request.get(key) if isinstance(request, dict) else None
    return None if isinstance(value, str) and "{{" in value else value


def _is_ecs_pool(props: Any) -> bool:
    """An ECS work pool (the type the worker polls)."""
    return str(get(props, "type") or "").lower() in ECS_POOL_TYPES


def _env_items(env: Any) -> list[tuple[str, Any]]:
    if isinstance(env, dict):
        return [(str(k), v) for k, v in env.items()]
    if isinstance(env, list):
        return [(str(e.get("name")), e.get("value")) for e in env if isinstance(e, dict)]
    return []


def _validate_pool(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != WORK_POOL or not _is_ecs_pool(args.props):
        return
    template = parse_json(get(args.props, "base_job_template"))
    if not isinstance(template, dict):
        report("base_job_template is missing; the pool would use prefect-aws's insecure defaults.")
        return

    for env in (_default(template, "env"), _literal(template, "env")):
        leaked = [n for n, value in _env_items(env) if env_credential(n, value)]
        if leaked:
            report(
                f"env default holds {', '.join(leaked)} in plaintext, which looks like a "
                "credential; use prefect_api_key_secret_arn / "
                "prefect_api_auth_string_secret_arn for Prefect's, and container secrets "
                "(valueFrom) in the task definition for others."
            )
    has_secret = any(_default(template, v) or _literal(template, v) for v in SECRET_ARN_VARIABLES)
    if not has_secret and config_value(args, "requireCredentialSecret", False) is True:
        report("no credential secret ARN default (the stack requires an authenticated server).")

    if not (_default(template, "execution_role_arn") or _literal(template, "execution_role_arn")):
        report("no execution_role_arn default; flow runs could not pull secrets or write logs.")

    # The network flow runs get: the network_configuration default when set (prefect-aws
    # then builds RunTask's from it), else the task run request's literal one.
    network = (
        _default(template, "network_configuration")
        or _literal(template, "network_configuration")
        or _run_request(template, "networkConfiguration")
    )
    vpc = network.get("awsvpcConfiguration", network) if isinstance(network, dict) else None
    if not isinstance(vpc, dict) or not vpc.get("securityGroups"):
        report(
            "no network configuration with security groups (in task_run_request or the "
            "network_configuration default); flow runs would get the VPC default security "
            "group and a public IP."
        )
    elif str(vpc.get("assignPublicIp", "")).upper() == "ENABLED" and (
        config_value(args, "allowPublicIp", False) is not True
    ):
        report("network_configuration assigns public IPs to flow runs.")


prefect_work_pool_secure_template = ResourceValidationPolicy(
    name="prefect-work-pool-secure-template",
    description=(
        "An ECS work pool's base job template must pass credentials by secret ARN (never in "
        "env), and default execution_role_arn and a network configuration (security groups)."
    ),
    enforcement_level=MANDATORY,
    config_schema=schema(
        {
            "requireCredentialSecret": {
                "type": "boolean",
                "default": False,
                "description": "Require a credential secret ARN (off: unauthenticated servers OK).",
            },
            "allowPublicIp": {
                "type": "boolean",
                "default": False,
                "description": "Allow assignPublicIp ENABLED in the pool's network default.",
            },
        }
    ),
    validate=_validate_pool,
)


def _ecs_pools(args: StackValidationArgs) -> dict[str, dict[str, Any]]:
    """The stack's ECS work pools' templates, by pool name."""
    pools: dict[str, dict[str, Any]] = {}
    for r in args.resources:
        if r.resource_type != WORK_POOL or not get(r.props, "name"):
            continue
        if not _is_ecs_pool(r.props):
            continue
        template = parse_json(get(r.props, "base_job_template"))
        if isinstance(template, dict):
            pools[str(get(r.props, "name"))] = template
    return pools


def _validate_credential_secret(args: StackValidationArgs, report: Report) -> None:
    pools = _ecs_pools(args)
    for resource in args.resources:
        if resource.resource_type != TASK_DEFINITION:
            continue
        for container in container_definitions(resource.props) or []:
            parts = [
                str(p)
                for p in [*as_list(container.get("entryPoint")), *as_list(container.get("command"))]
            ]
            env = {k: str(v) for k, v in env_pairs(container) if v is not None}
            secrets = {
                str(s.get("name")): s.get("valueFrom")
                for s in as_list(container.get("secrets"))
                if isinstance(s, dict)
            }
            for pool in worker_pools(parts, env):
                template = pools.get(pool) if pool is not None else None
                if template is None:
                    continue
                for variable, env_name in CREDENTIAL_VARIABLES.items():
                    worker_secret = secrets.get(env_name)
                    if not worker_secret:
                        continue
                    default = _default(template, variable) or _literal(template, variable)
                    if default == worker_secret:
                        continue
                    state = "another secret than" if default else "no default, unlike"
                    report(
                        f"work pool '{pool}' has {state} the {env_name} secret of its worker "
                        f"'{resource.name}' in {variable}: flow runs would "
                        + (
                            "authenticate with another credential"
                            if default
                            else f"get {env_name} in plaintext (prefect-aws copies the "
                            "worker's setting into the task's environment)"
                        )
                        + f". The stack sets it: {_plain_fix(variable)}.",
                        resource.urn,
                    )


#: Read by ``prefect flow-run execute``: ``reschedule`` puts a run whose task gets SIGTERM
#: (a Fargate Spot interruption) back to Scheduled instead of letting it crash.
SIGTERM_BEHAVIOR_ENV = "PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR"


def _validate_capacity(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != WORK_POOL or not _is_ecs_pool(args.props):
        return
    template = parse_json(get(args.props, "base_job_template"))
    if not isinstance(template, dict):
        return
    strategy = _default(template, "capacity_provider_strategy") or _run_request(
        template, "capacityProviderStrategy"
    )
    launch_type = _default(template, "launch_type") or _run_request(template, "launchType")
    if strategy and launch_type:
        report(
            f"the template sets both launch_type ({launch_type}) and a capacity provider "
            "strategy; ECS's RunTask takes one or the other: drop the launch_type default "
            "(prefect-ecs's flowRunFargateSpot / flowRunEc2Capacity do)."
        )
    providers = [
        str(item.get("capacityProvider")) for item in as_list(strategy) if isinstance(item, dict)
    ]
    if "FARGATE_SPOT" not in providers and launch_type != "FARGATE_SPOT":
        return
    env = dict(_env_items(_default(template, "env"))) | dict(_env_items(_literal(template, "env")))
    if str(env.get(SIGTERM_BEHAVIOR_ENV, "")).lower() != "reschedule":
        report(
            f"flow runs may run on FARGATE_SPOT but the env default does not set "
            f"{SIGTERM_BEHAVIOR_ENV}=reschedule: a run Spot interrupts would crash instead of "
            "being rescheduled (prefect-ecs's flowRunFargateSpot sets it)."
        )


prefect_work_pool_capacity = ResourceValidationPolicy(
    name="prefect-work-pool-capacity",
    description=(
        "An ECS work pool's template sets a launch type or a capacity provider strategy, "
        f"never both; on FARGATE_SPOT its env sets {SIGTERM_BEHAVIOR_ENV}=reschedule."
    ),
    enforcement_level=MANDATORY,
    validate=_validate_capacity,
)


def _plain_fix(variable: str) -> str:
    return WIRED_JOB_VARIABLES[variable].fix.replace("``", "")


prefect_work_pool_credential_secret = StackValidationPolicy(
    name="prefect-work-pool-credential-secret",
    description=(
        "A worker that reads PREFECT_API_KEY / PREFECT_API_AUTH_STRING from a secret polls "
        "an ECS pool whose prefect_api_key_secret_arn / prefect_api_auth_string_secret_arn "
        "default is that same secret (not missing, null or another one)."
    ),
    enforcement_level=MANDATORY,
    validate=_validate_credential_secret,
)

POLICIES = [
    prefect_work_pool_secure_template,
    prefect_work_pool_credential_secret,
    prefect_work_pool_capacity,
]
