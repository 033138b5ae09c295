"""Rules over the work pool's job variables (``work_pool_job_variables``).

A job variable may not undo what the stack wires (the cluster, the roles, the
credential's secret, the logs, the network: the table
:data:`~prefect_ecs.documents.wired_variables.WIRED_JOB_VARIABLES`, which the job template
builder and the policy pack use too); the ones a pool may choose are checked like the
stack's own values: ``env`` like ``worker_environment``, ``cpu``/``memory`` as a Fargate
size within the flow-run maximums, ``image`` pinned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..documents.fargate import fargate_memory_error
from ..documents.wired_variables import WIRED_JOB_VARIABLES
from ..validation import Problem, Rule, RuleInput, _is_int, image_problem
from ._registry import RULES, rule
from .environment import ENV_NAME, credential_problem, reserved_name

__all__ = ["fix_text"]

FIELD = "work_pool_job_variables"


def fix_text(v: RuleInput, text: str) -> str:
    """``text`` with each double-backquoted argument name as the user wrote it."""
    return re.sub(r"``([^`]+)``", lambda m: v.label(m.group(1)), text)


def _variables(v: RuleInput) -> Mapping[str, Any] | None:
    variables = v[FIELD]
    if not v["create_work_pool"] or not isinstance(variables, Mapping) or not variables:
        return None
    return variables


@rule(FIELD, "create_work_pool")
def job_variables(v: RuleInput) -> Iterator[Problem]:
    variables = _variables(v)
    if variables is None:
        return
    # Imported here: the names come from prefect-aws's template (cached on disk).
    from ..documents.job_template import ecs_job_variable_names

    valid = ecs_job_variable_names()
    unknown = sorted(set(variables) - set(valid))
    if unknown:
        yield (
            FIELD,
            f"unknown ECS job variable(s) {', '.join(unknown)}; "
            f"prefect-aws's ECS template has: {', '.join(valid)}",
        )
    for name in sorted(set(variables) & set(WIRED_JOB_VARIABLES)):
        wired = WIRED_JOB_VARIABLES[name]
        yield (FIELD, f"{name} can't be set: {wired.why}; {fix_text(v, wired.fix)}")
    if "image" in variables and (msg := image_problem(variables["image"])):
        yield (FIELD, f"image {msg}")


@rule(FIELD, "create_work_pool", "flow_run_secrets")
def job_variables_env(v: RuleInput) -> Iterator[Problem]:
    variables = _variables(v)
    env = variables.get("env") if variables is not None else None
    if env is None:
        return
    if not isinstance(env, Mapping):
        yield (FIELD, f"env must be a mapping of variable name to value, got {env!r}")
        return
    secrets = v["flow_run_secrets"] if isinstance(v["flow_run_secrets"], Mapping) else {}
    for name, value in env.items():
        if not ENV_NAME.match(str(name)):
            yield (FIELD, f"env: {name!r} is not an environment variable name")
        elif reason := reserved_name(v, str(name), flow_run=True):
            yield (FIELD, f"env: {name} {reason}")
        elif msg := credential_problem(v, name, value, "flow_run_secrets"):
            yield (FIELD, f"env: {msg}")
        elif name in secrets:
            yield (
                FIELD,
                f"env: {name} is also in {v.label('flow_run_secrets')}; keep it in one of them",
            )


def _size(value: Any) -> Any:
    """A job variable's cpu/memory as an int where prefect-aws would take it as one."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


@rule(FIELD, "create_work_pool", "flow_run_cpu", "flow_run_memory")
def job_variables_size(v: RuleInput) -> Iterator[Problem]:
    variables = _variables(v)
    if variables is None or not ({"cpu", "memory"} & set(variables)):
        return
    for key in ("cpu", "memory"):
        if key in variables and not _is_int(_size(variables[key])):
            yield (FIELD, f"{key} must be a whole number, got {variables[key]!r}")
            return
    cpu = _size(variables.get("cpu", v["flow_run_cpu"]))
    memory = _size(variables.get("memory", v["flow_run_memory"]))
    if _is_int(cpu) and _is_int(memory) and (msg := fargate_memory_error(cpu, memory)):
        sources = [
            f"{key} {value} from " + v.label(FIELD if key in variables else f"flow_run_{key}")
            for key, value in (("cpu", cpu), ("memory", memory))
        ]
        yield (FIELD, f"{msg} ({', '.join(sources)}); flow runs could not start")


def _max_rule(size_field: str, max_field: str, job_variable: str) -> None:
    def within_max(v: RuleInput) -> Iterator[Problem]:
        size, most = v[size_field], v[max_field]
        if not _is_int(most):
            return
        if most <= 0:
            yield (max_field, f"must be a positive number, not {most}")
            return
        if _is_int(size) and size > most:
            yield (
                max_field,
                f"{most} is below {v.label(size_field)} ({size}): flow runs could not start; "
                f"raise {v.label(max_field)} or lower {v.label(size_field)}",
            )
        variables = v[FIELD]
        asked = _size(variables.get(job_variable)) if isinstance(variables, Mapping) else None
        if _is_int(asked) and asked > most:
            yield (
                FIELD,
                f"{job_variable} {asked} is above {v.label(max_field)} ({most}): the worker "
                "role may not register or run such tasks",
            )

    RULES.append(Rule(f"max_{size_field}", (size_field, max_field, FIELD), within_max))


_max_rule("flow_run_cpu", "flow_run_max_cpu", "cpu")
_max_rule("flow_run_memory", "flow_run_max_memory", "memory")
