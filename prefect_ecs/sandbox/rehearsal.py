"""``python -m prefect_ecs sandbox``: rehearse a deployment end to end, offline.

Steps (each timed; a failure names its step and exits non-zero):

1. start a local Prefect server and a moto server (the AWS emulator);
2. deploy the stack (``__main__.py`` with ``Pulumi.<stack>.yaml``) into moto through
   :class:`MotoAws`, secrets replaced by placeholders as the offline plan does and
   ``prefectApiUrl`` pointed at the local server; the work pool is created for real;
3. register a deployment of ``flows/my_flow.py`` on the pool and create a flow run;
4. run ``prefect worker start --pool <pool> --type ecs --run-once`` with
   ``AWS_ENDPOINT_URL`` at moto, as the stack's worker task would;
5. verify, from moto's side, the task the worker ran: cluster, roles, subnets,
   security groups, log group, the secret ARN and no plaintext credential;
6. stop every process it started, by PID (the emulator is discarded: nothing to destroy).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..local_prefect import PrefectServerHandle, start_prefect_server
from ..plan import PLACEHOLDER_SECRET, placeholder_secrets
from ..runner import StackRun, load_stack_config, run_program
from .emulator import MotoAws, MotoServer, start_moto

__all__ = ["RehearsalError", "RehearsalReport", "rehearse"]

DEPLOYMENT_NAME = "sandbox"
FLOW_IMAGE = "prefecthq/prefect:3.9.1-python3.12"


class RehearsalError(RuntimeError):
    """A step failed; ``step`` names it."""

    def __init__(self, step: str, message: str):
        super().__init__(f"step '{step}' failed: {message}")
        self.step = step


@dataclass
class RehearsalReport:
    """What the rehearsal did and found."""

    stack: str
    timings: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"Sandbox rehearsal of stack '{self.stack}' (moto + local Prefect server): OK"]
        lines += ["", "Timings:"]
        lines += [f"  {k:<12} {v:6.2f} s" for k, v in self.timings.items()]
        lines += [f"  {'total':<12} {sum(self.timings.values()):6.2f} s", "", "Facts:"]
        lines += [f"  {k}: {v}" for k, v in self.facts.items()]
        lines += ["", "Verified from moto's side:"]
        lines += [f"  {'' if c.startswith('(') else 'ok  '}{c}" for c in self.checks]
        return "\n".join(lines)


@contextlib.contextmanager
def _step(report: RehearsalReport, name: str) -> Any:
    t0 = time.monotonic()
    try:
        yield
    except RehearsalError:
        raise
    except Exception as exc:  # every failure is reported with its step
        raise RehearsalError(name, f"{type(exc).__name__}: {exc}") from exc
    finally:
        report.timings[name] = time.monotonic() - t0


def _check(report: RehearsalReport, cond: bool, what: str, detail: Any = "") -> None:
    if not cond:
        raise RehearsalError("verify", f"{what} ({detail})")
    report.checks.append(what)


def _deploy_stack(project_dir: Path, stack: str, api_url: str, aws: MotoAws) -> StackRun:
    config = load_stack_config(project_dir, stack)
    secrets, _notes = placeholder_secrets(config)
    ns = config.project
    return run_program(
        project_dir / "__main__.py",
        config,
        aws.register,
        aws.invoke,
        config_overrides={f"{ns}:prefectApiUrl": api_url},
        secret_overrides=secrets,
    )


def _whole_floats_to_ints(value: Any, found: list[str], path: str = "") -> Any:
    if isinstance(value, float) and value.is_integer():
        found.append(path)
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_floats_to_ints(v, found, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_floats_to_ints(v, found, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _adapt_pool_for_moto(api_url: str, pool_name: str) -> list[str]:
    """Rehearsal only: give the flow-run container a container-level memory.

    moto answers RunTask with HTTP 500 when no container has ``memory`` or
    ``memoryReservation`` (getmoto/moto#7272); Prefect's Fargate template sets memory at
    task level only, which real ECS accepts. The stack's pool is left as is on AWS.

    Also turns whole-number floats (``2048.0``: numbers cross Pulumi's gRPC boundary as
    protobuf floats) back into ints, because boto3 rejects a float container memory;
    returns where it found them (a finding: the stack's pool stores such floats).
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolUpdate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        pool = client.read_work_pool(pool_name)
        floats: list[str] = []
        template = _whole_floats_to_ints(pool.base_job_template, floats)
        containers = template["job_configuration"]["task_definition"]["containerDefinitions"]
        containers[0]["memory"] = "{{ memory }}"
        client.update_work_pool(pool_name, WorkPoolUpdate(base_job_template=template))
    return floats


def _deploy_flow(api_url: str, pool_name: str, flows_dir: Path) -> tuple[str, str]:
    """Register a deployment of flows/my_flow.py and create one flow run: (deployment, run) ids."""
    from prefect.client.orchestration import get_client
    from prefect.flows import load_flow_from_entrypoint
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        flow = load_flow_from_entrypoint(f"{flows_dir / 'my_flow.py'}:my_flow")
        deployment_id = flow.deploy(
            DEPLOYMENT_NAME,
            work_pool_name=pool_name,
            image=FLOW_IMAGE,
            build=False,
            push=False,
            print_next_steps=False,
        )
        with get_client(sync_client=True) as client:
            run = client.create_flow_run_from_deployment(deployment_id)
    return str(deployment_id), str(run.id)


def _worker_env(api_url: str, moto: MotoServer, region: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        # The worker task gets PREFECT_API_KEY from the stack's secret; the local server
        # ignores it. The pool sets prefect_api_key_secret_arn, and prefect-aws 0.7.12
        # raises KeyError when that is set and the worker has no PREFECT_API_KEY.
        PREFECT_API_KEY=PLACEHOLDER_SECRET,
        PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_ENABLED="false",
        AWS_ENDPOINT_URL=moto.endpoint_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
    )
    return env


def _run_worker(pool_name: str, env: dict[str, str], log: Path, timeout: float) -> int:
    cmd = [
        str(Path(sys.executable).parent / "prefect"),
        "worker",
        "start",
        "--pool",
        pool_name,
        "--type",
        "ecs",
        "--run-once",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RehearsalError(
            "worker", f"no exit after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}"
        ) from None
    finally:
        if proc.poll() is None:
            # Two signals: the worker shuts down gracefully on the first.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue


def _verify(report: RehearsalReport, aws: MotoAws, run: StackRun) -> None:
    out = run.outputs
    ecs = aws.client("ecs")
    arns = ecs.list_tasks(cluster=out["clusterArn"])["taskArns"]
    tasks = ecs.describe_tasks(cluster=out["clusterArn"], tasks=arns)["tasks"] if arns else []
    flow_tasks = [t for t in tasks if out["taskDefinitionArn"] != t["taskDefinitionArn"]]
    _check(report, len(flow_tasks) == 1, "one flow-run task in the stack's cluster", arns)
    task = flow_tasks[0]
    report.facts["task"] = task["taskArn"]
    _check(report, task["clusterArn"] == out["clusterArn"], "task ran in the stack's cluster")
    td = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    report.facts["task definition"] = td["taskDefinitionArn"]
    _check(
        report,
        td["executionRoleArn"] == out["flowRunExecutionRoleArn"],
        "flow-run execution role",
        td.get("executionRoleArn"),
    )
    # prefect-aws passes the task role as a RunTask override, not in the definition.
    task_role = task.get("overrides", {}).get("taskRoleArn") or td.get("taskRoleArn")
    _check(report, task_role == out["flowRunTaskRoleArn"], "flow-run task role", task_role)
    container = td["containerDefinitions"][0]
    log_opts = (container.get("logConfiguration") or {}).get("options", {})
    _check(
        report,
        log_opts.get("awslogs-group") == out["flowRunLogGroupName"],
        "flow-run logs go to the stack's log group",
        log_opts,
    )
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    _check(
        report,
        secrets.get("PREFECT_API_KEY") == out["secretArn"],
        "PREFECT_API_KEY comes from the stack's secret ARN",
        secrets,
    )
    overrides = task.get("overrides", {}).get("containerOverrides", [])
    env_dump = json.dumps([container.get("environment", []), overrides])
    _check(
        report,
        PLACEHOLDER_SECRET not in env_dump and "PREFECT_API_KEY" not in env_dump,
        "no plaintext credential in the task's environment",
    )
    net = _task_network(task)
    _check(
        report,
        bool(net["subnets"]) and set(net["subnets"]) <= set(out["subnetIds"]),
        "task in the stack's subnets",
        net,
    )
    if net["securityGroups"] is None:
        report.checks.append(
            "(security groups: moto does not record them on the task; not checked)"
        )
    else:
        _check(
            report,
            set(net["securityGroups"]) == set(out["securityGroupIds"]),
            "task in the stack's security groups",
            net,
        )


def _task_network(task: dict[str, Any]) -> dict[str, Any]:
    """Subnets (and security groups, where moto keeps them) of a task's ENI attachment."""
    subnets: list[str] = []
    groups: list[str] | None = None
    for att in task.get("attachments", []):
        for d in att.get("details", []):
            if d["name"] == "subnetId":
                subnets.append(d["value"])
            if d["name"] == "securityGroups":
                groups = d["value"].split(",")
    return {"subnets": subnets, "securityGroups": groups}


def rehearse(
    project_dir: Path, stack: str = "dev", *, worker_timeout: float = 120.0
) -> RehearsalReport:
    """Run the rehearsal; raise :class:`RehearsalError` naming the failed step."""
    report = RehearsalReport(stack=stack)
    # Bad config fails here (StackConfigError), before any process starts.
    region = load_stack_config(project_dir, stack).values.get("aws:region", "us-east-1")
    server: PrefectServerHandle | None = None
    moto: MotoServer | None = None
    home = Path(tempfile.mkdtemp(prefix="prefect-ecs-sandbox-"))
    try:
        with _step(report, "start"):
            server = start_prefect_server()
            moto = start_moto()
            # moto keeps its state per process, not per server: start from empty.
            moto.reset()
        report.facts["prefect api"] = server.api_url
        report.facts["moto"] = moto.endpoint_url
        aws = MotoAws(moto.endpoint_url, region)
        with _step(report, "deploy"):
            run = _deploy_stack(project_dir, stack, server.api_url, aws)
        pool = str(run.outputs["workPoolName"])
        report.facts["resources created"] = len(aws.created)
        report.facts["work pool"] = pool
        with _step(report, "adapt-pool"):
            floats = _adapt_pool_for_moto(server.api_url, pool)
        report.facts["pool template floats fixed"] = ", ".join(floats) or "none"
        with _step(report, "flow-run"):
            _deployment, flow_run = _deploy_flow(server.api_url, pool, project_dir / "flows")
        report.facts["flow run"] = flow_run
        with _step(report, "worker"):
            log = home / "worker.log"
            code = _run_worker(
                pool, _worker_env(server.api_url, moto, region, home), log, worker_timeout
            )
            if code != 0:
                raise RehearsalError(
                    "worker", f"exit code {code}:\n{log.read_text(errors='replace')[-3000:]}"
                )
        with _step(report, "verify"):
            try:
                _verify(report, aws, run)
            except RehearsalError as exc:
                tail = log.read_text(errors="replace")[-3000:]
                detail = str(exc).split(": ", 1)[-1]
                raise RehearsalError("verify", f"{detail}\nworker log tail:\n{tail}") from exc
            _check_flow_run(report, server.api_url, flow_run)
    finally:
        with _step(report, "stop"):
            if server is not None:
                server.stop()
            if moto is not None:
                moto.stop()
            shutil.rmtree(home, ignore_errors=True)
    return report


def _check_flow_run(report: RehearsalReport, api_url: str, flow_run_id: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        fr = client.read_flow_run(flow_run_id)  # type: ignore[arg-type]
    pid = fr.infrastructure_pid or ""
    _check(report, "::arn:aws:ecs:" in pid, "flow run records the ECS task", pid)


def main(project_dir: Path, stack: str) -> int:
    """CLI body: print the report; on failure the step and exit status 1."""
    try:
        report = rehearse(project_dir, stack)
    except RehearsalError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    print(report.render())
    return 0
