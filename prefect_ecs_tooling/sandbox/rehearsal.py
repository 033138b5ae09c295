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
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..local_prefect import PrefectServerHandle, start_prefect_server
from ..plan import placeholder_secrets
from ..runner import StackRun, load_stack_config, run_program
from .counting import CountingProxy
from .destroy import destroy
from .emulator import MotoAws, MotoServer, start_moto
from .interrupts import deferred_interrupts, exit_if_threads_linger, handling_interrupts
from .prefect_side import (
    DEPLOYMENT_NAME,
    adapt_pool_for_moto,
    check_flow_run,
    create_flow_run,
    create_pool,
    default_template,
    deploy_flow,
)
from .processes import local_worker_command, worker_env, worker_run
from .report import RehearsalError, RehearsalReport, calls_table, check, step
from .verify import SECOND_RUN, check_default_run, check_second_run, verify_stack_run

__all__ = ["RehearsalError", "RehearsalReport", "calls_table", "main", "rehearse"]


def _deploy_stack(project_dir: Path, stack: str, api_url: str, aws: MotoAws) -> StackRun:
    """Deploy the stack into moto through ``aws``, its pool on the local server."""
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
        with step(report, "start"):
            with deferred_interrupts():
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
        with step(report, "deploy"):
            run = _deploy_stack(project_dir, stack, server.api_url, aws)
        pool = str(run.outputs["workPoolName"])
        report.facts["resources created"] = len(aws.created)
        report.facts["work pool"] = pool
        with step(report, "adapt-pool"):
            floats = adapt_pool_for_moto(server.api_url, pool)
        check(
            report,
            not floats,
            "the pool's template reached the server with integer numbers",
            ", ".join(floats),
        )
        with step(report, "flow-run"):
            stack_deployment, flow_run = deploy_flow(server.api_url, pool, project_dir / "flows")
        report.facts["flow run"] = flow_run
        env = worker_env(server.api_url, proxy.endpoint_url, region, home)
        stack_command = worker_command_of(run)
        report.facts["worker command"] = " ".join(stack_command)
        log = home / "worker.log"
        say("worker (stack template)")
        worker_run(
            report,
            "worker",
            local_worker_command(stack_command, pool),
            env,
            log,
            worker_timeout,
            proxy,
            "stack template",
        )
        with step(report, "verify"):
            try:
                verify_stack_run(
                    report,
                    aws,
                    run,
                    proxy.run_task_requests[0] if proxy.run_task_requests else None,
                )
            except RehearsalError as exc:
                tail = log.read_text(errors="replace")[-3000:]
                detail = str(exc).split(": ", 1)[-1]
                raise RehearsalError("verify", f"{detail}\nworker log tail:\n{tail}") from exc
            check_flow_run(report, server.api_url, flow_run)
        default_pool = f"{pool}-default-template"
        with step(report, "default-pool"):
            template, changed = default_template(run.outputs)
            extra = create_pool(aws.work_pools[0], default_pool, template)
            _deployment, default_run = deploy_flow(
                server.api_url,
                default_pool,
                project_dir / "flows",
                name=f"{DEPLOYMENT_NAME}-default-template",
            )
        report.facts["default-template pool"] = f"{default_pool} (set: {', '.join(changed)})"
        say("worker (default template)")
        log2 = home / "worker-default.log"
        worker_run(
            report,
            "worker-default",
            local_worker_command(stack_command, default_pool),
            env,
            log2,
            worker_timeout,
            proxy,
            "default template",
        )
        with step(report, "verify-default"):
            check_default_run(report, aws, run, server.api_url, default_run)
        with step(report, "flow-run-again"):
            again = create_flow_run(server.api_url, stack_deployment)
        say("worker (stack template, second flow run)")
        worker_run(
            report,
            "worker-again",
            local_worker_command(stack_command, pool),
            env,
            home / "worker-again.log",
            worker_timeout,
            proxy,
            SECOND_RUN,
        )
        with step(report, "verify-again"):
            try:
                check_second_run(report, aws, run, server.api_url, again)
            except RehearsalError as exc:
                tail = (home / "worker-again.log").read_text(errors="replace")[-3000:]
                detail = str(exc).split(": ", 1)[-1]
                raise RehearsalError("verify", f"{detail}\nworker log tail:\n{tail}") from exc
        for label, counts in report.calls.items():
            check(
                report,
                counts.get("ecs:RunTask") == 1,
                f"{label}: the worker called ecs:RunTask once for its flow run",
                counts,
            )
        if keep:
            report.facts["kept"] = "servers stay up until Ctrl-C (no destroy)"
        else:
            with step(report, "destroy"):
                destroy(report, aws, run, extra)
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
        with step(report, "stop"):
            if proxy is not None:
                proxy.stop()
            if server is not None:
                server.stop()
            if moto is not None:
                moto.stop()
            shutil.rmtree(home, ignore_errors=True)
    return report


def main(project_dir: Path, stack: str, keep: bool = False) -> int:
    """CLI body: print the report; on failure the step and exit status 1; on Ctrl-C or
    SIGTERM (everything started is stopped first) status 130."""
    try:
        with handling_interrupts():
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
        exit_if_threads_linger(130)
        return 130
    if not keep:  # --keep printed it before waiting
        print(report.render())
    return 0


def worker_command_of(run: StackRun) -> list[str]:
    """The command of the worker container in the stack's task definition."""
    definitions = run.one("aws:ecs/taskDefinition:TaskDefinition").props["containerDefinitions"]
    command: list[str] = json.loads(definitions)[0]["command"]
    return command
