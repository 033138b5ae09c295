"""The component's general rules: credentials, sizes, network, images, roles, commands
(the environment's are in :mod:`.environment`, the work pool's in :mod:`.pool`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import urlparse

from ..documents.fargate import fargate_memory_error
from ..validation import (
    Problem,
    Rule,
    RuleInput,
    _is_int,
    image_problem,
    is_prefect_cloud,
    pool_name_problem,
    shown_url,
)
from ._registry import RULES, rule

#: Retention values CloudWatch Logs accepts (PutRetentionPolicy). 0 ("never expire")
#: is deliberately absent: logs that never expire are a cost and compliance trap.
VALID_LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/[A-Za-z0-9_-]{1,255}$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/.+$")
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
ECR_REPOSITORY_ARN = re.compile(r"^arn:aws[a-z-]*:ecr:[a-z0-9-]+:\d{12}:repository/.+$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
CONTAINER_INSIGHTS = ("enabled", "enhanced", "disabled")
CPU_ARCHITECTURES = ("X86_64", "ARM64")
SECRET_KINDS = ("api_key", "auth_string")
CREDENTIAL_FIELDS = ("prefect_api_key", "prefect_auth_string", "prefect_api_secret_arn")


#: Arguments that must be an ARN of one kind: the pattern and how the ARN looks.
ARN_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "prefect_api_secret_arn": (
        SECRET_ARN,
        "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
    ),
    "secret_kms_key_arn": (KMS_KEY_ARN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"),
    "cluster_arn": (
        CLUSTER_ARN,
        "an ECS cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)",
    ),
    "flow_run_task_role_arn": (
        ROLE_ARN,
        "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
    ),
    "observer_kms_key_arn": (
        KMS_KEY_ARN,
        "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
    ),
    "alarm_topic_arn": (SNS_TOPIC_ARN, "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)"),
}
#: Arguments that take one of a few values.
CHOICES: dict[str, tuple[str, ...]] = {
    "prefect_api_secret_kind": SECRET_KINDS,
    "container_insights": CONTAINER_INSIGHTS,
    "cpu_architecture": CPU_ARCHITECTURES,
}


def _arn_rule(field: str, pattern: re.Pattern[str], what: str) -> None:
    def arn_format(v: RuleInput) -> Iterator[Problem]:
        arn = v[field]
        if isinstance(arn, str) and not pattern.match(arn):
            yield (field, f"is not {what}")

    RULES.append(Rule(f"arn_{field}", (field,), arn_format))


def _choice_rule(field: str, choices: tuple[str, ...]) -> None:
    def one_of(v: RuleInput) -> Iterator[Problem]:
        if v[field] is not None and v[field] not in choices:
            yield (field, f"{v[field]!r} is not one of {', '.join(choices)}")

    RULES.append(Rule(f"choice_{field}", (field,), one_of))


for _field, (_pattern, _what) in ARN_FORMATS.items():
    _arn_rule(_field, _pattern, _what)
for _field, _choices in CHOICES.items():
    _choice_rule(_field, _choices)


@rule("prefect_api_url")
def api_url(v: RuleInput) -> Iterator[Problem]:
    url = v["prefect_api_url"]
    if url is None or not str(url).strip():
        yield (
            "prefect_api_url",
            "is required; set it to your Prefect API URL, e.g. "
            "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id> or http://host:4200/api",
        )
        return
    try:
        parsed = urlparse(str(url))
        host = parsed.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parsed, host = None, None
    if parsed is None or parsed.scheme not in ("http", "https") or not host:
        yield (
            "prefect_api_url",
            f"{shown_url(url)!r} is not an http(s) URL; use e.g. https://prefect.example.com/api",
        )


@rule()
def one_credential_source(v: RuleInput) -> Iterator[Problem]:
    given = [f for f in CREDENTIAL_FIELDS if v.given(f)]
    if len(given) > 1:
        yield (
            given[1],
            "only one credential source may be set, but "
            + " and ".join(v.label(f) for f in given)
            + " are; keep exactly one",
        )


@rule("prefect_api_url", "prefect_api_secret_kind")
def cloud_needs_api_key(v: RuleInput) -> Iterator[Problem]:
    url = v["prefect_api_url"]
    if not isinstance(url, str) or not is_prefect_cloud(url):
        return
    given = [f for f in CREDENTIAL_FIELDS if v.given(f)]
    if not given:
        yield (
            "prefect_api_key",
            "Prefect Cloud needs an API key; set it as a secret "
            "(pulumi config set --secret prefectApiKey <key>) or give "
            + v.label("prefect_api_secret_arn"),
        )
    elif "prefect_auth_string" in given:
        yield (
            "prefect_auth_string",
            "Prefect Cloud authenticates with an API key, not a basic-auth string; "
            "use " + v.label("prefect_api_key"),
        )
    elif given == ["prefect_api_secret_arn"] and v["prefect_api_secret_kind"] == "auth_string":
        yield ("prefect_api_secret_kind", "Prefect Cloud needs an API key; set it to 'api_key'")


@rule("work_pool_name")
def work_pool_name(v: RuleInput) -> Iterator[Problem]:
    if v["work_pool_name"] is not None and (msg := pool_name_problem(v["work_pool_name"])):
        yield ("work_pool_name", msg)


def _size_rule(cpu_field: str, mem_field: str) -> None:
    def fargate_size(v: RuleInput) -> Iterator[Problem]:
        cpu, mem = v[cpu_field], v[mem_field]
        if not (_is_int(cpu) and _is_int(mem)):
            return  # the kind check says why
        msg = fargate_memory_error(cpu, mem)
        if msg:
            yield (cpu_field if msg.startswith("cpu") else mem_field, msg)

    RULES.append(Rule(f"fargate_size_{cpu_field}", (cpu_field, mem_field), fargate_size))


_size_rule("worker_cpu", "worker_memory")
_size_rule("flow_run_cpu", "flow_run_memory")


@rule("worker_desired_count")
def desired_count(v: RuleInput) -> Iterator[Problem]:
    count = v["worker_desired_count"]
    if _is_int(count) and count < 0:
        yield ("worker_desired_count", f"{count!r} must be >= 0 (0 stops the worker)")


@rule("log_retention_days")
def log_retention(v: RuleInput) -> Iterator[Problem]:
    days = v["log_retention_days"]
    if _is_int(days) and days not in VALID_LOG_RETENTION_DAYS:
        yield (
            "log_retention_days",
            f"{days!r} is not a retention CloudWatch Logs accepts; use one of "
            + ", ".join(str(d) for d in VALID_LOG_RETENTION_DAYS),
        )


@rule()
def vpc_with_subnets(v: RuleInput) -> Iterator[Problem]:
    if v.given("vpc_id") and not v.given("subnet_ids"):
        yield (
            "subnet_ids",
            f"are required when {v.label('vpc_id')} is set; list the VPC's subnets",
        )
    if v.given("subnet_ids") and not v.given("vpc_id"):
        yield ("vpc_id", f"is required when {v.label('subnet_ids')} is set; give the subnets' VPC")


@rule("subnet_ids")
def subnets_not_empty(v: RuleInput) -> Iterator[Problem]:
    if v.given("subnet_ids") and v["subnet_ids"] == []:
        yield ("subnet_ids", "resolved to an empty list; give at least one subnet of the VPC")


@rule("security_group_ids")
def security_groups_not_empty(v: RuleInput) -> Iterator[Problem]:
    if v.given("security_group_ids") and v["security_group_ids"] == []:
        yield (
            "security_group_ids",
            "resolved to an empty list; give at least one group, or leave the argument out "
            "for a new egress-only group",
        )


@rule("worker_image")
def worker_image(v: RuleInput) -> Iterator[Problem]:
    if msg := image_problem(v["worker_image"]):
        yield ("worker_image", msg)


@rule("flow_run_task_role_policy_arns")
def policy_arns(v: RuleInput) -> Iterator[Problem]:
    arns = v["flow_run_task_role_policy_arns"]
    seen: set[str] = set()
    for arn in arns if isinstance(arns, list | tuple) else []:
        if isinstance(arn, str) and not POLICY_ARN.match(arn):
            yield ("flow_run_task_role_policy_arns", f"{arn!r} is not an IAM policy ARN")
        elif arn in seen:
            yield ("flow_run_task_role_policy_arns", f"{arn!r} is listed twice; list it once")
        seen.add(arn)


@rule()
def flow_run_task_role(v: RuleInput) -> Iterator[Problem]:
    if v.given("flow_run_task_role_arn") and v.given("flow_run_task_role_policy_arns"):
        yield (
            "flow_run_task_role_policy_arns",
            f"applies only to the role the component creates; with "
            f"{v.label('flow_run_task_role_arn')} attach policies to your own role",
        )


@rule("flow_run_image_repository_arns")
def image_repository_arns(v: RuleInput) -> Iterator[Problem]:
    arns = v["flow_run_image_repository_arns"]
    for arn in arns if isinstance(arns, list | tuple) else []:
        if isinstance(arn, str) and not ECR_REPOSITORY_ARN.match(arn):
            yield (
                "flow_run_image_repository_arns",
                f"{arn!r} is not an ECR repository ARN "
                "(arn:aws:ecr:<region>:<account>:repository/<name>)",
            )


@rule("crash_observer")
def observer_settings_need_observer(v: RuleInput) -> Iterator[Problem]:
    if v["crash_observer"] is False and v.given("observer_kms_key_arn"):
        yield (
            "observer_kms_key_arn",
            f"encrypts the observer's queues, which {v.label('crash_observer')} off does not "
            "create; remove it or turn the observer on",
        )


@rule("readiness_timeout_seconds")
def readiness_timeout(v: RuleInput) -> Iterator[Problem]:
    seconds = v["readiness_timeout_seconds"]
    if _is_int(seconds) and not 30 <= seconds <= 3600:
        yield (
            "readiness_timeout_seconds",
            f"{seconds} is outside 30..3600: a worker task needs about a minute to start; "
            "an hour is longer than any start",
        )


@rule("flow_image_keep_count", "flow_image_repository")
def image_keep_count(v: RuleInput) -> Iterator[Problem]:
    count = v["flow_image_keep_count"]
    if _is_int(count) and not 1 <= count <= 1000:
        yield ("flow_image_keep_count", f"{count} is outside 1..1000")
    if v.given("flow_image_keep_count") and v["flow_image_repository"] is False:
        yield (
            "flow_image_keep_count",
            f"applies to the repository {v.label('flow_image_repository')} creates; turn "
            "it on or remove this",
        )


@rule("flows_directory")
def flows_directory(v: RuleInput) -> Iterator[Problem]:
    directory = v["flows_directory"]
    if isinstance(directory, str) and not os.path.isfile(os.path.join(directory, "prefect.yaml")):
        yield (
            "flows_directory",
            f"{directory!r} has no prefect.yaml (relative paths start at the Pulumi "
            "project's directory)",
        )


@rule("smoke_run_deployment")
def smoke_run(v: RuleInput) -> Iterator[Problem]:
    name = v["smoke_run_deployment"]
    if v.given("smoke_run_deployment") and not v.given("flows_directory"):
        yield ("smoke_run_deployment", f"needs {v.label('flows_directory')} (the flows to deliver)")
    if isinstance(name, str) and name.count("/") != 1:
        yield ("smoke_run_deployment", f"{name!r} is not <flow name>/<deployment name>")


@rule("flows_skip_image_build")
def skip_build_needs_flows(v: RuleInput) -> Iterator[Problem]:
    if v["flows_skip_image_build"] is True and not v.given("flows_directory"):
        yield (
            "flows_skip_image_build",
            f"applies to flow delivery; give {v.label('flows_directory')} or remove this",
        )
