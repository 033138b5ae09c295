"""Run a Pulumi stack program in-process under Pulumi mocks, with a resource hook.

One runner, three uses: the offline plan (a hook that fabricates what AWS would
return), policy enforcement (the recorded resources go to the policy analyzer),
and the rehearsal (a hook that creates each resource in an AWS emulator).

The runner plays the part of the Pulumi CLI where it matters offline: it reads
``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``, applies the project's config
defaults, marks secret config, runs ``__main__.py`` and collects every resource
registration and stack export.
"""

from __future__ import annotations

import asyncio
import json
import logging
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import ROOT, SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

#: How the Pulumi SDK marks a secret value inside property maps.
SECRET_SIG = rpc._special_sig_key
SECRET_VALUE_SIG = rpc._special_secret_sig


@dataclass
class RecordedResource:
    """One resource registration, as the engine would see it."""

    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    dependencies: list[str] = field(default_factory=list)

    @property
    def props(self) -> dict[str, Any]:
        """Inputs with secret envelopes removed (plaintext: handle with care)."""
        return unwrap_secrets(self.inputs)


@dataclass
class InvokeCall:
    """One data-source call (``aws.get_caller_identity`` and friends)."""

    token: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class StackRun:
    """Everything one run of the program registered and exported."""

    project: str
    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    invokes: list[InvokeCall]
    config: dict[str, str]
    warnings: list[str]

    def by_type(self, type_token: str) -> list[RecordedResource]:
        """Resources of one type, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name_suffix: str = "") -> RecordedResource:
        """The single resource of ``type_token`` whose name ends with ``name_suffix``."""
        found = [r for r in self.by_type(type_token) if r.name.endswith(name_suffix)]
        if len(found) != 1:
            names = [r.name for r in self.by_type(type_token)]
            raise LookupError(f"expected one {type_token} ending {name_suffix!r}, found {names}")
        return found[0]


#: ``hook(resource) -> (id, outputs)``: what the "cloud" answers for one registration.
ResourceHook = Callable[[RecordedResource], tuple[str | None, dict[str, Any]]]
#: ``invoke_hook(token, args) -> result``: what a data source returns.
InvokeHook = Callable[[str, dict[str, Any]], dict[str, Any]]


class StackConfigError(ValueError):
    """The project or stack file is missing or malformed."""


def is_secret_envelope(value: Any) -> bool:
    """True for the SDK's ``{sig: secret, value: ...}`` wrapper."""
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE_SIG


