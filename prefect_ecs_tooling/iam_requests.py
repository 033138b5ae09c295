"""The IAM requests AWS evaluates for an API call, and their evaluation against a policy.

An :class:`AwsCall` is one recorded API request (service, operation, region, parsed
parameters and, where the call succeeded, the parsed response). :func:`iam_requests`
maps it to the authorization requests AWS evaluates for it: action, resource ARN and
condition context, as the AWS service authorization reference defines them for the
action (which resource types it accepts, which condition keys it sets):

======================================  ==============================================
call                                    IAM requests
======================================  ==============================================
ecs:RunTask                             ``ecs:RunTask`` on the task definition ARN with
                                        its revision; ``ecs:cluster``, and
                                        ``ecs:task-cpu``/``ecs:task-memory`` if the
                                        overrides set them; with tags,
                                        ``aws:RequestTag/<key>``, ``aws:TagKeys`` and
                                        ``ecs:TagResource`` on each new task
                                        (``ecs:CreateAction`` RunTask).
                                        ``iam:PassRole`` on each role of the overrides
                                        (``iam:PassedToService`` ecs-tasks.amazonaws.com)
ecs:RegisterTaskDefinition              on ``task-definition/<family>:<new revision>``
                                        with ``ecs:task-cpu``/``ecs:task-memory``;
                                        ``iam:PassRole`` on its task and execution roles;
                                        with tags, ``ecs:TagResource``
ecs:DescribeTaskDefinition,             ``*`` (no resource-level permissions)
Deregister-, ListTaskDefinitions
ecs:DescribeTasks, ecs:StopTask         ``task/<cluster name>/<id>`` per task, with
                                        ``ecs:cluster`` and the task's
                                        ``aws:ResourceTag/<key>`` (the tags RunTask gave
                                        it, or DescribeTasks answered)
sqs:GetQueueUrl, ReceiveMessage,        the queue ARN (from the name or the queue URL)
DeleteMessage, ChangeMessageVisibility
logs:GetLogEvents                       ``log-group:<g>:log-stream:<s>``
ec2:Describe*                           ``*``
sts:GetCallerIdentity                   none (no permission is needed)
======================================  ==============================================

A call of no listed operation raises :class:`UnmappedCallError`: a new call the worker
makes must be mapped (and granted) deliberately, never waved through.

:func:`authorize` evaluates the requests of many calls in one batch with the independent
evaluator :mod:`prefect_ecs_tooling.iam_simulator` and returns the :class:`Denial` s,
each naming the call, the resource, the context and what the policy is missing.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prefect_ecs.documents.iam import ECS_TASKS_SERVICE

__all__ = [
    "ECS_TASKS_SERVICE",
    "Authorization",
    "AwsCall",
    "Denial",
    "IamRequest",
    "UnmappedCallError",
    "authorize",
    "iam_requests",
    "resource_tags_of",
]

#: A task id stands in for the task a failed RunTask did not create (policies scope
#: tasks by cluster, never by id).
UNKNOWN_TASK_ID = "00000000000000000000000000000000"

Context = dict[str, str | tuple[str, ...]]
#: resource ARN -> its tags (what AWS reads for ``aws:ResourceTag/<key>``).
ResourceTags = Mapping[str, Mapping[str, str]]


class UnmappedCallError(ValueError):
    """An API call whose IAM requests this module does not know."""


@dataclass(frozen=True)
class AwsCall:
    """One AWS API request as a client sent it (and, if parsed, what AWS answered)."""

    service: str
    operation: str
    region: str
    params: Mapping[str, Any] = field(default_factory=dict)
    response: Mapping[str, Any] | None = None
    status: int = 200

    @property
    def name(self) -> str:
        """``service:Operation``."""
        return f"{self.service}:{self.operation}"


@dataclass(frozen=True)
class IamRequest:
    """One authorization AWS evaluates: ``action`` on ``resource`` with ``context``."""

    action: str
    resource: str
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    def key(self) -> tuple[str, str, tuple[tuple[str, str | tuple[str, ...]], ...]]:
        return (self.action, self.resource, tuple(sorted(self.context.items())))

    def describe(self) -> str:
        context = f" with {dict(sorted(self.context.items()))}" if self.context else ""
        return f"{self.action} on {self.resource}{context}"


@dataclass(frozen=True)
class _Env:
    call: AwsCall
    account: str
    partition: str
    resource_tags: ResourceTags

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        region = self.call.region if region is None else region
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    @property
    def params(self) -> Mapping[str, Any]:
        return self.call.params

    @property
    def response(self) -> Mapping[str, Any]:
        return self.call.response or {}


# ------------------------------------------------------------------ ECS
def _cluster_arn(env: _Env, cluster: str | None) -> str:
    if cluster and cluster.startswith("arn:"):
        return cluster
    return env.arn("ecs", f"cluster/{cluster or 'default'}")


def _cluster_name(cluster_arn: str) -> str:
    return cluster_arn.rsplit("/", 1)[-1]


def _task_arn(env: _Env, cluster_arn: str, task: str) -> str:
    if task.startswith("arn:"):
        return task
    return env.arn("ecs", f"task/{_cluster_name(cluster_arn)}/{task}")


def _task_definition_arn(env: _Env, value: str) -> str:
    if value.startswith("arn:"):
        return value
    if ":" not in value:
        raise UnmappedCallError(
            f"{env.call.name}: task definition {value!r} names no revision, and the "
            "response does not say which one AWS used"
        )
    return env.arn("ecs", f"task-definition/{value}")


_UNITS = re.compile(r"^\s*([0-9.]+)\s*(vcpu|gb)\s*$", re.IGNORECASE)


def _size(value: Any) -> str:
    """ECS cpu/memory as the number the condition keys compare (``"1 vCPU"`` -> 1024)."""
    text = str(value)
    match = _UNITS.match(text)
    if match:
        return str(int(float(match.group(1)) * 1024))
    return text


def _sizes(source: Mapping[str, Any]) -> Context:
    context: Context = {}
    for key, name in (("cpu", "ecs:task-cpu"), ("memory", "ecs:task-memory")):
        if source.get(key) not in (None, ""):
            context[name] = _size(source[key])
    return context


def _request_tags(tags: Any) -> Context:
    """``aws:RequestTag/<key>`` and ``aws:TagKeys`` of the tags a call creates."""
    pairs = _tag_pairs(tags)
    if not pairs:
        return {}
    context: Context = {f"aws:RequestTag/{k}": v for k, v in pairs.items()}
    context["aws:TagKeys"] = tuple(pairs)
    return context


def _tag_pairs(tags: Any) -> dict[str, str]:
    return {str(t["key"]): str(t.get("value", "")) for t in tags or [] if "key" in t}


def _resource_tags(env: _Env, arn: str) -> Context:
    return {f"aws:ResourceTag/{k}": v for k, v in env.resource_tags.get(arn, {}).items()}


def _pass_roles(env: _Env, source: Mapping[str, Any]) -> list[IamRequest]:
    context: Context = {"iam:PassedToService": ECS_TASKS_SERVICE}
    return [
        IamRequest("iam:PassRole", source[key], context)
        for key in ("taskRoleArn", "executionRoleArn")
        if source.get(key)
    ]


def _run_task(env: _Env) -> list[IamRequest]:
    params = env.params
    cluster = _cluster_arn(env, params.get("cluster"))
    tasks = list(env.response.get("tasks") or [])
    if tasks and tasks[0].get("taskDefinitionArn"):
        definition = str(tasks[0]["taskDefinitionArn"])
    else:
        definition = _task_definition_arn(env, str(params.get("taskDefinition") or ""))
    overrides = params.get("overrides") or {}
    tagging = _request_tags(params.get("tags"))
    context: Context = {"ecs:cluster": cluster, **_sizes(overrides), **tagging}
    requests = [IamRequest("ecs:RunTask", definition, context)]
    if tagging:
        arns = [str(t["taskArn"]) for t in tasks if t.get("taskArn")] or [
            _task_arn(env, cluster, UNKNOWN_TASK_ID)
        ]
        create: Context = {"ecs:CreateAction": "RunTask", **tagging}
        requests += [IamRequest("ecs:TagResource", arn, create) for arn in arns]
    return requests + _pass_roles(env, overrides)


def _register_task_definition(env: _Env) -> list[IamRequest]:
    params = env.params
    registered = env.response.get("taskDefinition") or {}
    # AWS authorizes the revision the call creates; without a response (a failed call)
    # the revision is unknown, and policies scope families, not revisions.
    revision = registered.get("revision", 1)
    arn = registered.get("taskDefinitionArn") or env.arn(
        "ecs", f"task-definition/{params.get('family')}:{revision}"
    )
    tagging = _request_tags(params.get("tags"))
    context: Context = {**_sizes(params), **tagging}
    requests = [IamRequest("ecs:RegisterTaskDefinition", str(arn), context)]
    if tagging:
        create: Context = {"ecs:CreateAction": "RegisterTaskDefinition", **tagging}
        requests.append(IamRequest("ecs:TagResource", str(arn), create))
    return requests + _pass_roles(env, params)


def _tasks(action: str, key: str) -> Callable[[_Env], list[IamRequest]]:
    def mapper(env: _Env) -> list[IamRequest]:
        cluster = _cluster_arn(env, env.params.get("cluster"))
        value = env.params.get(key) or []
        tasks = [value] if isinstance(value, str) else list(value)
        arns = [_task_arn(env, cluster, str(t)) for t in tasks]
        return [
            IamRequest(action, arn, {"ecs:cluster": cluster, **_resource_tags(env, arn)})
            for arn in arns
        ]

    return mapper


def _anywhere(action: str) -> Callable[[_Env], list[IamRequest]]:
    return lambda _env: [IamRequest(action, "*")]


# ------------------------------------------------------------------ SQS
def _queue_from_url(env: _Env) -> list[IamRequest]:
    url = str(env.params.get("QueueUrl") or "")
    parts = [p for p in urllib.parse.urlsplit(url).path.split("/") if p]
    if len(parts) != 2:
        raise UnmappedCallError(f"{env.call.name}: queue URL {url!r} is not .../<account>/<name>")
    account, name = parts
    arn = f"arn:{env.partition}:sqs:{env.call.region}:{account}:{name}"
    return [IamRequest(f"sqs:{env.call.operation}", arn)]


def _queue_by_name(env: _Env) -> list[IamRequest]:
    owner = env.params.get("QueueOwnerAWSAccountId") or env.account
    name = env.params.get("QueueName")
    arn = f"arn:{env.partition}:sqs:{env.call.region}:{owner}:{name}"
    return [IamRequest("sqs:GetQueueUrl", arn)]


# ------------------------------------------------------------------ CloudWatch Logs
def _log_events(env: _Env) -> list[IamRequest]:
    group = str(env.params.get("logGroupName") or env.params.get("logGroupIdentifier") or "")
    if group.startswith("arn:"):
        group_arn = group.removesuffix(":*")
    else:
        group_arn = env.arn("logs", f"log-group:{group}")
    stream = env.params.get("logStreamName")
    return [IamRequest("logs:GetLogEvents", f"{group_arn}:log-stream:{stream}")]


_MAPPERS: dict[str, Callable[[_Env], list[IamRequest]]] = {
    "ecs:RunTask": _run_task,
    "ecs:RegisterTaskDefinition": _register_task_definition,
    "ecs:DescribeTaskDefinition": _anywhere("ecs:DescribeTaskDefinition"),
    "ecs:DeregisterTaskDefinition": _anywhere("ecs:DeregisterTaskDefinition"),
    "ecs:ListTaskDefinitions": _anywhere("ecs:ListTaskDefinitions"),
    "ecs:DescribeTasks": _tasks("ecs:DescribeTasks", "tasks"),
    "ecs:StopTask": _tasks("ecs:StopTask", "task"),
    "sqs:GetQueueUrl": _queue_by_name,
    "sqs:ReceiveMessage": _queue_from_url,
    "sqs:DeleteMessage": _queue_from_url,
    "sqs:ChangeMessageVisibility": _queue_from_url,
    "logs:GetLogEvents": _log_events,
    "sts:GetCallerIdentity": lambda _env: [],
}


def resource_tags_of(calls: Iterable[AwsCall]) -> dict[str, dict[str, str]]:
    """The tags of the resources ``calls`` created or described: a RunTask's tags on the
    tasks it started, and the tags DescribeTasks (``include=["TAGS"]``) answered."""
    found: dict[str, dict[str, str]] = {}
    for call in calls:
        tasks = (call.response or {}).get("tasks") or []
        if call.name == "ecs:RunTask" and call.params.get("tags"):
            for task in tasks:
                if task.get("taskArn"):
                    found[str(task["taskArn"])] = _tag_pairs(call.params["tags"])
        elif call.name == "ecs:DescribeTasks":
            for task in tasks:
                if task.get("taskArn") and task.get("tags"):
                    found[str(task["taskArn"])] = _tag_pairs(task["tags"])
    return found


def iam_requests(
    call: AwsCall,
    account: str,
    partition: str = "aws",
    resource_tags: ResourceTags | None = None,
) -> list[IamRequest]:
    """The IAM requests AWS evaluates for ``call`` by a principal of ``account``
    (see the module docstring); ``resource_tags`` gives the tags AWS would read for
    ``aws:ResourceTag/<key>`` (:func:`resource_tags_of`). :class:`UnmappedCallError`
    for an unknown operation."""
    env = _Env(call, account, partition, resource_tags or {})
    mapper = _MAPPERS.get(call.name)
    if mapper is None and call.service == "ec2" and call.operation.startswith("Describe"):
        mapper = _anywhere(f"ec2:{call.operation}")
    if mapper is None:
        raise UnmappedCallError(f"no IAM mapping for {call.name} (add one to iam_requests.py)")
    return mapper(env)


@dataclass(frozen=True)
class Denial:
    """One IAM request the policy does not allow, with the call it came from."""

    call: AwsCall
    request: IamRequest
    decision: str
    explain: tuple[str, ...]

    def describe(self) -> str:
        reasons = "; ".join(self.explain)
        return f"{self.call.name}: {self.request.describe()}: {self.decision} ({reasons})"


@dataclass(frozen=True)
class Authorization:
    """What :func:`authorize` found: how many calls and distinct IAM requests it
    evaluated, and the denials."""

    calls: int
    requests: int
    denials: tuple[Denial, ...]

    @property
    def allowed(self) -> bool:
        return not self.denials


def authorize(
    calls: Iterable[AwsCall],
    policies: Sequence[Mapping[str, Any]],
    account: str,
    *,
    partition: str = "aws",
    principal: str | None = None,
) -> Authorization:
    """Evaluate every IAM request of ``calls`` against the identity ``policies`` in one
    simulator batch (identical requests once); resource tags from the calls themselves
    (:func:`resource_tags_of`)."""
    from .iam_simulator import Request, simulate

    calls = list(calls)
    tags = resource_tags_of(calls)
    first_call: dict[tuple[Any, ...], tuple[AwsCall, IamRequest]] = {}
    for call in calls:
        for request in iam_requests(call, account, partition, tags):
            first_call.setdefault(request.key(), (call, request))
    pairs = list(first_call.values())
    results = simulate(
        Request(list(policies), r.action, r.resource, dict(r.context), principal)
        for _call, r in pairs
    )
    denials = tuple(
        Denial(call, request, str(result.result), tuple(result.explain()))
        for (call, request), result in zip(pairs, results, strict=True)
        if not result.allowed
    )
    return Authorization(len(calls), len(pairs), denials)
