"""Offline policy enforcement through pulumi-policy's own analyzer servicer.

``pulumi preview --policy-pack`` starts the pack (``PolicyPack(...)`` serves
``_PolicyAnalyzerServicer`` over gRPC), asks ``GetAnalyzerInfo``, reconciles the policy
config (schema defaults, ``all`` and per-policy enforcement levels, the user's config file),
validates it against each policy's schema, calls ``Configure``, then ``Analyze`` for each
resource and ``AnalyzeStack`` once. This module does the same in-process, with the same
protobuf requests, so enforcement levels, config and preview unknowns behave as under the
CLI. The servicer is a private SDK API: a test pins its shape.

Resources are plain dicts or objects with ``type``, ``name``, ``urn``, ``inputs`` (engine
camelCase props; secret envelopes allowed; ``UNKNOWN`` marks a value unknown at preview) and
optional ``parent``, ``custom``, ``provider`` (provider resource URN), ``dependencies``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto, rpc
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import _is_unknown
from pulumi_policy.secret import Secret

from . import ALL_POLICIES, PACK_NAME, PACK_VERSION

UNKNOWN = rpc.UNKNOWN
"""Put this in an input to mark it unknown at preview (as the engine does)."""

_LEVEL_TO_PROTO = {
    "advisory": proto.ADVISORY,
    "mandatory": proto.MANDATORY,
    "remediate": proto.REMEDIATE,
    "disabled": proto.DISABLED,
}
_PROTO_TO_LEVEL = {v: k for k, v in _LEVEL_TO_PROTO.items()}


class PolicyConfigError(ValueError):
    """The policy config is invalid (the CLI refuses to run in this case)."""


@dataclass(frozen=True)
class Violation:
    """One policy diagnostic, attached to a resource (or to the stack when ``urn`` is empty)."""

    policy_name: str
    enforcement_level: str
    urn: str
    resource_type: str
    resource_name: str
    message: str
    description: str = ""

    @property
    def mandatory(self) -> bool:
        """Whether this violation blocks a deployment."""
        return self.enforcement_level in ("mandatory", "remediate")


@dataclass
class _Resource:
    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    parent: str
    custom: bool
    provider: str
    dependencies: list[str]


def _field(resource: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(resource, Mapping):
            if resource.get(name) is not None:
                return resource[name]
        elif getattr(resource, name, None) is not None:
            return getattr(resource, name)
    return default


def _normalize(resource: Any) -> _Resource:
    rtype = str(_field(resource, "type", "type_", "resource_type"))
    name = str(_field(resource, "name", default=""))
    urn = _field(resource, "urn") or f"urn:pulumi:stack::project::{rtype}::{name}"
    provider = _field(resource, "provider", default="")
    return _Resource(
        type=rtype,
        name=name,
        urn=str(urn),
        inputs=dict(_field(resource, "inputs", "props", "properties", default={})),
        parent=str(_field(resource, "parent", default="") or ""),
        custom=bool(_field(resource, "custom", default=True)),
        provider=str(provider or ""),
        dependencies=[str(d) for d in _field(resource, "dependencies", default=[])],
    )


def _to_wire(value: Any) -> Any:
    """Map Python values to the engine's wire form: secret envelopes, unknown sentinel."""
    if isinstance(value, Secret):
        return rpc.wrap_rpc_secret(_to_wire(value.value))
    if rpc.is_rpc_secret(value):
        return rpc.wrap_rpc_secret(_to_wire(value["value"]))
    if _is_unknown(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {str(k): _to_wire(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [_to_wire(v) for v in value]
    return value


def _serialize(inputs: Mapping[str, Any]) -> struct_pb2.Struct:
    """Serialize props to a Struct with the SDK's serializer (top-level None dropped).

    Keys starting with ``__`` (``__provider`` of dynamic resources) are internal: the engine
    does not send them to analyzers.
    """
    wire = {k: _to_wire(v) for k, v in inputs.items() if not str(k).startswith("__")}
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(wire, {}))
    finally:
        loop.close()


def build_servicer(
    policies: list[Policy] | None = None,
    *,
    enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY,
    initial_config: dict[str, Any] | None = None,
) -> Any:
    """The SDK's analyzer servicer, built as ``PolicyPack.__init__`` builds it (no server)."""
    return _PolicyAnalyzerServicer(
        PACK_NAME,
        PACK_VERSION,
        list(policies if policies is not None else ALL_POLICIES),
        enforcement_level,
        initial_config,
    )


def _parse_user_config(config: Mapping[str, Any] | None) -> dict[str, tuple[str, dict | None]]:
    """Policy-pack config file semantics: "policy": level | {enforcementLevel?, props...}."""
    result: dict[str, tuple[str, dict | None]] = {}
    for key, value in (config or {}).items():
        if isinstance(value, str):
            level, props = value, None
        elif isinstance(value, Mapping):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
            if not isinstance(level, str):
                raise PolicyConfigError(f"{key}: enforcementLevel must be a string")
            props = props or None
        else:
            raise PolicyConfigError(f"{key}: {value!r} is not a valid value; use a string/object")
        if level and level not in _LEVEL_TO_PROTO:
            raise PolicyConfigError(f"{key}: {level!r} is not a valid enforcement level")
        if level or props:
            result[key] = (level, props)
    return result


def _apply(result: dict[str, list[Any]], given: dict[str, tuple[str, dict | None]]) -> None:
    all_level = given.get("all", ("", None))[0]
    if all_level:
        for entry in result.values():
            entry[0] = all_level
    for name, (level, props) in given.items():
        entry = result.setdefault(name, ["", None])
        if level:
            entry[0] = level
        if props:
            entry[1] = {**(entry[1] or {}), **props}


def reconcile_config(servicer: Any, config: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """What the CLI sends to ``Configure``: {policy: [level, props]} (defaults applied)."""
    info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    result: dict[str, list[Any]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in info.policies:
        properties = json_format.MessageToDict(policy.configSchema.properties)
        defaults = {k: v["default"] for k, v in properties.items() if "default" in v}
        result[policy.name] = [_PROTO_TO_LEVEL[policy.enforcementLevel], defaults or None]
        if properties or policy.configSchema.required:
            schemas[policy.name] = {"type": "object", "properties": properties}
            if policy.configSchema.required:
                schemas[policy.name]["required"] = list(policy.configSchema.required)
    initial = {
        name: (
            _PROTO_TO_LEVEL[c.enforcementLevel],
            json_format.MessageToDict(c.properties) or None,
        )
        for name, c in info.initialConfig.items()
    }
    _apply(result, initial)
    _apply(result, _parse_user_config(config))
    _validate(result, schemas)
    return result


def _validate(result: dict[str, list[Any]], schemas: dict[str, dict[str, Any]]) -> None:
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema ships with prefect
        return
    errors = []
    for name, schema in schemas.items():
        validator = jsonschema.Draft7Validator(schema)
        for error in validator.iter_errors(result.get(name, ["", None])[1] or {}):
            where = ".".join(str(p) for p in error.path)
            errors.append(f"{name}: {where + ': ' if where else ''}{error.message}")
    if errors:
        raise PolicyConfigError("policy pack configuration is invalid: " + "; ".join(errors))


def configure(servicer: Any, config: Mapping[str, Any] | None = None) -> dict[str, list[Any]]:
    """Reconcile ``config`` as the CLI does and send it through ``Configure``."""
    reconciled = reconcile_config(servicer, config)
    request = proto.ConfigureAnalyzerRequest()
    for name, (level, props) in reconciled.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = _LEVEL_TO_PROTO[level or "advisory"]
        if props:
            entry.properties.update(props)
    servicer.Configure(request, None)
    return reconciled


def _options(resource: _Resource) -> Any:
    return proto.AnalyzerResourceOptions(parent=resource.parent)


def _provider(resource: _Resource, by_urn: dict[str, _Resource], cache: dict[str, Any]) -> Any:
    # A provider reference is "<urn>::<id>"; accept a bare URN too.
    ref = resource.provider
    provider = by_urn.get(ref) or by_urn.get(ref.rsplit("::", 1)[0]) if ref else None
    if provider is None:
        return None
    if provider.urn not in cache:
        cache[provider.urn] = proto.AnalyzerProviderResource(
            type=provider.type,
            properties=_serialize(provider.inputs),
            urn=provider.urn,
            name=provider.name,
        )
    return cache[provider.urn]


def _violations(
    response: Any, default: _Resource | None, by_urn: dict[str, _Resource]
) -> list[Violation]:
    found = []
    for diag in response.diagnostics:
        urn = diag.urn or (default.urn if default else "")
        resource = by_urn.get(urn) or default
        message = diag.message
        if diag.description and message.startswith(diag.description + "\n"):
            message = message[len(diag.description) + 1 :]
        found.append(
            Violation(
                policy_name=diag.policyName,
                enforcement_level=_PROTO_TO_LEVEL.get(diag.enforcementLevel, "advisory"),
                urn=urn,
                resource_type=resource.type if resource and urn else "",
                resource_name=resource.name if resource and urn else "",
                message=message,
                description=diag.description,
            )
        )
    return found


def _analyze(
    resources: list[_Resource],
    config: Mapping[str, Any] | None,
    policies: list[Policy] | None,
    stack_tags: Mapping[str, str] | None,
    servicer: Any = None,
) -> list[Violation]:
    servicer = servicer if servicer is not None else build_servicer(policies)
    configure(servicer, config)
    if stack_tags:
        servicer.ConfigureStack(proto.AnalyzerStackConfigureRequest(tags=dict(stack_tags)), None)
    by_urn = {r.urn: r for r in resources}
    providers: dict[str, Any] = {}
    props = {r.urn: _serialize(r.inputs) for r in resources}
    violations: list[Violation] = []
    for resource in resources:
        request = proto.AnalyzeRequest(
            type=resource.type,
            properties=props[resource.urn],
            urn=resource.urn,
            name=resource.name,
            options=_options(resource),
        )
        provider = _provider(resource, by_urn, providers)
        if provider is not None:
            request.provider.CopyFrom(provider)
        violations += _violations(servicer.Analyze(request, None), resource, by_urn)
    stack_request = proto.AnalyzeStackRequest()
    for resource in resources:
        item = stack_request.resources.add(
            type=resource.type,
            properties=props[resource.urn],
            urn=resource.urn,
            name=resource.name,
            options=_options(resource),
            parent=resource.parent,
            dependencies=resource.dependencies,
        )
        provider = _provider(resource, by_urn, providers)
        if provider is not None:
            item.provider.CopyFrom(provider)
    violations += _violations(servicer.AnalyzeStack(stack_request, None), None, by_urn)
    return violations


def analyze_resources(
    resources: Iterable[Any],
    config: Mapping[str, Any] | None = None,
    *,
    policies: list[Policy] | None = None,
    stack_tags: Mapping[str, str] | None = None,
    servicer: Any = None,
) -> list[Violation]:
    """Run every policy over ``resources`` as ``pulumi preview --policy-pack`` would.

    ``config`` has the shape of a ``--policy-pack-config`` file. Raises
    ``PolicyConfigError`` when it does not fit the policies' schemas. ``servicer`` replaces
    the in-process SDK servicer (anything with its methods, e.g. a gRPC stub adapter).
    """
    normalized = [_normalize(r) for r in resources]
    job = (normalized, config, policies, stack_tags, servicer)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _analyze(*job)
    # The SDK drives async policies with its own event loop: keep it off a running one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_analyze, *job).result()


def format_report(violations: Sequence[Violation]) -> str:
    """Human report: violations grouped by resource, stack-level ones last."""
    if not violations:
        return "Policy pack prefect-ecs: no violations."
    groups: dict[str, list[Violation]] = defaultdict(list)
    for v in violations:
        groups[v.urn].append(v)
    lines = []
    for urn in sorted(groups, key=lambda u: (u == "", u)):
        items = groups[urn]
        head = items[0]
        title = f"{head.resource_type}  {head.resource_name}" if urn else "stack"
        lines.append(title)
        for v in sorted(items, key=lambda v: (not v.mandatory, v.policy_name)):
            detail = v.message.replace("\n", "\n      ")
            lines.append(f"    [{v.enforcement_level}] {v.policy_name}: {detail}")
    mandatory = sum(v.mandatory for v in violations)
    lines.append(
        f"Policy pack prefect-ecs: {mandatory} mandatory, "
        f"{len(violations) - mandatory} advisory violation(s) on {len(groups)} resource(s)."
    )
    return "\n".join(lines)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a ``--policy-pack-config`` JSON file (empty file: no config)."""
    text = Path(path).read_text()
    return json.loads(text) if text.strip() else {}


def enforce(
    resources: Iterable[Any],
    config: Mapping[str, Any] | None = None,
    *,
    stream: TextIO | None = None,
) -> int:
    """Print the report; exit code 0 (pass), 1 (mandatory violation) or 2 (bad config)."""
    stream = stream or sys.stdout
    try:
        violations = analyze_resources(resources, config)
    except PolicyConfigError as exc:
        print(f"error: {exc}", file=stream)
        return 2
    print(format_report(violations), file=stream)
    return 1 if any(v.mandatory for v in violations) else 0


__all__ = [
    "UNKNOWN",
    "PolicyConfigError",
    "Violation",
    "analyze_resources",
    "build_servicer",
    "configure",
    "enforce",
    "format_report",
    "load_config",
    "reconcile_config",
]