def unwrap_secrets(value: Any) -> Any:
    """``value`` with every secret envelope replaced by its plaintext."""
    if is_secret_envelope(value):
        return unwrap_secrets(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def redact_secrets(value: Any, placeholder: str = "[secret]") -> Any:
    """``value`` with every secret envelope replaced by ``placeholder``."""
    if is_secret_envelope(value):
        return placeholder
    if isinstance(value, dict):
        return {k: redact_secrets(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v, placeholder) for v in value]
    return value


# ---------------------------------------------------------------------------- config
@dataclass
class StackConfig:
    """Config as the Pulumi CLI would hand it to the program."""

    project: str
    stack: str
    values: dict[str, str]
    secret_keys: list[str]
    encrypted_keys: list[str]
    """Keys whose value is encrypted in the stack file and unavailable offline."""
    schema: dict[str, Any]


def _config_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def load_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` and apply project defaults."""
    project_file = project_dir / "Pulumi.yaml"
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not project_file.exists():
        raise StackConfigError(f"{project_file} not found")
    if not stack_file.exists():
        stacks = sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")
        )
        raise StackConfigError(
            f"no stack file {stack_file.name}; stacks here: {', '.join(stacks) or 'none'}"
        )
    project = yaml.safe_load(project_file.read_text()) or {}
    name = project.get("name")
    if not name:
        raise StackConfigError(f"{project_file} has no project name")
    schema = project.get("config") or {}
    stack_doc = yaml.safe_load(stack_file.read_text()) or {}
    raw = stack_doc.get("config") or {}
    if not isinstance(raw, dict):
        raise StackConfigError(f"{stack_file}: 'config' must be a mapping")

    values: dict[str, str] = {}
    secret_keys: list[str] = []
    encrypted: list[str] = []

    def qualified(key: str) -> str:
        return key if ":" in key else f"{name}:{key}"

    for key, decl in schema.items():
        full = qualified(key)
        if isinstance(decl, dict) and decl.get("secret"):
            secret_keys.append(full)
        if isinstance(decl, dict) and "default" in decl:
            values[full] = _config_string(decl["default"])
        elif isinstance(decl, dict) and "value" in decl:
            values[full] = _config_string(decl["value"])
        elif not isinstance(decl, dict):
            values[full] = _config_string(decl)
    for key, value in raw.items():
        full = qualified(key)
        if isinstance(value, dict) and set(value) == {"secure"}:
            encrypted.append(full)
            secret_keys.append(full)
            values[full] = "[encrypted in stack file]"
            continue
        values[full] = _config_string(value)
    return StackConfig(
        project=name,
        stack=stack,
        values=values,
        secret_keys=sorted(set(secret_keys)),
        encrypted_keys=encrypted,
        schema=schema,
    )


# ---------------------------------------------------------------------------- mocks
class _RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, hook: ResourceHook, invoke_hook: InvokeHook, run: _Recorder):
        self.hook = hook
        self.invoke_hook = invoke_hook
        self.run = run

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        res = self.run.pop()
        res.inputs = args.inputs
        if not res.custom:
            return None, {}
        rid, outputs = self.hook(res)
        res.id, res.outputs = rid, outputs
        return rid, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        result = self.invoke_hook(args.token, dict(args.args))
        with self.run.lock:
            self.run.invokes.append(InvokeCall(args.token, dict(args.args), result))
        return result, []


@dataclass
class _Recorder:
    resources: list[RecordedResource] = field(default_factory=list)
    invokes: list[InvokeCall] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    local: threading.local = field(default_factory=threading.local)

    def push(self, res: RecordedResource) -> None:
        """Hand ``res`` to the mocks' ``new_resource`` (called next, on this thread)."""
        self.local.res = res

    def pop(self) -> RecordedResource:
        res: RecordedResource = self.local.res
        return res


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that also records parent, provider and the engine-shaped inputs."""

    def __init__(self, mocks: _RecordingMocks, recorder: _Recorder):
        super().__init__(mocks)
        self.recorder = recorder

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            # Inputs are filled in by new_resource from the monitor's own deserialization.
            res = RecordedResource(
                type=request.type,
                name=request.name,
                urn=self.make_urn(request.parent, request.type, request.name),
                parent=request.parent or None,
                custom=bool(request.custom),
                inputs={},
                provider=request.provider or None,
                dependencies=list(request.dependencies),
            )
            with self.recorder.lock:
                self.recorder.resources.append(res)
            self.recorder.push(res)
        return super().RegisterResource(request)


# ---------------------------------------------------------------------------- run
class _WarningCapture(logging.Handler):
    """Collects the program's ``pulumi.log.warn`` messages."""

    def __init__(self, sink: list[str]):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


_RUN_LOCK = threading.Lock()


def run_program(
    program: Path | Callable[[], object],
    config: StackConfig,
    hook: ResourceHook,
    invoke_hook: InvokeHook,
    *,
    config_overrides: Mapping[str, str] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
    preview: bool = False,
) -> StackRun:
    """Run ``program`` (a ``__main__.py`` path, or a function) under mocks with ``config``.

    ``config_overrides`` / ``secret_overrides`` replace stack config values (the latter
    marked secret), like ``pulumi config set [--secret]`` would.
    """
    values = dict(config.values)
    secret_keys = set(config.secret_keys)
    values.update(config_overrides or {})
    for key, value in (secret_overrides or {}).items():
        values[key] = value
        secret_keys.add(key)

    recorder = _Recorder()
    mocks = _RecordingMocks(hook, invoke_hook, recorder)
    warnings: list[str] = []

    logger = logging.getLogger(f"prefect_ecs.runner.{config.stack}")
    logger.propagate = False
    logger.handlers = [_WarningCapture(warnings)]

    with _RUN_LOCK:
        # A fresh event loop per run: runs stay independent of whatever loop the
        # caller (or an earlier asyncio.run) left behind.
        loop = asyncio.new_event_loop()
        # A failed program leaves futures whose exception was already raised to the
        # caller; don't report them a second time when they are garbage-collected.
        loop.set_exception_handler(lambda _loop, _context: None)
        asyncio.set_event_loop(loop)
        ROOT.set(None)
        pulumi.runtime.set_mocks(
            mocks,
            project=config.project,
            stack=config.stack,
            preview=preview,
            logger=logger,
            monitor=_RecordingMonitor(mocks, recorder),
        )
        pulumi.runtime.set_all_config(values, sorted(secret_keys))
        SETTINGS.rpc_manager.clear()
        SETTINGS.outputs.clear()
        exports: dict[str, Any] = {}

        async def main() -> None:
            if callable(program):
                program()
                return
            program_dir = str(program.parent.resolve())
            added = program_dir not in sys.path
            if added:
                sys.path.insert(0, program_dir)
            try:
                runpy.run_path(str(program), run_name="__main__")
            finally:
                if added:
                    sys.path.remove(program_dir)

        try:
            _sync_await(run_pulumi_func(main))
            root = ROOT.get()
            raw_outputs = dict(getattr(root, "outputs", {}) or {})
            secret_outputs: set[str] = set()
            for key, value in raw_outputs.items():
                out = pulumi.Output.from_input(value)
                exports[key] = _sync_await(out.future(with_unknowns=True))
                if _sync_await(out.is_secret()):
                    secret_outputs.add(key)
        finally:
            # Retrieve exceptions of futures the failed program left behind, so they
            # are not reported again at interpreter exit.
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            # The mock monitor runs in the loop's executor threads and gives each thread
            # an event loop of its own; end those threads now, so their loops are closed
            # while the process is alive (not at interpreter exit, where closing fails).
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
            asyncio.set_event_loop(None)

    return StackRun(
        project=config.project,
        stack=config.stack,
        resources=recorder.resources,
        outputs=exports,
        secret_outputs=secret_outputs,
        invokes=recorder.invokes,
        config=values,
        warnings=warnings,
    )
