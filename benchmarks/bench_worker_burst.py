"""The worker's size under a burst of flow runs: memory (RSS) and CPU of the real ECS
worker process, measured in the rehearsal, to size the worker task (issue 12).

The sandbox's building blocks, as ``make sandbox`` uses them: a local Prefect server,
moto behind the counting proxy, the dev stack deployed into moto (its worker starts with
its ECS service: the stack's own command and container environment, the crash observer
polling the stack's queue), the deployment the stack's flow delivery made. Then, with one
long-lived worker process:

1. idle: IDLE_S seconds with nothing to do (after it is up and the observer polls);
2. burst: RUNS flow runs created as fast as the local server takes them (CONCURRENT
   requests at a time), until the server records an ECS task for every one
   (``infrastructure_pid``), then SETTLE_S;
3. spread: RUNS more, one every SPREAD_S / RUNS seconds (RUNS within a minute), until all
   are submitted, then SETTLE_S.

A sampler thread reads the worker's process tree from /proc every SAMPLE_S seconds: the
sum of VmRSS of every process in the tree, and their CPU time (utime + stime, children's
included), as % of one core over each window. moto records the tasks but runs no
container, so "submitted" (RunTask answered, the run's task recorded) is where the
worker's part of a flow run ends (prefect-aws 0.7's worker returns after RunTask; the
observer watches the task from then on).

The worker polls its pool every 10 s (Prefect's default, what the deployed worker uses;
``make sandbox`` polls every second to be quick).

Run: .venv/bin/python benchmarks/bench_worker_burst.py
(writes benchmarks/results/worker_burst.md; about three minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prefect_ecs.documents.fargate import VALID_FARGATE_MEMORY  # noqa: E402
from prefect_ecs_tooling.local_prefect import start_prefect_server  # noqa: E402
from prefect_ecs_tooling.sandbox import processes  # noqa: E402
from prefect_ecs_tooling.sandbox.counting import CountingProxy  # noqa: E402
from prefect_ecs_tooling.sandbox.emulator import MotoAws, start_moto  # noqa: E402
from prefect_ecs_tooling.sandbox.prefect_side import (  # noqa: E402
    adapt_pool_for_moto,
    api_settings,
    prefect_client,
)
from prefect_ecs_tooling.sandbox.rehearsal import _deploy_stack, _deployment  # noqa: E402
from prefect_ecs_tooling.sandbox.report import RehearsalReport  # noqa: E402
from prefect_ecs_tooling.sandbox.runs import STACK  # noqa: E402
from prefect_ecs_tooling.sandbox.service_worker import ServiceWorker  # noqa: E402
from prefect_ecs_tooling.sandbox.setups import Prerequisites, load_stack  # noqa: E402

RUNS = 50
IDLE_S = 20.0
SPREAD_S = 50.0
SETTLE_S = 10.0
SAMPLE_S = 0.5
#: Requests in flight while the burst's runs are created.
CONCURRENT = 4
#: The local server (SQLite) answers 503 when its database is busy: retried.
RETRIES = 10
#: Prefect's default poll interval (the deployed worker's); the rehearsal uses 1 s.
QUERY_SECONDS = "10"
SUBMIT_TIMEOUT_S = 240.0
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------ /proc sampling
def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks: utime + stime + cutime + cstime) of ``pid``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    return int(fields[1]), sum(int(f) for f in fields[11:15])


def _rss(pid: int) -> int:
    """Resident set size of ``pid`` in bytes (0 if gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants, from every process's parent in /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            parents.setdefault(st[0], []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


@dataclass
class Sample:
    t: float
    rss: int
    ticks: int
    processes: int


@dataclass
class Sampler:
    """Samples the tree of ``pid`` every ``every`` seconds in a thread."""

    pid: int
    every: float = SAMPLE_S
    samples: list[Sample] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _one(self) -> Sample:
        tree = process_tree(self.pid)
        ticks = sum(st[1] for p in tree if (st := _stat(p)) is not None)
        return Sample(time.monotonic(), sum(_rss(p) for p in tree), ticks, len(tree))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self._one())
            self._stop.wait(self.every)

    def start(self) -> Sampler:
        threading.Thread(target=self._loop, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()

    def window(self, start: str, end: str) -> dict[str, Any]:
        """Figures between marks ``start`` and ``end``."""
        t0, t1 = self.marks[start], self.marks[end]
        got = [s for s in self.samples if t0 <= s.t <= t1]
        cpu = [
            100.0 * (b.ticks - a.ticks) / TICKS / (b.t - a.t)
            for a, b in itertools.pairwise(got)
            if b.t > a.t
        ]
        seconds = (got[-1].ticks - got[0].ticks) / TICKS if len(got) > 1 else 0.0
        wall = got[-1].t - got[0].t if len(got) > 1 else 0.0
        # CPU over 5 s windows: what a CFS quota of a fraction of a core would throttle.
        five = []
        for a in got:
            b = next((s for s in got if s.t >= a.t + 5.0), None)
            if b is not None:
                five.append(100.0 * (b.ticks - a.ticks) / TICKS / (b.t - a.t))
        return {
            "seconds": t1 - t0,
            "rss_first": got[0].rss if got else 0,
            "rss_median": statistics.median(s.rss for s in got) if got else 0,
            "rss_peak": max((s.rss for s in got), default=0),
            "cpu_mean": 100.0 * seconds / wall if wall else 0.0,
            "cpu_peak": max(cpu, default=0.0),
            "cpu_peak_5s": max(five, default=0.0),
            "cpu_seconds": seconds,
            "processes": max((s.processes for s in got), default=0),
            "samples": len(got),
        }


# ------------------------------------------------------------------ flow runs
def create_runs(api_url: str, deployment: str, count: int, over: float) -> list[str]:
    """``count`` flow runs of ``deployment``: evenly over ``over`` seconds, or (``over``
    0) at once, CONCURRENT requests at a time."""
    from uuid import UUID

    if not over:
        return asyncio.run(_create_at_once(api_url, UUID(deployment), count))
    ids = []
    start = time.monotonic()
    with prefect_client(api_url) as client:
        for i in range(count):
            time.sleep(max(0.0, start + i * over / count - time.monotonic()))
            ids.append(str(client.create_flow_run_from_deployment(UUID(deployment)).id))
    return ids


async def _create_at_once(api_url: str, deployment: Any, count: int) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    gate = asyncio.Semaphore(CONCURRENT)
    with api_settings(api_url):
        async with get_client() as client:

            async def one() -> str:
                async with gate:
                    for attempt in range(RETRIES):
                        try:
                            run = await client.create_flow_run_from_deployment(deployment)
                            return str(run.id)
                        except PrefectHTTPStatusError as exc:  # SQLite busy: 503
                            if exc.response.status_code != 503 or attempt == RETRIES - 1:
                                raise
                            await asyncio.sleep(0.5)
                    raise AssertionError("unreachable")

            return list(await asyncio.gather(*(one() for _ in range(count))))


def submitted(api_url: str, ids: list[str]) -> tuple[int, dict[str, int]]:
    """How many of ``ids`` the server records an ECS task for, and the states of those
    that ended without one (a submission the worker gave up on)."""
    from uuid import UUID

    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with prefect_client(api_url) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(i) for i in ids])),
            limit=len(ids),
        )
    done = sum(1 for r in runs if r.infrastructure_pid and "::arn:aws:ecs:" in r.infrastructure_pid)
    ended: dict[str, int] = {}
    for r in runs:
        if not r.infrastructure_pid and r.state is not None and r.state.is_final():
            ended[r.state.name] = ended.get(r.state.name, 0) + 1
    return done, ended


