"""``python -m prefect_ecs_tooling sandbox``: rehearse a deployment end to end, offline.

Steps (each timed; a failure names its step and exits non-zero):

1. start a local Prefect server (with ``PREFECT_SERVER_API_AUTH_STRING`` when the stack
   authenticates with an auth string) and a moto server (the AWS emulator); make what the
   stack names as existing (VPC, subnets, security groups, cluster, secret, the pool with
   ``createWorkPool: false``: :mod:`.setups`) and substitute the emulator's ids;
2. deploy the stack (``__main__.py`` with ``Pulumi.<stack>.yaml``) into moto through
   :class:`MotoAws`, secrets replaced by placeholders as the offline plan does and
   ``prefectApiUrl`` pointed at the local server; the work pool is created for real;
3. register a deployment of ``flows/my_flow.py`` on the pool;
4. start the stack's worker, long-lived: the command and environment of its task
   definition, ``AWS_ENDPOINT_URL`` at moto, its health endpoint on a free port; wait
   until it is up and its crash observer polls the stack's queue;
5. a first flow run, verified from moto's side (cluster, roles, subnets, security
   groups, log group, the secret ARN, no plaintext credential), then a warm one (same
   deployment, same process: it reuses the task definition revision);
6. a crash: the warm run's task stopped through the ECS API and its "ECS Task State
   Change" event put on EventBridge; the stack's rule routes it to the stack's queue and
   the observer must mark the flow run Crashed;
7. stop the worker; authorize every AWS call it made against the worker task role's
   policy (:mod:`.permissions`, the independent IAM simulator);
8. the same worker, long-lived, on a second pool (created through the provider too)
   with prefect-aws's default base job template, adapted only as far as moto needs:
   a first and a warm flow run, for comparison;
9. destroy: delete both pools through the real provider, then every resource the deploy
   created, in reverse creation order, and check from both sides that nothing is left;
   check that what existed before the stack survived its destroy, then remove it;
10. stop every process it started, by PID.

The worker reaches moto through :class:`CountingProxy`, so the report counts the AWS API
calls the worker makes per phase (process start, first run, warm run, crash; the
observer's long polls apart), with the stack's pool template and with the default one.
``quick`` (``--quick``) stops after the first flow run (steps 1-5, 7 and 9).
Ctrl-C (SIGINT) or SIGTERM at any step stops every process started so far; the CLI then
exits 130.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..local_prefect import PrefectServerHandle, start_prefect_server
from ..plan import PLACEHOLDER_SECRET, placeholder_secrets
from ..runner import StackConfig, StackRun, run_program
from .commands import COMMAND, DELIVERED_DEPLOYMENT, rehearse_failing_gate, report_commands
from .counting import CountingProxy
from .destroy import destroy
from .emulator import MotoAws, MotoServer, start_moto
from .interrupts import deferred_interrupts, exit_if_threads_linger, handling_interrupts
from .prefect_side import (
    DEPLOYMENT_NAME,
    adapt_pool_for_moto,
    create_pool,
    default_template,
    deploy_flow,
    read_deployment_id,
    use_auth,
)
from .processes import local_worker_command
from .report import RehearsalError, RehearsalReport, calls_table, check, step
from .runs import STACK, Stage, check_call_targets, default_worker, stack_worker
from .service_worker import ServiceWorker
from .setups import Prerequisites, check_auth, load_stack

__all__ = ["RehearsalError", "RehearsalReport", "calls_table", "main", "rehearse"]


def _deploy_stack(
    project_dir: Path, config: StackConfig, api_url: str, aws: MotoAws, made: Prerequisites
) -> StackRun:
    """Deploy the stack into moto through ``aws``, its pool on the local server, with the
    emulator's ids for what the stack names (``made``) and the local server's auth string."""
    secrets, _notes = placeholder_secrets(config)
    secrets.update(made.secret_overrides())
    ns = config.project
    # No Docker daemon here: flows are delivered without building their image.
    no_docker = (
        {f"{ns}:flowsSkipImageBuild": "true"} if f"{ns}:flowsDirectory" in config.values else {}
    )
    return run_program(
        project_dir / "__main__.py",
        config,
        aws.register,
        aws.invoke,
        config_overrides={f"{ns}:prefectApiUrl": api_url, **no_docker, **made.overrides},
        secret_overrides=secrets,
    )


def _deployment(report: RehearsalReport, aws: MotoAws, api_url: str, pool: str, flows: Path) -> str:
    """The deployment the flow runs use: the one the stack's flow delivery made during the
    deploy, or (a stack without ``flowsDirectory``) one the rehearsal registers."""
    if any(c.type == COMMAND and c.name.endswith("-flows") for c in aws.created):
        return read_deployment_id(api_url, DELIVERED_DEPLOYMENT)
    report.facts["deployment"] = "registered by the rehearsal (the stack delivers no flows)"
    return deploy_flow(api_url, pool, flows)


def rehearse(
    project_dir: Path,
    stack: str = "dev",
    *,
    worker_timeout: float = 60.0,
    keep: bool = False,
    quick: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RehearsalReport:
    """Run the rehearsal; raise :class:`RehearsalError` naming the failed step.

    ``stack`` is a stack name (``Pulumi.<stack>.yaml`` at the project root, else in
    ``examples/stacks/``) or the path of a stack file. ``keep`` skips the destroy step
    and, after the report, keeps both servers up until Ctrl-C. ``quick``: deploy, worker
    online, one flow run verified and authorized, destroy (no warm run, crash, default
    template or failing gate). ``progress`` receives one line per milestone (the CLI
    prints them to stderr).
    """
    say = progress or (lambda _line: None)
    # Bad config fails here (StackConfigError), before any process starts.
    config, stack_path = load_stack(project_dir, stack)
    report = RehearsalReport(stack=config.stack)
    if stack_path.parent != project_dir.resolve():
        report.facts["stack file"] = str(stack_path)
    region = config.values.get("aws:region", "us-east-1")
    made = Prerequisites(config)
    server: PrefectServerHandle | None = None
    moto: MotoServer | None = None
    proxy: CountingProxy | None = None
    service: ServiceWorker | None = None
    home = Path(tempfile.mkdtemp(prefix="prefect-ecs-sandbox-"))
    try:
        with step(report, "start"):
            with deferred_interrupts():
                server = start_prefect_server(auth_string=made.auth_string)
            use_auth(server.api_url, made.auth_string)
            say(f"prefect server {server.api_url} (pid {server.pid})")
            if made.auth_string is not None:
                say(
                    "the server requires basic auth (PREFECT_SERVER_API_AUTH_STRING); the "
                    "stack authenticates with that auth string"
                )
            moto = start_moto()
            # moto keeps its state per process, not per server: start from empty.
            moto.reset()
            proxy = CountingProxy(moto.endpoint_url).start()
            say(f"moto {moto.endpoint_url} (in process), call counter {proxy.endpoint_url}")
        report.facts["prefect api"] = server.api_url
        if made.auth_string is not None:
            report.facts["prefect api auth"] = "basic auth (PREFECT_SERVER_API_AUTH_STRING)"
        report.facts["moto"] = moto.endpoint_url
        aws = MotoAws(moto.endpoint_url, region)
        if made.any:
            with step(report, "prerequisites"):
                made.create(aws, server.api_url)
            for note in made.notes:
                say(f"made before the deploy: {note}")
            report.facts["made before the deploy"] = " | ".join(made.notes)
        secrets = aws.client("secretsmanager")
        # The stack's worker starts when the deploy creates its service, as on ECS.
        service = ServiceWorker(
            report,
            proxy,
            server.api_url,
            region,
            home,
            worker_timeout,
            STACK,
            secret_value=lambda arn: str(secrets.get_secret_value(SecretId=arn)["SecretString"]),
        )
        aws.after_create = service
        aws.command_environment["PREFECT_HOME"] = str(home / "commands")
        # The commands poll every 5 s by default (an ECS task takes a minute to start);
        # the rehearsal's worker is up in seconds.
        aws.command_environment["PREFECT_ECS_POLL_SECONDS"] = "1"
        say("deploy (the worker starts with its service; the readiness gate waits for it)")
        service.deploy_started = time.time()
        with step(report, "deploy"):
            run = _deploy_stack(project_dir, config, server.api_url, aws, made)
        report_commands(report, aws, service)
        made.check_used(report, run.outputs)
        pool = str(run.outputs["workPoolName"])
        report.facts["resources created"] = len(aws.created)
        # Which kinds the emulator accepted (the options' resources among them).
        report.facts["resource types created"] = ", ".join(sorted({c.type for c in aws.created}))
        report.facts["work pool"] = pool
        report.facts["observer queue"] = run.outputs["observerQueueName"]
        if made.pool is not None:
            with step(report, "point-pool"):
                made.point_pool_at_stack(server.api_url, run.outputs)
            say(f"work pool '{pool}' pointed at the stack (as its owner would)")
        with step(report, "adapt-pool"):
            floats = adapt_pool_for_moto(server.api_url, pool)
        check(
            report,
            not floats,
            "the pool's template reached the server with integer numbers",
            ", ".join(floats),
        )
        flows = project_dir / "flows"
        with step(report, "deployment"):
            deployment = _deployment(report, aws, server.api_url, pool, flows)
        # The stack's worker container and environment, as the service started them.
        container, env = service.started()
        report.facts["worker command"] = " ".join(container["command"])
        if made.auth_string is not None:
            check_auth(report, server.api_url, made.auth_string, run, env)
        say("worker (stack template)")
        stage = Stage(
            report,
            aws,
            run,
            proxy,
            server.api_url,
            home,
            worker_timeout,
            kind=made.kind,
            credential=made.auth_string or PLACEHOLDER_SECRET,
            quick=quick,
        )
        stack_worker(stage, service, deployment)
        extra = None
        if quick:
            report.facts["quick"] = (
                "one flow run; no warm run, crash, failing gate or default template"
            )
        else:
            extra = _default_template(stage, aws, pool, flows, container, env, say)
            check_call_targets(report)
        if keep:
            report.facts["kept"] = "servers stay up until Ctrl-C (no destroy)"
        else:
            say("destroy")
            with step(report, "destroy"):
                destroy(report, aws, run, extra, made, server.api_url, say)
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
            if service is not None:
                service.stop()
            if proxy is not None:
                proxy.stop()
            if server is not None:
                use_auth(server.api_url, None)
                server.stop()
            if moto is not None:
                moto.stop()
            shutil.rmtree(home, ignore_errors=True)
    return report


def _default_template(
    stage: Stage,
    aws: MotoAws,
    pool: str,
    flows: Path,
    container: dict[str, Any],
    env: dict[str, str],
    say: Callable[[str], None],
) -> Any:
    """A second pool with prefect-aws's default template (the stack's gate must fail on
    it while no worker polls it), then the same worker on it; returns the pool."""
    report = stage.report
    default_pool = f"{pool}-default-template"
    with step(report, "default-pool"):
        template, changed = default_template(stage.run.outputs)
        # The stack pool's server and credential (a pool the stack does not manage:
        # the local server and the stack's auth string, if any).
        props = (
            aws.work_pools[0]
            if aws.work_pools
            else {
                "api_url": stage.api_url,
                "auth_string": stage.credential if stage.kind == "auth_string" else None,
            }
        )
        extra = create_pool(props, default_pool, template)
        default_deployment = deploy_flow(
            stage.api_url, default_pool, flows, name=f"{DEPLOYMENT_NAME}-default-template"
        )
    report.facts["default-template pool"] = f"{default_pool} (set: {', '.join(changed)})"
    if any(c.type == COMMAND and c.name.endswith("-worker-ready") for c in aws.created):
        with step(report, "readiness-gate-fails"):
            # No worker polls the new pool yet: the gate must fail, and say why.
            rehearse_failing_gate(report, aws, default_pool)
    say("worker (default template)")
    command = local_worker_command(container["command"], default_pool)
    default_worker(stage, command, env, default_deployment)
    return extra


def main(project_dir: Path, stack: str, keep: bool = False, quick: bool = False) -> int:
    """CLI body: print the report; on failure the step and exit status 1; on Ctrl-C or
    SIGTERM (everything started is stopped first) status 130."""
    try:
        with handling_interrupts():
            report = rehearse(
                project_dir,
                stack,
                keep=keep,
                quick=quick,
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
