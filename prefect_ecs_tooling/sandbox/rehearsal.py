"""``python -m prefect_ecs_tooling sandbox``: rehearse a deployment end to end, offline.

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
6. run the worker once more on a second pool (created through the provider too) with
   prefect-aws's default base job template, adapted only as far as moto needs;
7. destroy: delete both pools through the real provider, then every resource the deploy
   created, in reverse creation order, and check from both sides that nothing is left;
8. stop every process it started, by PID.

The worker reaches moto through :class:`CountingProxy`, so the report counts the AWS API
calls the worker makes per flow run, with the stack's pool template and with the default
one. Ctrl-C (SIGINT) or SIGTERM at any step stops every process started so far; the CLI
then exits 130.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..local_prefect import PrefectServerHandle, start_prefect_server
from ..plan import PLACEHOLDER_SECRET, placeholder_secrets
from ..runner import StackRun, load_stack_config, run_program
from .counting import CountingProxy
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
    #: template -> {"service:Operation": count} of one worker run (one flow run).
    calls: dict[str, dict[str, int]] = field(default_factory=dict)
    #: template -> the same, for calls moto answered with an error status.
    call_errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def render(self) -> str:
        lines = [f"Sandbox rehearsal of stack '{self.stack}' (moto + local Prefect server): OK"]
        lines += ["", "Timings:"]
        lines += [f"  {k:<14} {v:6.2f} s" for k, v in self.timings.items()]
        lines += [f"  {'total':<14} {sum(self.timings.values()):6.2f} s", "", "Facts:"]
        lines += [f"  {k}: {v}" for k, v in self.facts.items()]
        if self.calls:
            lines += ["", "AWS API calls by the worker for one flow run (counted at the emulator):"]
            lines += ["  " + row for row in calls_table(self.calls)]
            for name, errors in self.call_errors.items():
                if errors:
                    lines.append(f"  errors ({name}): {errors}")
        lines += ["", "Verified from moto's side:"]
        lines += [f"  {'' if c.startswith('(') else 'ok  '}{c}" for c in self.checks]
        return "\n".join(lines)


def calls_table(calls: dict[str, dict[str, int]], markdown: bool = False) -> list[str]:
    """Rows of an operation x template table of call counts, with totals."""
    names = list(calls)
    ops = sorted({op for counts in calls.values() for op in counts})
    if markdown:
        rows = ["| operation | " + " | ".join(names) + " |"]
        rows.append("|---|" + "---:|" * len(names))
        for op in ops:
            cells = " | ".join(str(calls[n].get(op, 0)) for n in names)
            rows.append(f"| {op} | {cells} |")
        totals = " | ".join(f"**{sum(calls[n].values())}**" for n in names)
        rows.append(f"| **total** | {totals} |")
        return rows
    width = max([len(op) for op in ops] + [len("operation"), len("total")])
    cols = [max(len(n), 4) for n in names]
    head = f"{'operation':<{width}}  " + "  ".join(
        f"{n:>{c}}" for n, c in zip(names, cols, strict=True)
    )
    rows = [head]
    for op in ops:
        cells = "  ".join(f"{calls[n].get(op, 0):>{c}}" for n, c in zip(names, cols, strict=True))
        rows.append(f"{op:<{width}}  {cells}")
    totals = "  ".join(f"{sum(calls[n].values()):>{c}}" for n, c in zip(names, cols, strict=True))
    rows.append(f"{'total':<{width}}  {totals}")
    return rows


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


def _whole_floats(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds whole-number floats (``2048.0``)."""
    if isinstance(value, float) and value.is_integer():
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _whole_floats(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _whole_floats(v, f"{path}[{i}]")]
    return []


