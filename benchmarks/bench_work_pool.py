"""Benchmark the WorkPool provider against a real local Prefect server.

Counts the HTTP requests each provider operation sends (``count_requests`` hooks the
client layer's transport, so retries and CSRF fetches would show) and times each
operation (median of N) next to one raw ``httpx`` GET of the same pool.

    .venv/bin/python benchmarks/bench_work_pool.py [--runs N]

Writes ``benchmarks/results/work_pool.md`` and prints it.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import prefect  # noqa: E402

from prefect_ecs.work_pool import WorkPoolProvider  # noqa: E402
from prefect_ecs.work_pool.transport import count_requests  # noqa: E402
from prefect_ecs_tooling.local_prefect import start_prefect_server  # noqa: E402
from tests.fixtures.work_pool import SAMPLE_TEMPLATE as TEMPLATE  # noqa: E402


def timed(fn: Callable[[], Any]) -> tuple[float, list[str], Any]:
    with count_requests() as seen:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return elapsed * 1000, list(seen), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/work_pool.md")
    args = parser.parse_args()

    t0 = time.perf_counter()
    server = start_prefect_server()
    startup_s = time.perf_counter() - t0
    rows: dict[str, dict[str, Any]] = {}
    anomalies: list[str] = []

    def record(op: str, ms: float, seen: list[str]) -> None:
        row = rows.setdefault(op, {"ms": [], "requests": [], "calls": None})
        row["ms"].append(ms)
        row["requests"].append(len(seen))
        if row["calls"] is None or len(seen) < len(row["calls"]):
            row["calls"] = seen
        if len(seen) > min(row["requests"]):
            anomalies.append(f"{op}: {seen}")

    try:
        p = WorkPoolProvider()
        raw = httpx.Client(base_url=server.api_url, trust_env=False)
        for i in range(args.runs):
            name = f"bench-{i}"
            news = p.check(
                {}, {"api_url": server.api_url, "name": name, "base_job_template": TEMPLATE}
            ).inputs
            ms, seen, res = timed(lambda n=news: p.check({}, n))
            record("check", ms, seen)
            body = {"name": f"raw-{i}", "type": "ecs", "base_job_template": TEMPLATE}
            ms, _, r = timed(lambda b=body: raw.post("/work_pools/", json=b))
            assert r.status_code == 201, r.text
            record("raw httpx POST /work_pools/ (same template, reference)", ms, ["POST"])
            raw.delete(f"/work_pools/raw-{i}")
            ms, seen, res = timed(lambda n=news: p.create(n))
            record("create", ms, seen)
            outs = res.outs
            ms, seen, _ = timed(lambda n=name, o=outs: raw.get(f"/work_pools/{n}"))
            record("raw httpx GET /work_pools/{name} (reference)", ms, seen or ["GET"])
            ms, seen, _ = timed(lambda n=name, o=outs: p.read(n, o))
            record("read (refresh)", ms, seen)
            news2 = {**news, "paused": True, "concurrency_limit": 4}
            ms, seen, _ = timed(lambda n=name, o=outs, nn=news2: p.diff(n, o, nn))
            record("diff", ms, seen)
            ms, seen, upd = timed(lambda n=name, o=outs, nn=news2: p.update(n, o, nn))
            record("update (pause + limit)", ms, seen)
            outs2 = upd.outs
            news3 = {**news2, "queues": [{"name": "high", "priority": 1}, {"name": "low"}]}
            ms, seen, upd3 = timed(lambda n=name, o=outs2, nn=news3: p.update(n, o, nn))
            record("update (+2 queues)", ms, seen)
            ms, seen, _ = timed(lambda n=name, o=upd3.outs: p.delete(n, o))
            record("delete", ms, seen)
            ms, seen, _ = timed(lambda n=name, o=upd3.outs: p.delete(n, o))
            record("delete (already gone)", ms, seen)
        raw.close()
    finally:
        server.stop()

    lines = [
        "# WorkPool provider: requests and latency per operation",
        "",
        f"Real local Prefect server (`prefect server start`, SQLite, started in "
        f"{startup_s:.1f} s); median of {args.runs} runs per row. "
        f"prefect {prefect.__version__}, pulumi {version('pulumi')}, "
        f"Python {platform.python_version()}. Requests counted at the client layer's "
        "transport (every attempt, retries and CSRF fetches included).",
        "",
        "| operation | HTTP requests | median ms | min ms | max ms | calls |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for op, row in rows.items():
        ms = row["ms"]
        counts = sorted(set(row["requests"]))
        reqs = "/".join(str(n) for n in counts)
        calls = ", ".join(f"`{c.split('?')[0]}`" for c in row["calls"]) or "none"
        if op.startswith("raw httpx GET"):
            reqs, calls = "1", "`GET /api/work_pools/{name}`"
        elif op.startswith("raw httpx POST"):
            reqs, calls = "1", "`POST /api/work_pools/`"
        lines.append(
            f"| {op} | {reqs} | {statistics.median(ms):.2f} | {min(ms):.2f} | "
            f"{max(ms):.2f} | {calls} |"
        )
    if anomalies:
        lines += ["", "Runs with more requests than the minimum (transient retries):", ""]
        lines += [f"- {a}" for a in anomalies]
    lines += [
        "",
        "check and diff make no request. Each provider operation builds a fresh "
        "`SyncPrefectClient` (needed so the provider pickles) and opens a new TCP "
        "connection; the raw GET reuses one keep-alive client. The pinned Prefect "
        "settings and the TLS context are cached per process (building them cost about "
        "65 ms per operation before caching).",
        "",
    ]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
