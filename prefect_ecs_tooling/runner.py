"""Run a Pulumi stack program in-process under Pulumi mocks, with a resource hook.

One runner, three uses: the offline plan (a hook that fabricates what AWS would
return), policy enforcement (the recorded resources go to the policy analyzer),
and the rehearsal (a hook that creates each resource in an AWS emulator).

The runner plays the part of the Pulumi CLI where it matters offline: it reads
``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` (:mod:`.config_files`), applies the
project's config defaults, marks secret config, runs ``__main__.py`` and collects
every resource registration and stack export (:mod:`.records`), in the order the
program constructed them, whatever order the threads of the mock monitor saw them in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import engine_pb2
from pulumi.runtime.settings import ROOT, SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from prefect_ecs.documents.job_template import TemplateSnapshotError
from prefect_ecs.validation import PrefectEcsConfigError

from .config_files import StackConfig, StackConfigError, load_stack_config
from .records import (
    SECRET_SIG,
    SECRET_VALUE_SIG,
    InvokeCall,
    InvokeHook,
    RecordedResource,
    ResourceHook,
    StackRun,
    is_secret_envelope,
    redact_secrets,
    unwrap_secrets,
)

__all__ = [
    "SECRET_SIG",
    "SECRET_VALUE_SIG",
    "InvokeCall",
    "InvokeHook",
    "RecordedResource",
    "ResourceHook",
    "StackConfig",
    "StackConfigError",
    "StackRun",
    "config_error_of",
    "is_secret_envelope",
    "load_stack_config",
    "redact_secrets",
    "run_program",
    "unwrap_secrets",
]


def config_error_of(exc: BaseException) -> PrefectEcsConfigError | StackConfigError | None:
    """The configuration error behind ``exc``, or None.

    The Pulumi runtime raises an error of a value that resolves late (a rule gating an
    Output) wrapped in its own exceptions; the component's error is in the chain. The
    shipped job template file that can't be rebuilt counts too: it names its fix.
    """
    seen: BaseException | None = exc
    for _ in range(20):  # chains are short; a cycle must not hang
        if seen is None:
            return None
        if isinstance(seen, PrefectEcsConfigError | StackConfigError):
            return seen
        if isinstance(seen, TemplateSnapshotError):
            return StackConfigError(str(seen))
        seen = seen.__cause__ or seen.__context__
    return None


# ---------------------------------------------------------------------------- order
class _ConstructionOrder:
    """The order in which the program constructs its resources.

    The mock monitor receives registrations from executor threads, in an order that
    depends on thread timing; the order the program's constructors run in does not. A
    legacy stack transformation (inherited by every resource through its parent, run
    synchronously at the start of each ``Resource`` constructor) numbers each resource
    by the URN the mock monitor will give it. Resources constructed while the program's
    own task runs get their number; ones constructed in callbacks (inside an ``apply``,
    whose order depends on when outputs resolve) count as late and sort by URN, after
    the others.
    """

    def __init__(self, project: str, stack: str):
        self._prefix = f"urn:pulumi:{stack}::{project}::"
        self._seq: dict[str, int] = {}
        self._late: set[str] = set()
        self.program_task: asyncio.Task[Any] | None = None

    def transformation(
        self, args: pulumi.ResourceTransformationArgs
    ) -> pulumi.ResourceTransformationResult | None:
        parent = args.opts.parent if args.opts is not None else None
        parent = parent or ROOT.get()
        # The mock monitor's make_urn: the parent's own type, then this type and name.
        qualified = f"{parent._type}${args.type_}" if parent is not None else args.type_
        urn = f"{self._prefix}{qualified}::{args.name}"
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop
            task = None
        if task is None or task is not self.program_task:
            self._late.add(urn)
        self._seq.setdefault(urn, len(self._seq))
        return None

    def key(self, res: RecordedResource) -> tuple[int, int, str]:
        """Sort key: program order first, then (late or unmatched) by URN."""
        if res.urn in self._seq and res.urn not in self._late:
            return (0, self._seq[res.urn], "")
        return (1, 0, res.urn)


class _ThreadLoops:
    """An event loop for each executor thread of a run, owned and closed by the runner.

    The mock monitor needs one in every thread it runs in (``_ensure_event_loop``) and
    would create it itself; nothing ever closes those, and as cyclic garbage they are
    finalized in any order at some later collection or at interpreter exit, where a
    loop whose self-pipe socket was finalized first fails in ``__del__`` ("Exception
    ignored in: <function BaseEventLoop.__del__> ... ValueError: Invalid file
    descriptor: -1"). Made here, in the executor's thread initializer, they are closed
    by :meth:`close` once the executor's threads have ended.
    """

    def __init__(self) -> None:
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        """Thread initializer: give this executor thread its event loop."""
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with self._lock:
            self._loops.append(loop)

    def executor(self) -> concurrent.futures.ThreadPoolExecutor:
        """A default executor for the run's loop whose threads get their loop here."""
        return concurrent.futures.ThreadPoolExecutor(
            thread_name_prefix="pulumi-mocks", initializer=self.install
        )

    def close(self) -> None:
        """Close every loop made (call after the executor's threads have ended)."""
        with self._lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            loop.close()


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
    #: (urn or "", message) of every warning or error the program logged.
    logged: list[tuple[str, str]] = field(default_factory=list)
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
                ignore_changes=list(request.ignoreChanges),
            )
            with self.recorder.lock:
                self.recorder.resources.append(res)
            self.recorder.push(res)
        return super().RegisterResource(request)