def _adapt_pool_for_moto(api_url: str, pool_name: str) -> list[str]:
    """Rehearsal only: give the flow-run container a container-level memory.

    moto answers RunTask with HTTP 500 when no container has ``memory`` or
    ``memoryReservation`` (getmoto/moto#7272); Prefect's Fargate template sets memory at
    task level only, which real ECS accepts. The stack's pool is left as is on AWS.

    Returns where the stored template holds whole-number floats: numbers cross Pulumi's
    gRPC boundary as protobuf floats, and the provider must turn them back into ints
    (boto3 rejects a float container memory, AWS a task memory of "2048.0"). The caller
    fails the rehearsal if there are any.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolUpdate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        pool = client.read_work_pool(pool_name)
        template = pool.base_job_template
        floats = _whole_floats(template)
        containers = template["job_configuration"]["task_definition"]["containerDefinitions"]
        containers[0]["memory"] = "{{ memory }}"
        client.update_work_pool(pool_name, WorkPoolUpdate(base_job_template=template))
    return floats


def _deploy_flow(
    api_url: str, pool_name: str, flows_dir: Path, name: str = DEPLOYMENT_NAME
) -> tuple[str, str]:
    """Register a deployment of flows/my_flow.py and create one flow run: (deployment, run) ids.

    Deployments are keyed by flow and name: each pool needs its own name, or deploying
    to a second pool would move the first pool's deployment there.
    """
    from prefect.client.orchestration import get_client
    from prefect.flows import load_flow_from_entrypoint
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: api_url}),
        contextlib.redirect_stdout(io.StringIO()),  # deploy() prints a table
    ):
        flow: Any = load_flow_from_entrypoint(f"{flows_dir / 'my_flow.py'}:my_flow")
        # Outside an event loop, Flow.deploy runs synchronously and returns the id.
        deployment_id: Any = flow.deploy(
            name,
            work_pool_name=pool_name,
            image=FLOW_IMAGE,
            build=False,
            push=False,
            print_next_steps=False,
        )
        with get_client(sync_client=True) as client:
            run = client.create_flow_run_from_deployment(deployment_id)
    return str(deployment_id), str(run.id)


def _worker_env(api_url: str, endpoint_url: str, region: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        # The worker task gets PREFECT_API_KEY from the stack's secret; the local server
        # ignores it. The pool sets prefect_api_key_secret_arn, and prefect-aws 0.7.12
        # raises KeyError when that is set and the worker has no PREFECT_API_KEY.
        PREFECT_API_KEY=PLACEHOLDER_SECRET,
        PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_ENABLED="false",
        AWS_ENDPOINT_URL=endpoint_url,
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


def _verify(
    report: RehearsalReport,
    aws: MotoAws,
    run: StackRun,
    run_task_request: dict[str, Any] | None = None,
) -> None:
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
        # moto keeps no security groups on the task: check the RunTask request the
        # worker sent to the emulator instead.
        vpc = ((run_task_request or {}).get("networkConfiguration") or {}).get(
            "awsvpcConfiguration", {}
        )
        _check(
            report,
            set(vpc.get("securityGroups") or []) == set(out["securityGroupIds"])
            and set(vpc.get("subnets") or []) == set(out["subnetIds"]),
            "RunTask asked for the stack's security groups and subnets",
            vpc,
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


def _default_template(out: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """prefect-aws's default ECS base job template with only what the run needs in moto;
    returns it and what was changed."""
    from prefect_aws.workers.ecs_worker import ECSWorker

    template = ECSWorker.get_default_base_job_template()
    props = template["variables"]["properties"]
    changes = {
        # The task's cluster and the role it starts with (the default cluster and no
        # execution role cannot pull an image or read a secret on AWS either).
        "cluster": out["clusterArn"],
        "execution_role_arn": out["flowRunExecutionRoleArn"],
        # moto answers RunTask with 500 without securityGroups; prefect-aws only uses a
        # network_configuration together with vpc_id (else it infers the default VPC's
        # subnets with no security groups).
        "vpc_id": out["vpcId"],
        "network_configuration": {
            "subnets": list(out["subnetIds"]),
            "securityGroups": list(out["securityGroupIds"]),
            "assignPublicIp": "ENABLED",
        },
        # moto#7272: a container-level memory, which needs a value to render.
        "memory": 2048,
    }
    for key, value in changes.items():
        props[key]["default"] = value
    containers = template["job_configuration"]["task_definition"]["containerDefinitions"]
    containers[0]["memory"] = "{{ memory }}"
    return template, [*changes, "containerDefinitions[0].memory"]


def _create_pool(stack_pool: dict[str, Any], name: str, template: dict[str, Any]) -> Any:
    """A second pool through the real provider, on the stack pool's server and auth."""
    from prefect_ecs.work_pool.provider import WorkPoolProvider

    props = {k: stack_pool.get(k) for k in ("api_url", "api_key", "auth_string")}
    props.update(name=name, type="ecs", base_job_template=template)
    return WorkPoolProvider().create(props)


