"""The Prefect ECS work pool's base job template is secure by default.

The WorkPool dynamic resource (``pulumi-python:dynamic/prefect:WorkPool``) has snake_case
props ``name``, ``type`` and ``base_job_template`` (``job_configuration`` + ``variables``;
defaults live in ``variables.properties.<var>.default``).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import MANDATORY, WORK_POOL, Report, config_value, get, parse_json, schema

ECS_POOL_TYPES = {"ecs", "ecs:push"}
CREDENTIAL_ENV = ("PREFECT_API_KEY", "PREFECT_API_AUTH_STRING")
SECRET_ARN_VARIABLES = ("prefect_api_key_secret_arn", "prefect_api_auth_string_secret_arn")


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


def _run_request_network(template: dict[str, Any]) -> Any:
    """``job_configuration.task_run_request.networkConfiguration`` when written literally."""
    job = template.get("job_configuration")
    request = job.get("task_run_request") if isinstance(job, dict) else None
    value = request.get("networkConfiguration") if isinstance(request, dict) else None
    return None if isinstance(value, str) and "{{" in value else value


def _env_names(env: Any) -> list[str]:
    if isinstance(env, dict):
        return [str(k) for k in env]
    if isinstance(env, list):
        return [str(e.get("name")) for e in env if isinstance(e, dict)]
    return []


def _validate_pool(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != WORK_POOL:
        return
    if str(get(args.props, "type") or "").lower() not in ECS_POOL_TYPES:
        return
    template = parse_json(get(args.props, "base_job_template"))
    if not isinstance(template, dict):
        report("base_job_template is missing; the pool would use prefect-aws's insecure defaults.")
        return

    for env in (_default(template, "env"), _literal(template, "env")):
        leaked = [n for n in _env_names(env) if n.upper() in CREDENTIAL_ENV]
        if leaked:
            report(
                f"env default holds {', '.join(leaked)} in plaintext; use "
                "prefect_api_key_secret_arn / prefect_api_auth_string_secret_arn."
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
        or _run_request_network(template)
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

POLICIES = [prefect_work_pool_secure_template]
