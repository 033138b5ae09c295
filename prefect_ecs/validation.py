"""Validation of :class:`PrefectEcsWorkerArgs`, run before any resource is created.

Each problem names the field and the fix. All problems are reported at once.
Values that are still unknown (``pulumi.Output``) are skipped: they can only be
checked once they resolve, which is after resources exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

import pulumi

from .documents.fargate import fargate_memory_error

#: Retention values CloudWatch Logs accepts (PutRetentionPolicy). 0 ("never expire")
#: is deliberately absent: logs that never expire are a cost and compliance trap.
VALID_LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

#: Characters the Prefect server rejects in work pool names (HTTP 422). Prefect's own
#: list is ``prefect.types.names.BANNED_CHARACTERS`` (what the WorkPool provider's check
#: uses); importing prefect costs about a second of every plan, so it is repeated here
#: and a test keeps the two equal.
FORBIDDEN_POOL_NAME_CHARS = "/%&><"
#: prefect-aws builds task definition families as ``prefect_<pool>_<deployment id>``;
#: ECS families allow only these characters, and the worker's IAM policy is scoped to
#: that family prefix.
POOL_NAME_FAMILY_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/[A-Za-z0-9_-]{1,255}$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/.+$")
CREDENTIAL_ENV_NAMES = re.compile(r"(KEY|SECRET|PASSWORD|TOKEN|AUTH_STRING|CREDENTIAL)", re.I)
CONTAINER_INSIGHTS = ("enabled", "enhanced", "disabled")
CPU_ARCHITECTURES = ("X86_64", "ARM64")
SECRET_KINDS = ("api_key", "auth_string")
CREDENTIAL_FIELDS = ("prefect_api_key", "prefect_auth_string", "prefect_api_secret_arn")


class PrefectEcsConfigError(ValueError):
    """Bad input to the component or the stack. ``problems`` lists ``(field, message)``."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = "\n".join(f"  - {field}: {message}" for field, message in problems)
        super().__init__(f"invalid prefect-ecs configuration:\n{lines}")


def is_known(value: Any) -> bool:
    """True when ``value`` is a plain value (not an Output or awaitable)."""
    return not isinstance(value, pulumi.Output) and not hasattr(value, "__await__")


def is_prefect_cloud(url: str) -> bool:
    """True for Prefect Cloud API URLs."""
    host = urlparse(url).hostname or ""
    return host == "prefect.cloud" or host.endswith(".prefect.cloud")