def wait_submitted(
    api_url: str, ids: list[str], worker: processes.Worker
) -> tuple[float, dict[str, int]]:
    """Wait until every run in ``ids`` is submitted (or ended without a task); the
    seconds it took, and the ended runs' states."""
    t0 = time.monotonic()
    while True:
        done, ended = submitted(api_url, ids)
        if done + sum(ended.values()) >= len(ids):
            return time.monotonic() - t0, ended
        if worker.proc is not None and worker.proc.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{worker.tail()}")
        if time.monotonic() - t0 > SUBMIT_TIMEOUT_S:
            raise RuntimeError(
                f"{done}/{len(ids)} submitted after {SUBMIT_TIMEOUT_S:g} s, ended {ended}; "
                f"worker log tail:\n{worker.tail(6000)}"
            )
        time.sleep(1.0)


# ------------------------------------------------------------------ the run
def measure(stack: str, runs: int) -> dict[str, Any]:
    processes.QUERY_SECONDS = QUERY_SECONDS
    config, _ = load_stack(ROOT, stack)
    region = config.values.get("aws:region", "us-east-1")
    made = Prerequisites(config)
    report = RehearsalReport(stack=config.stack)
    home = Path(tempfile.mkdtemp(prefix="prefect-ecs-burst-"))
    server = moto = proxy = service = None
    out: dict[str, Any] = {}
    try:
        server = start_prefect_server(auth_string=made.auth_string)
        moto = start_moto()
        moto.reset()
        proxy = CountingProxy(moto.endpoint_url).start()
        aws = MotoAws(moto.endpoint_url, region)
        if made.any:
            made.create(aws, server.api_url)
        secrets = aws.client("secretsmanager")
        service = ServiceWorker(
            report,
            proxy,
            server.api_url,
            region,
            home,
            120.0,
            STACK,
            secret_value=lambda arn: str(secrets.get_secret_value(SecretId=arn)["SecretString"]),
        )
        aws.after_create = service
        aws.command_environment["PREFECT_HOME"] = str(home / "commands")
        aws.command_environment["PREFECT_ECS_POLL_SECONDS"] = "1"
        print("deploy (the worker starts with its service)", file=sys.stderr)
        run = _deploy_stack(ROOT, config, server.api_url, aws, made)
        pool = str(run.outputs["workPoolName"])
        adapt_pool_for_moto(server.api_url, pool)
        deployment = _deployment(report, aws, server.api_url, pool, ROOT / "flows")
        worker, phases = service.worker, service.phases
        assert worker is not None and worker.pid is not None and phases is not None
        phases.start("up")  # health endpoint up, the observer polling the stack's queue
        sampler = Sampler(worker.pid).start()
        print(f"worker up (pid {worker.pid}); idle {IDLE_S:g} s", file=sys.stderr)
        sampler.mark("idle")
        time.sleep(IDLE_S)
        sampler.mark("burst")
        print(f"burst: {runs} flow runs at once", file=sys.stderr)
        t0 = time.monotonic()
        ids = create_runs(server.api_url, deployment, runs, 0)
        out["burst created in"] = time.monotonic() - t0
        out["burst submitted in"], out["burst ended"] = wait_submitted(server.api_url, ids, worker)
        time.sleep(SETTLE_S)
        sampler.mark("spread")
        print(f"spread: {runs} flow runs over {SPREAD_S:g} s", file=sys.stderr)
        t0 = time.monotonic()
        spread_ids = create_runs(server.api_url, deployment, runs, SPREAD_S)
        out["spread created in"] = time.monotonic() - t0
        (
            out["spread submitted after the last was created"],
            out["spread ended"],
        ) = wait_submitted(server.api_url, spread_ids, worker)
        time.sleep(SETTLE_S)
        sampler.mark("end")
        sampler.stop()
        time.sleep(SAMPLE_S * 2)
        out["idle"] = sampler.window("idle", "burst")
        out["burst"] = sampler.window("burst", "spread")
        out["spread"] = sampler.window("spread", "end")
        out["whole"] = sampler.window("idle", "end")
        out["run_task_calls"] = sum(1 for c in proxy.calls if c.name == "ecs:RunTask")
        out["worker_errors"] = worker.tail(100_000).count("Traceback")
    finally:
        if service is not None:
            service.stop()
        if proxy is not None:
            proxy.stop()
        if server is not None:
            server.stop()
        if moto is not None:
            moto.stop()
        shutil.rmtree(home, ignore_errors=True)
    return out


