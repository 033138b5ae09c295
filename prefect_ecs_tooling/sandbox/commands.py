"""The stack's local commands in the rehearsal: what each did and how long it took.

The emulator runs each ``command:local:Command`` as pulumi-command's provider would
(:mod:`prefect_ecs_tooling.aws_types.command`): its create during the deploy (the
readiness gate waits for the worker the rehearsal started with the service; the flow
delivery runs ``prefect deploy``), its delete at destroy (the drain stops the pool's
flow-run tasks before the cluster goes).
"""

from __future__ import annotations

import json
import time
from typing import Any

from .emulator import MotoAws
from .report import RehearsalReport, check
from .service_worker import ServiceWorker

__all__ = [
    "COMMAND",
    "DELIVERED_DEPLOYMENT",
    "command_json",
    "rehearse_failing_gate",
    "report_commands",
]

COMMAND = "command:local:Command"
#: The deployment flows/prefect.yaml declares (flow name / deployment name).
DELIVERED_DEPLOYMENT = "my-flow/my-ecs-deployment"


def command_json(outs: dict[str, Any]) -> dict[str, Any]:
    """The JSON line an entry point printed last on stdout ({} when none)."""
    for line in reversed(str(outs.get("stdout") or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            return value if isinstance(value, dict) else {}
    return {}


def report_commands(report: RehearsalReport, aws: MotoAws, service: ServiceWorker) -> None:
    """Facts and checks of the commands the deploy ran."""
    commands = {c.name: c for c in aws.created if c.type == COMMAND}
    for name, item in commands.items():
        report.facts[f"command {name}"] = f"{float(item.outs.get('_seconds', 0.0)):.1f} s"
    gate = next((c for n, c in commands.items() if n.endswith("-worker-ready")), None)
    if gate is None:  # readinessGate: false
        report.facts["readiness gate"] = "off in this stack"
        return
    ready = command_json(gate.outs)
    check(report, ready.get("ready") is True, "the readiness gate saw the worker ONLINE", ready)
    if service.deploy_started is not None and gate.outs.get("_finished_at"):
        online = float(gate.outs["_finished_at"]) - service.deploy_started
        report.facts["deploy start to worker online"] = f"{online:.1f} s"
    delivery = next((c for n, c in commands.items() if n.endswith("-flows")), None)
    if delivery is not None:
        delivered = command_json(delivery.outs)
        check(
            report,
            bool(delivered.get("deployments")),
            "prefect deploy created the stack's deployment (image build skipped: no Docker "
            "daemon here)",
            delivered,
        )


#: The bound of the rehearsal's failing readiness gate (seconds).
FAILING_GATE_TIMEOUT = 3


def rehearse_failing_gate(report: RehearsalReport, aws: MotoAws, pool_without_worker: str) -> None:
    """The stack's readiness gate, run as the provider would, against a pool no worker
    polls (a worker that cannot start), with a short bound: it must fail within the
    bound (plus its start-up) with a diagnosis and a matched checklist, never a bare
    timeout."""
    from ..aws_types.command import CommandFailed, run_command

    gate = next(c for c in aws.created if c.type == COMMAND and c.name.endswith("-worker-ready"))
    inputs = {k: v for k, v in gate.outs.items() if not k.startswith("_")}
    # The environment is plain (the credential is on stdin).
    inputs["environment"] = {
        **inputs["environment"],
        "PREFECT_ECS_WORK_POOL": pool_without_worker,
        "PREFECT_ECS_TIMEOUT_SECONDS": str(FAILING_GATE_TIMEOUT),
        "PREFECT_ECS_POLL_SECONDS": "1",
    }
    t0 = time.monotonic()
    try:
        run_command(
            gate.name, "create", str(inputs["create"]), inputs, base_env=aws.command_environment
        )
    except CommandFailed as failed:
        seconds = time.monotonic() - t0
        text = failed.stderr_tail
        check(
            report,
            failed.exit_code == 1 and seconds < FAILING_GATE_TIMEOUT + 20 and "worker" in text,
            f"the readiness gate fails within its {FAILING_GATE_TIMEOUT} s bound when no "
            "worker comes online, with a diagnosis",
            f"exit {failed.exit_code} after {seconds:.1f} s:\n{text}",
        )
        first = next((line for line in text.splitlines() if line.strip()), "")
        report.facts["readiness gate, no worker"] = f"failed after {seconds:.1f} s: {first[:160]}"
        return
    check(report, False, "the readiness gate fails when no worker comes online", "it passed")