class _RecordingEngine(pulumi_mocks.MockEngine):
    """The mock engine, also keeping each warning's (and error's) resource URN: a
    message about a resource arrives once its URN resolves, in no fixed order."""

    def __init__(self, logger: logging.Logger, recorder: _Recorder):
        super().__init__(logger)
        self.recorder = recorder

    def Log(self, request: Any) -> None:
        if request.severity in (engine_pb2.WARNING, engine_pb2.ERROR):
            with self.recorder.lock:
                self.recorder.logged.append((request.urn or "", request.message))
        super().Log(request)


# ---------------------------------------------------------------------------- run
_RUN_LOCK = threading.Lock()


def _reraise(exc: BaseException) -> None:
    """Loop callback: raise ``exc`` out of the event loop (asyncio lets KeyboardInterrupt
    and SystemExit from callbacks through)."""
    raise exc


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
    marked secret), like ``pulumi config set [--secret]`` would. The run's resources come
    back in the order the program constructed them, its warnings in the order of their
    resources: the same for every run of the same program and config.
    """
    values = dict(config.values)
    secret_keys = set(config.secret_keys)
    values.update(config_overrides or {})
    for key, value in (secret_overrides or {}).items():
        values[key] = value
        secret_keys.add(key)

    recorder = _Recorder()
    mocks = _RecordingMocks(hook, invoke_hook, recorder)
    order = _ConstructionOrder(config.project, config.stack)
    thread_loops = _ThreadLoops()

    logger = logging.getLogger(f"prefect_ecs.runner.{config.stack}")
    logger.propagate = False
    logger.handlers = [logging.NullHandler()]

    with _RUN_LOCK:
        # A fresh event loop per run: runs stay independent of whatever loop the
        # caller (or an earlier asyncio.run) left behind.
        loop = asyncio.new_event_loop()
        # A failed program leaves futures whose exception was already raised to the
        # caller; don't report them a second time when they are garbage-collected.
        loop.set_exception_handler(lambda _loop, _context: None)
        loop.set_default_executor(thread_loops.executor())
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
        SETTINGS.engine = _RecordingEngine(logger, recorder)
        # set_mocks made the root stack; every resource inherits its transformations.
        pulumi.runtime.register_stack_transformation(order.transformation)
        pulumi.runtime.set_all_config(values, sorted(secret_keys))
        SETTINGS.rpc_manager.clear()
        SETTINGS.outputs.clear()
        exports: dict[str, Any] = {}

        interrupts: list[BaseException] = []

        async def main() -> None:
            order.program_task = asyncio.current_task()
            try:
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
            except (KeyboardInterrupt, SystemExit) as exc:
                # Out of the loop at once: the SDK would wait for the registrations the
                # interrupted program left half made, and those never finish.
                interrupts.append(exc)
                asyncio.get_running_loop().call_soon(_reraise, exc)
                raise

        try:
            try:
                _sync_await(run_pulumi_func(main))
            except Exception as exc:
                # The SDK raises a failed registration in place of what stopped the
                # program; after Ctrl-C (a module left half-imported, say) that failure
                # is only a consequence: the interrupt is what the caller must see.
                if interrupts:
                    raise interrupts[0] from exc
                raise
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
            # End the executor's threads (the mock monitor runs in them), then close the
            # event loop each of them had, then the run's own.
            loop.run_until_complete(loop.shutdown_default_executor())
            thread_loops.close()
            loop.close()
            asyncio.set_event_loop(None)

    resources = sorted(recorder.resources, key=order.key)
    position = {res.urn: i for i, res in enumerate(resources)}
    logged = sorted(
        recorder.logged, key=lambda entry: position.get(entry[0], -1) if entry[0] else -1
    )
    return StackRun(
        project=config.project,
        stack=config.stack,
        resources=resources,
        outputs=exports,
        secret_outputs=secret_outputs,
        invokes=recorder.invokes,
        config=values,
        warnings=[message for _urn, message in logged],
    )