def _worker_run(
    report: RehearsalReport,
    step: str,
    pool: str,
    env: dict[str, str],
    log: Path,
    timeout: float,
    proxy: CountingProxy,
    label: str,
) -> None:
    with _step(report, step):
        proxy.take()  # only this run's calls
        code = _run_worker(pool, env, log, timeout)
        if code != 0:
            raise RehearsalError(
                step, f"exit code {code}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        report.calls[label], report.call_errors[label] = proxy.take()


def _flow_tasks(aws: MotoAws, cluster: str, exclude_td: str) -> list[dict[str, Any]]:
    ecs = aws.client("ecs")
    arns = ecs.list_tasks(cluster=cluster)["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    return [t for t in tasks if t["taskDefinitionArn"] != exclude_td]


def _destroy(report: RehearsalReport, aws: MotoAws, run: StackRun, extra_pool: Any) -> None:
    from prefect_ecs.work_pool.provider import WorkPoolProvider

    out = run.outputs
    ecs = aws.client("ecs")
    # The rehearsal's own pool first (not part of the stack), through the provider.
    WorkPoolProvider().delete(str(extra_pool.id), dict(extra_pool.outs or {}))
    # Flow-run tasks end on their own on AWS; moto keeps them RUNNING, and AWS refuses
    # to delete a cluster that still has tasks.
    for task in _flow_tasks(aws, out["clusterArn"], out["taskDefinitionArn"]):
        ecs.stop_task(cluster=out["clusterArn"], task=task["taskArn"], reason="rehearsal done")
    deleted = aws.destroy()
    report.facts["resources deleted"] = len(deleted)
    left = aws.leftovers(deleted)
    extra = WorkPoolProvider().read(str(extra_pool.id), dict(extra_pool.outs or {}))
    if extra.id:
        left.append(f"work pool {extra_pool.id}")
    _check(
        report,
        not left,
        "destroy left nothing (pools read as gone, no stack resource in moto)",
        left,
    )
    # Whole-account view: nothing named after the stack remains.
    names = {c.outs.get("name") for c in deleted if c.outs.get("name")}
    iam = aws.client("iam")
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]} & names
    clusters = [
        c["clusterName"]
        for c in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"] or ["x"])[
            "clusters"
        ]
        if c.get("status") == "ACTIVE"
    ]
    groups = {
        g["logGroupName"] for g in aws.client("logs").describe_log_groups()["logGroups"]
    } & names
    secrets = {s["Name"] for s in aws.client("secretsmanager").list_secrets()["SecretList"]}
    leftover = {"roles": roles, "clusters": clusters, "log groups": groups, "secrets": secrets}
    _check(
        report,
        not any(leftover.values()),
        "moto lists no role, cluster, log group or secret of the stack",
        leftover,
    )


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while a child is starting (so its handle is not lost), then
    deliver them. Only in the main thread; a no-op elsewhere."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    old = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in old:
        signal.signal(sig, lambda signum, _frame: pending.append(signum))
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if pending:
            raise KeyboardInterrupt