def smallest_size(peak_rss: int, headroom: float = 2.0) -> tuple[int, int]:
    """The smallest Fargate (cpu, memory MiB) with ``headroom`` x ``peak_rss`` memory."""
    need = peak_rss * headroom / 2**20
    return min(
        ((cpu, mem) for cpu, mems in VALID_FARGATE_MEMORY.items() for mem in mems if mem >= need),
        key=lambda size: (size[1], size[0]),
    )


def versions() -> str:
    from importlib.metadata import version

    names = ("prefect", "prefect-aws", "boto3", "moto")
    return ", ".join(f"{n} {version(n)}" for n in names)


def render(out: dict[str, Any], runs: int) -> str:
    mib = 2**20
    cpu_s, mem = smallest_size(max(out[k]["rss_peak"] for k in ("burst", "spread")))
    lines = [
        "# Worker under a burst of flow runs",
        "",
        f"Machine: {os.cpu_count()} cores ({platform.machine()}), Python "
        f"{platform.python_version()}; {versions()}. One long-lived `prefect worker start` "
        "(the dev stack's command and container environment, crash observer on, polling "
        f"every {QUERY_SECONDS} s) against a local Prefect server and moto; sampled every "
        f"{SAMPLE_S} s from /proc (the worker's whole process tree).",
        "",
        "| phase | seconds | RSS first (MiB) | RSS median (MiB) | RSS peak (MiB) | "
        "CPU mean (% of a core) | CPU peak, 0.5 s (%) | CPU peak, 5 s (%) | CPU time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "idle": f"idle ({IDLE_S:g} s, after start)",
        "burst": f"burst: {runs} runs at once, until submitted + {SETTLE_S:g} s",
        "spread": f"spread: {runs} runs over {SPREAD_S:g} s, until submitted + {SETTLE_S:g} s",
        "whole": "whole measurement",
    }
    for key, label in names.items():
        w = out[key]
        lines.append(
            f"| {label} | {w['seconds']:.1f} | {w['rss_first'] / mib:.0f} | "
            f"{w['rss_median'] / mib:.0f} | {w['rss_peak'] / mib:.0f} | {w['cpu_mean']:.0f} | "
            f"{w['cpu_peak']:.0f} | {w['cpu_peak_5s']:.0f} | {w['cpu_seconds']:.1f} |"
        )
    lines += [
        "",
        f"Burst: {runs} runs created in {out['burst created in']:.1f} s, all submitted "
        f"{out['burst submitted in']:.1f} s later. Spread: created over "
        f"{out['spread created in']:.1f} s, all submitted {out['spread submitted after the last was created']:.1f} s "
        f"after the last. Ended without a task: burst {out['burst ended'] or 'none'}, spread "
        f"{out['spread ended'] or 'none'}. ecs:RunTask calls: {out['run_task_calls']}; tracebacks in the "
        f"worker log: {out['worker_errors']}; processes in the tree: {out['whole']['processes']}.",
        "",
        f"Smallest Fargate size with 2x the peak RSS: {cpu_s} CPU units / {mem} MiB.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    out = measure(args.stack, args.runs)
    text = render(out, args.runs)
    path = ROOT / "benchmarks" / "results" / "worker_burst.md"
    path.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
