"""``command:local:Command``: a command run on the deployer machine (pulumi-command 1.2.1).

Not an AWS object: the command provider does not run under mocks, so the tooling runs
the command the way the provider does. The offline plan (``fake``) never runs anything.
The emulator (``create``) runs ``create`` with the ``interpreter`` (default
``["/bin/sh", "-c"]``), in ``dir`` (else the current directory), with the current
process environment overlaid with ``environment`` (secret values unwrapped only for the
child process) and ``stdin``; ``delete`` runs ``delete`` the same way with the recorded
environment, plus ``PULUMI_COMMAND_STDOUT``/``PULUMI_COMMAND_STDERR`` (the create's
output) unless ``addPreviousOutputInEnv`` is false, as the provider does. The emulator
deletes in reverse creation order, so a command's ``delete`` runs after everything
created after it is gone and before what it depends on is deleted.

Every secret value of the inputs is scrubbed (replaced by ``[secret]``) from what comes
back: ``stdout``, ``stderr`` and the error raised on a non-zero exit, which carries the
tail of the command's stderr.

Outputs: the inputs, ``stdout`` and ``stderr`` (one trailing newline trimmed, as the
provider does), and for the rehearsal ``_seconds`` (how long ``create`` ran) and
``_exitCode`` (0). ``delete`` records ``_deleteSeconds``, ``_deleteExitCode`` and
``_deleted`` in the created item's outputs; ``exists`` is true until ``delete`` has run.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from ..records import RecordedResource, is_secret_envelope, unwrap_secrets
from . import _base as base

__all__ = [
    "DEFAULT_INTERPRETER",
    "TYPE",
    "CommandFailed",
    "CommandRun",
    "LocalCommand",
    "run_command",
    "scrub",
    "secret_values",
]

log = logging.getLogger(__name__)

#: The provider's interpreter on Linux and macOS.
DEFAULT_INTERPRETER = ("/bin/sh", "-c")
#: How much of a failed command's stderr goes into the error (the end of it).
TAIL_LINES = 20
TAIL_CHARS = 4000
SECRET = "[secret]"


class CommandFailed(RuntimeError):
    """A command exited non-zero (the message carries its stderr's tail, scrubbed)."""

    def __init__(self, message: str, exit_code: int, seconds: float, stderr_tail: str):
        super().__init__(message)
        self.exit_code = exit_code
        self.seconds = seconds
        self.stderr_tail = stderr_tail


@dataclass
class CommandRun:
    """One run of a command: exit code, duration, output (scrubbed)."""

    exit_code: int
    seconds: float
    stdout: str
    stderr: str


# ---------------------------------------------------------------------------- secrets
#: Pulumi's SDK records a whole ``environment`` map as one secret when any value in it
#: is secret, so every value of the map arrives as "secret", the plain ones too ("1",
#: "600", a region). Scrubbing those would corrupt the commands' JSON output
#: (``"seconds": 1.5`` -> ``"seconds": [secret].5``); no credential is this short.
MIN_SECRET_LENGTH = 8


def secret_values(value: Any) -> list[str]:
    """Every string of at least :data:`MIN_SECRET_LENGTH` characters inside a secret
    envelope of ``value``, longest first."""
    found: set[str] = set()

    def walk(v: Any, inside: bool) -> None:
        if is_secret_envelope(v):
            walk(v.get("value"), True)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item, inside)
        elif isinstance(v, list):
            for item in v:
                walk(item, inside)
        elif inside and v is not None and len(str(v)) >= MIN_SECRET_LENGTH:
            found.add(str(v))
            # A secret JSON object (a credential for stdin): its values too.
            try:
                parsed = json.loads(str(v))
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                walk(parsed, True)

    walk(value, False)
    return sorted(found, key=lambda s: (-len(s), s))


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret value replaced by ``[secret]``."""
    for value in secrets:
        text = text.replace(value, SECRET)
    return text


# ---------------------------------------------------------------------------- running
def run_command(
    name: str,
    step: str,
    script: str,
    inputs: dict[str, Any],
    extra_env: dict[str, str] | None = None,
    base_env: dict[str, str] | None = None,
) -> CommandRun:
    """Run ``script`` as the provider would for ``step`` (create/delete) of command
    ``name`` with ``inputs`` (the recorded inputs, secret envelopes included).

    Raises :class:`CommandFailed` on a non-zero exit (or a command that cannot start),
    its message scrubbed of every secret value of ``inputs``."""
    secrets = secret_values(inputs)
    props = unwrap_secrets(inputs)
    interpreter = [str(a) for a in (props.get("interpreter") or DEFAULT_INTERPRETER)]
    # The deployer's shell (this process), then what the emulator adds to it (its AWS
    # endpoint and credentials), then the command's own environment.
    env = dict(os.environ)
    env.update(base_env or {})
    env.update({str(k): str(v) for k, v in (props.get("environment") or {}).items()})
    env.update(extra_env or {})
    stdin = props.get("stdin")
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*interpreter, script],
            cwd=props.get("dir") or None,
            env=env,
            input=stdin if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:  # no such interpreter, no such dir...
        seconds = time.monotonic() - started
        message = scrub(f"command:local:Command {name}: {step} could not start: {exc}", secrets)
        raise CommandFailed(message, -1, seconds, "") from None
    seconds = time.monotonic() - started
    run = CommandRun(
        done.returncode,
        seconds,
        scrub(done.stdout.removesuffix("\n"), secrets),
        scrub(done.stderr.removesuffix("\n"), secrets),
    )
    log_output(name, step, run, props.get("logging"))
    if run.exit_code != 0:
        tail = "\n".join(run.stderr.splitlines()[-TAIL_LINES:])[-TAIL_CHARS:]
        message = (
            f"command:local:Command {name}: {step} exited with {run.exit_code} after "
            f"{seconds:.1f}s: running {one_line(scrub(script, secrets))!r}"
            + (f"\n{tail}" if tail else " (no stderr)")
        )
        raise CommandFailed(message, run.exit_code, seconds, tail)
    return run


def log_output(name: str, step: str, run: CommandRun, setting: Any) -> None:
    """What the provider logs (``logging``: stdout, stderr, both (default) or none)."""
    setting = setting or "stdoutAndStderr"
    streams = {
        "stdout": ["stdout"],
        "stderr": ["stderr"],
        "stdoutAndStderr": ["stdout", "stderr"],
    }.get(str(setting), [])
    for stream in streams:
        for line in getattr(run, stream).splitlines():
            log.info("%s %s %s: %s", name, step, stream, line)


def one_line(script: str) -> str:
    """A command on one line (newlines shown as ``\\n``)."""
    return script.strip().replace("\n", "\\n")


def _emulator_env(emulator: Any) -> dict[str, str]:
    """What the emulator adds to a command's environment (``command_environment``: its
    AWS endpoint and credentials, as a deployer's shell has its own); none offline."""
    return dict(getattr(emulator, "command_environment", None) or {})