def pool_name_problem(name: Any) -> str | None:
    """Why ``name`` can't be this component's work pool name, or None."""
    if not isinstance(name, str) or not name.strip():
        return "must be a non-blank string; use e.g. 'my-ecs-pool'"
    bad = sorted({c for c in name if c in FORBIDDEN_POOL_NAME_CHARS})
    if bad:
        return (
            f"{name!r} contains {' '.join(bad)}, which the Prefect server rejects; "
            "use letters, digits, '-' and '_'"
        )
    if name.lower().startswith("prefect"):
        return f"{name!r} starts with 'prefect', a prefix Prefect reserves; rename it"
    if not POOL_NAME_FAMILY_SAFE.match(name):
        return (
            f"{name!r} can't be used in an ECS task definition family (prefect-aws names "
            "flow-run families 'prefect_<pool>_<deployment>'); use only letters, digits, "
            "'-' and '_' (at most 200)"
        )
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_args(
    args: Mapping[str, Any], label: Callable[[str], str] = lambda field: field
) -> None:
    """Raise :class:`PrefectEcsConfigError` listing every problem in ``args``.

    ``label`` turns an argument name into the name the user wrote (for example the
    stack config key), so messages name what the user can fix.
    """
    problems: list[tuple[str, str]] = []

    def problem(field: str, message: str) -> None:
        problems.append((label(field), message))

    def known(field: str) -> bool:
        return field in args and args[field] is not None and is_known(args[field])

    # --- Prefect API URL and credentials ---------------------------------------------
    url = args.get("prefect_api_url")
    cloud = False
    if url is None or (is_known(url) and not str(url).strip()):
        problem(
            "prefect_api_url",
            "is required; set it to your Prefect API URL, e.g. "
            "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id> or http://host:4200/api",
        )
    elif is_known(url):
        parsed = urlparse(str(url))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            problem(
                "prefect_api_url",
                f"{url!r} is not an http(s) URL; use e.g. https://prefect.example.com/api",
            )
        else:
            cloud = is_prefect_cloud(str(url))

    given = [f for f in CREDENTIAL_FIELDS if args.get(f) not in (None, "")]
    if len(given) > 1:
        problem(
            given[1],
            "only one credential source may be set, but "
            + " and ".join(label(f) for f in given)
            + " are; keep exactly one",
        )
    kind = args.get("prefect_api_secret_kind", "api_key")
    if known("prefect_api_secret_kind") and kind not in SECRET_KINDS:
        problem("prefect_api_secret_kind", f"{kind!r} is not one of {', '.join(SECRET_KINDS)}")
    if cloud:
        if not given:
            problem(
                "prefect_api_key",
                "Prefect Cloud needs an API key; set it as a secret "
                "(pulumi config set --secret prefectApiKey <key>) or give "
                + label("prefect_api_secret_arn"),
            )
        elif "prefect_auth_string" in given:
            problem(
                "prefect_auth_string",
                "Prefect Cloud authenticates with an API key, not a basic-auth string; "
                "use " + label("prefect_api_key"),
            )
        elif given == ["prefect_api_secret_arn"] and kind == "auth_string":
            problem(
                "prefect_api_secret_kind",
                "Prefect Cloud needs an API key; set it to 'api_key'",
            )
    if known("prefect_api_secret_arn") and not SECRET_ARN.match(
        str(args["prefect_api_secret_arn"])
    ):
        problem(
            "prefect_api_secret_arn",
            "is not a Secrets Manager secret ARN "
            "(arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
        )
    if known("secret_kms_key_arn") and not KMS_KEY_ARN.match(str(args["secret_kms_key_arn"])):
        problem(
            "secret_kms_key_arn", "is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"
        )

    # --- work pool -------------------------------------------------------------------
    if known("work_pool_name"):
        msg = pool_name_problem(args["work_pool_name"])
        if msg:
            problem("work_pool_name", msg)

    # --- sizes -------------------------------------------------------------------------
    for cpu_field, mem_field in (
        ("worker_cpu", "worker_memory"),
        ("flow_run_cpu", "flow_run_memory"),
    ):
        cpu, mem = args.get(cpu_field), args.get(mem_field)
        if known(cpu_field) and not _is_int(cpu):
            problem(cpu_field, f"{cpu!r} is not an integer number of CPU units")
        elif known(mem_field) and not _is_int(mem):
            problem(mem_field, f"{mem!r} is not an integer number of MiB")
        elif known(cpu_field) and known(mem_field):
            msg = fargate_memory_error(int(cpu), int(mem))  # type: ignore[arg-type]
            if msg:
                field = cpu_field if msg.startswith("cpu") else mem_field
                problem(field, msg)

    if known("worker_desired_count"):
        count = args["worker_desired_count"]
        if not _is_int(count) or count < 0:
            problem(
                "worker_desired_count", f"{count!r} must be an integer >= 0 (0 stops the worker)"
            )

    if known("log_retention_days"):
        days = args["log_retention_days"]
        if days not in VALID_LOG_RETENTION_DAYS or not _is_int(days):
            problem(
                "log_retention_days",
                f"{days!r} is not a retention CloudWatch Logs accepts; use one of "
                + ", ".join(str(d) for d in VALID_LOG_RETENTION_DAYS),
            )

    # --- network -----------------------------------------------------------------------
    has_vpc = args.get("vpc_id") not in (None, "")
    has_subnets = args.get("subnet_ids") not in (None, [])
    if has_vpc and not has_subnets:
        problem("subnet_ids", f"are required when {label('vpc_id')} is set; list the VPC's subnets")
    if has_subnets and not has_vpc:
        problem("vpc_id", f"is required when {label('subnet_ids')} is set; give the subnets' VPC")
    if known("subnet_ids") and not (
        isinstance(args["subnet_ids"], list | tuple)
        and all(isinstance(s, str) and s for s in args["subnet_ids"])
    ):
        problem("subnet_ids", "must be a list of subnet ids")
    if known("security_group_ids") and not (
        isinstance(args["security_group_ids"], list | tuple)
        and all(isinstance(s, str) and s for s in args["security_group_ids"])
    ):
        problem("security_group_ids", "must be a list of security group ids")

    # --- cluster, image, architecture ----------------------------------------------------
    if known("cluster_arn") and not CLUSTER_ARN.match(str(args["cluster_arn"])):
        problem(
            "cluster_arn",
            "is not an ECS cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)",
        )
    if known("container_insights") and args["container_insights"] not in CONTAINER_INSIGHTS:
        problem("container_insights", f"must be one of {', '.join(CONTAINER_INSIGHTS)}")
    if known("cpu_architecture") and args["cpu_architecture"] not in CPU_ARCHITECTURES:
        problem("cpu_architecture", f"must be one of {', '.join(CPU_ARCHITECTURES)}")
    if known("worker_image"):
        msg = image_problem(args["worker_image"])
        if msg:
            problem("worker_image", msg)
    if known("worker_environment"):
        env = args["worker_environment"]
        if not isinstance(env, Mapping):
            problem("worker_environment", "must be a mapping of variable name to value")
        else:
            for name in env:
                if name in ("PREFECT_API_URL",):
                    problem("worker_environment", f"{name} is set from {label('prefect_api_url')}")
                elif CREDENTIAL_ENV_NAMES.search(str(name)):
                    problem(
                        "worker_environment",
                        f"{name} looks like a credential; plaintext environment variables are "
                        "visible in the task definition. Store it in Secrets Manager instead",
                    )
    if known("flow_run_task_role_policy_arns"):
        for arn in args["flow_run_task_role_policy_arns"]:
            if not isinstance(arn, str) or not POLICY_ARN.match(arn):
                problem("flow_run_task_role_policy_arns", f"{arn!r} is not an IAM policy ARN")
    if known("tags"):
        tags = args["tags"]
        if not isinstance(tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
        ):
            problem("tags", 'must be a mapping of string to string, e.g. {"team": "data"}')
    if known("work_pool_job_variables") and not isinstance(
        args["work_pool_job_variables"], Mapping
    ):
        problem("work_pool_job_variables", "must be a mapping of job variable name to default")

    if problems:
        raise PrefectEcsConfigError(problems)


def image_problem(image: Any) -> str | None:
    """Why ``image`` is not a pinned image reference, or None."""
    if not isinstance(image, str) or not image.strip():
        return "must be an image reference such as prefecthq/prefect-aws:<version>"
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"{image!r} has no tag; pin an exact version (e.g. {image}:<version>) or a digest"
    tag = last.rsplit(":", 1)[1]
    if tag == "latest" or tag.endswith("-latest") or tag.startswith("latest"):
        return f"{image!r} floats ({tag}); pin an exact version or a digest"
    return None
