"""Every AWS call the worker made, authorized against the stack's own policy.

The worker's calls, as the counting proxy recorded them, are mapped to the IAM requests
AWS would evaluate (:mod:`prefect_ecs_tooling.iam_requests`) and evaluated in one batch
by the independent simulator against the inline policies of the worker task role, as the
deployed stack recorded them. moto authorizes nothing of this (it ignores Resource and
Condition); a denied call fails the rehearsal with the call, the resource, the context
and what the policy is missing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..iam_requests import Authorization, AwsCall, authorize
from ..runner import StackRun
from .report import RehearsalError, RehearsalReport

__all__ = ["check_calls_allowed", "denied_actions", "worker_task_policies"]

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def worker_task_policies(run: StackRun) -> list[dict[str, Any]]:
    """The inline policy documents of the worker task role (the role the worker's
    task definition gives its container), from the deployed stack's records."""
    role = run.outputs["workerTaskRoleName"]
    documents = [
        json.loads(r.props["policy"]) if isinstance(r.props["policy"], str) else r.props["policy"]
        for r in run.by_type(ROLE_POLICY)
        if r.props.get("role") == role
    ]
    if not documents:
        names = [(r.name, r.props.get("role")) for r in run.by_type(ROLE_POLICY)]
        raise LookupError(f"no inline policy of the worker task role {role!r} in {names}")
    return documents


def check_calls_allowed(
    report: RehearsalReport,
    run: StackRun,
    calls: Sequence[AwsCall],
    account: str,
    label: str,
    log_tail: str = "",
) -> Authorization:
    """Authorize ``calls`` against the worker task role's policies; fail step
    ``authorize`` naming every denied request."""
    result = authorize(
        calls,
        worker_task_policies(run),
        account,
        principal=run.outputs.get("workerTaskRoleArn"),
    )
    if result.denials:
        lines = [
            f"{len(result.denials)} of {result.requests} IAM requests of the {label} worker's "
            f"{result.calls} AWS calls are not allowed by the worker task role's policy:"
        ]
        lines += [f"- {d.describe()}" for d in result.denials]
        if log_tail:
            lines += ["worker log tail:", log_tail]
        raise RehearsalError("authorize", "\n".join(lines))
    report.checks.append(
        f"{label}: the worker task role's policy allows every AWS call the worker made "
        f"({result.calls} calls, {result.requests} distinct IAM requests, iam-simulate)"
    )
    return result


def denied_actions(run: StackRun, calls: Sequence[AwsCall], account: str) -> str:
    """For comparison only: which IAM actions of ``calls`` the worker task role's
    policy would deny (another pool's worker would have its own policy)."""
    result = authorize(
        calls, worker_task_policies(run), account, principal=run.outputs.get("workerTaskRoleArn")
    )
    actions = sorted({d.request.action for d in result.denials})
    return f"{len(result.denials)} of {result.requests} IAM requests denied" + (
        f" ({', '.join(actions)})" if actions else ""
    )