def rehearse(
    project_dir: Path,
    stack: str = "dev",
    *,
    worker_timeout: float = 120.0,
    keep: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RehearsalReport:
    """Run the rehearsal; raise :class:`RehearsalError` naming the failed step.

    ``keep`` skips the destroy step and, after the report, keeps both servers up until
    Ctrl-C. ``progress`` receives one line per milestone (the CLI prints them to stderr).
    """
    report = RehearsalReport(stack=stack)
    say = progress or (lambda _line: None)
    # Bad config fails here (StackConfigError), before any process starts.
    region = load_stack_config(project_dir, stack).values.get("aws:region", "us-east-1")
    server: PrefectServerHandle | None = None
    moto: MotoServer | None = None
    proxy: CountingProxy | None = None
    home = Path(tempfile.mkdtemp(prefix="prefect-ecs-sandbox-"))
    try:
        with _step(report, "start"):
            with _deferred_interrupts():
                server = start_prefect_server()
            say(f"prefect server {server.api_url} (pid {server.pid})")
            moto = start_moto()
            # moto keeps its state per process, not per server: start from empty.
            moto.reset()
            proxy = CountingProxy(moto.endpoint_url).start()
            say(f"moto {moto.endpoint_url} (in process), call counter {proxy.endpoint_url}")
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
        _check(
            report,
            not floats,
            "the pool's template reached the server with integer numbers",
            ", ".join(floats),
        )
        with _step(report, "flow-run"):
            stack_deployment, flow_run = _deploy_flow(server.api_url, pool, project_dir / "flows")
        report.facts["flow run"] = flow_run
        env = _worker_env(server.api_url, proxy.endpoint_url, region, home)
        log = home / "worker.log"
        say("worker (stack template)")
        _worker_run(report, "worker", pool, env, log, worker_timeout, proxy, "stack template")
        with _step(report, "verify"):
            try:
                _verify(
                    report,
                    aws,
                    run,
                    proxy.run_task_requests[0] if proxy.run_task_requests else None,
                )
            except RehearsalError as exc:
                tail = log.read_text(errors="replace")[-3000:]
                detail = str(exc).split(": ", 1)[-1]
                raise RehearsalError("verify", f"{detail}\nworker log tail:\n{tail}") from exc
            _check_flow_run(report, server.api_url, flow_run)
        default_pool = f"{pool}-default-template"
        with _step(report, "default-pool"):
            template, changed = _default_template(run.outputs)
            extra = _create_pool(aws.work_pools[0], default_pool, template)
            _deployment, default_run = _deploy_flow(
                server.api_url,
                default_pool,
                project_dir / "flows",
                name=f"{DEPLOYMENT_NAME}-default-template",
            )
        report.facts["default-template pool"] = f"{default_pool} (set: {', '.join(changed)})"
        say("worker (default template)")
        log2 = home / "worker-default.log"
        _worker_run(
            report,
            "worker-default",
            default_pool,
            env,
            log2,
            worker_timeout,
            proxy,
            "default template",
        )
        with _step(report, "verify-default"):
            _check_default_run(report, aws, run, server.api_url, default_run)
        with _step(report, "flow-run-again"):
            again = _create_flow_run(server.api_url, stack_deployment)
        say("worker (stack template, second flow run)")
        _worker_run(
            report,
            "worker-again",
            pool,
            env,
            home / "worker-again.log",
            worker_timeout,
            proxy,
            SECOND_RUN,
        )
        with _step(report, "verify-again"):
            try:
                _check_second_run(report, aws, run, server.api_url, again)
            except RehearsalError as exc:
                tail = (home / "worker-again.log").read_text(errors="replace")[-3000:]
                detail = str(exc).split(": ", 1)[-1]
                raise RehearsalError("verify", f"{detail}\nworker log tail:\n{tail}") from exc
        for label, counts in report.calls.items():
            _check(
                report,
                counts.get("ecs:RunTask") == 1,
                f"{label}: the worker called ecs:RunTask once for its flow run",
                counts,
            )
        if keep:
            report.facts["kept"] = "servers stay up until Ctrl-C (no destroy)"
        else:
            with _step(report, "destroy"):
                _destroy(report, aws, run, extra)
        if keep:
            print(report.render(), flush=True)
            print(
                f"\nKept: Prefect API {server.api_url}, AWS endpoint (moto) "
                f"{moto.endpoint_url}. Ctrl-C stops both.",
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt):  # the normal end of --keep
                while True:
                    time.sleep(3600)
    finally:
        with _step(report, "stop"):
            if proxy is not None:
                proxy.stop()
            if server is not None:
                server.stop()
            if moto is not None:
                moto.stop()
            shutil.rmtree(home, ignore_errors=True)
    return report


def _check_default_run(
    report: RehearsalReport, aws: MotoAws, run: StackRun, api_url: str, flow_run_id: str
) -> None:
    """The default-template run: one more task in the cluster; what it differs in."""
    out = run.outputs
    tasks = _flow_tasks(aws, out["clusterArn"], out["taskDefinitionArn"])
    _check(report, len(tasks) == 2, "default template: a second flow-run task ran", len(tasks))
    pid = _check_flow_run(report, api_url, flow_run_id)
    by_arn = {t["taskArn"]: t for t in tasks}
    task_arn = pid.split("::", 1)[-1]
    _check(report, task_arn in by_arn, "default template: the flow run's task is in moto", pid)
    task = by_arn[task_arn]
    ecs = aws.client("ecs")
    td = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    container = td["containerDefinitions"][0]
    overrides = task.get("overrides", {})
    env_dump = json.dumps([container.get("environment", []), overrides.get("containerOverrides")])
    report.facts["default template: task role"] = (
        overrides.get("taskRoleArn") or td.get("taskRoleArn") or "none"
    )
    report.facts["default template: log configuration"] = (
        container.get("logConfiguration") or {}
    ).get("logDriver") or "none"
    report.facts["default template: PREFECT_API_KEY"] = (
        "PLAINTEXT in the task's environment"
        if PLACEHOLDER_SECRET in env_dump
        else ("secret" if container.get("secrets") else "absent")
    )


SECOND_RUN = "stack template, 2nd run"


def _create_flow_run(api_url: str, deployment_id: str) -> str:
    """One more flow run of an existing deployment; its id."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        return str(client.create_flow_run_from_deployment(UUID(deployment_id)).id)


def _check_second_run(
    report: RehearsalReport, aws: MotoAws, run: StackRun, api_url: str, flow_run_id: str
) -> None:
    """The stack's pool reuses the task definition revision of the first flow run."""
    pid = _check_flow_run(report, api_url, flow_run_id)
    cluster, task_arn = pid.split("::", 1)
    (task,) = aws.client("ecs").describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"]
    _check(
        report,
        task["taskDefinitionArn"] == report.facts.get("task definition"),
        "2nd flow run reused the first run's task definition revision",
        task["taskDefinitionArn"],
    )
    _check(
        report,
        "ecs:RegisterTaskDefinition" not in report.calls.get(SECOND_RUN, {}),
        "2nd flow run registered no task definition",
        report.calls.get(SECOND_RUN),
    )


def _check_flow_run(report: RehearsalReport, api_url: str, flow_run_id: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        fr = client.read_flow_run(flow_run_id)  # type: ignore[arg-type]
    pid = fr.infrastructure_pid or ""
    _check(
        report,
        "::arn:aws:ecs:" in pid,
        "flow run records the ECS task",
        f"state {fr.state_name}, queue {fr.work_queue_name}, pid {pid!r}",
    )
    return pid


def _exit_if_threads_linger(code: int) -> None:
    """An interrupted deploy leaves the in-process engine's executor threads calling the
    (stopped) emulator; the interpreter would join them at exit (about 15 s of botocore
    retries). Every process is stopped by now, so exit at once."""
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _raise_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(project_dir: Path, stack: str, keep: bool = False) -> int:
    """CLI body: print the report; on failure the step and exit status 1; on Ctrl-C or
    SIGTERM (everything started is stopped first) status 130."""
    old = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        report = rehearse(
            project_dir,
            stack,
            keep=keep,
            progress=lambda line: print(f"sandbox: {line}", file=sys.stderr, flush=True),
        )
    except RehearsalError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sandbox: interrupted; every process it started is stopped", file=sys.stderr)
        _exit_if_threads_linger(130)
        return 130
    finally:
        signal.signal(signal.SIGTERM, old)
    if not keep:  # --keep printed it before waiting
        print(report.render())
    return 0