# ---------------------------------------------------------------------------- the type
class LocalCommand(base.ResourceType):
    token = "command:local:Command"

    @staticmethod
    def command_id(res: RecordedResource) -> str:
        """Deterministic from the logical name (and its place, the URN)."""
        return f"{res.name}-{base.stable_hex(res.urn, 8)}"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        return self.command_id(res), {**res.inputs, "stdout": "", "stderr": ""}

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        script = unwrap_secrets(res.inputs.get("create"))
        if script:
            run = run_command(
                res.name, "create", str(script), res.inputs, base_env=_emulator_env(emulator)
            )
        else:  # the provider runs nothing without ``create``
            run = CommandRun(0, 0.0, "", "")
        out.update(
            stdout=run.stdout,
            stderr=run.stderr,
            _seconds=run.seconds,
            _exitCode=run.exit_code,
            _finished_at=time.time(),
        )
        return self.command_id(res), out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        # ``outs`` holds the recorded inputs with their secret envelopes (``props`` has
        # them unwrapped): the values are unwrapped for the child only, then scrubbed.
        inputs = {k: v for k, v in item.outs.items() if not k.startswith("_")} or item.props
        script = unwrap_secrets(inputs.get("delete"))
        if script:
            extra: dict[str, str] = {}
            if unwrap_secrets(inputs.get("addPreviousOutputInEnv")) is not False:
                extra = {
                    "PULUMI_COMMAND_STDOUT": str(item.outs.get("stdout", "")),
                    "PULUMI_COMMAND_STDERR": str(item.outs.get("stderr", "")),
                }
            run = run_command(
                item.name, "delete", str(script), inputs, extra, base_env=_emulator_env(emulator)
            )
            item.outs.update(_deleteSeconds=run.seconds, _deleteExitCode=run.exit_code)
        item.outs["_deleted"] = True

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        return not item.outs.get("_deleted")

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        lines = [f"create: {command_text(p.get('create'))}"]
        if p.get("update"):
            lines.append(f"update: {command_text(p['update'])}")
        lines.append(f"delete: {command_text(p.get('delete'))}")
        lines.append(f"dir: {p.get('dir') or '(current directory)'}")
        lines.append(f"env: {describe_env(p.get('environment'), res.props.get('environment'))}")
        if p.get("interpreter"):
            lines.append(f"interpreter: {base.short(p['interpreter'])}")
        if p.get("stdin") is not None:
            stdin = p["stdin"]
            lines.append(f"stdin: {SECRET if stdin == SECRET else f'{len(str(stdin))} characters'}")
        triggers = p.get("triggers")
        count = len(triggers) if isinstance(triggers, list) else 0 if triggers is None else "?"
        lines.append(f"triggers: {count}")
        lines.append(f"logging: {p.get('logging') or 'stdoutAndStderr (default)'}")
        return lines


def command_text(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    return SECRET if value == SECRET else one_line(str(value))


def describe_env(env: Any, plaintext: Any = None) -> str:
    """``NAME=value`` for plain values, ``NAME=[secret]`` for secret ones, sorted. When
    one value is secret the SDK makes the whole map secret: every value is then shown as
    ``[secret]`` (the names from ``plaintext``, the unwrapped map)."""
    if env == SECRET:
        if not isinstance(plaintext, dict) or not plaintext:
            return SECRET
        env = dict.fromkeys(plaintext, SECRET)
    if not env:
        return "(none)"
    return " ".join(f"{k}={base.secret_or(v)}" for k, v in sorted(env.items()))


TYPE = LocalCommand()
