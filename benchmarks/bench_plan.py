"""Offline plan cost: the dev stack, and one stack with 1, 10 and 50 workers, vs the floor.

Each figure is the median wall time of REPEAT fresh processes (imports included), plus
the in-process plan time alone. The floor is a process that only imports pulumi and the
pulumi_aws modules the component uses. Run: .venv/bin/python benchmarks/bench_plan.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 5

FLOOR = """
import time; t0 = time.perf_counter()
import pulumi, pulumi_aws as aws
# Attribute access loads each lazily imported pulumi_aws submodule.
aws.ecs.Cluster, aws.iam.Role, aws.ec2.SecurityGroup, aws.cloudwatch.LogGroup
aws.secretsmanager.Secret, aws.ec2.get_vpc_output, aws.get_caller_identity_output
print(time.perf_counter() - t0, 0.0, 0)
"""

WORKERS = """
import time; t0 = time.perf_counter()
import pulumi
from prefect_ecs import PrefectEcsWorker
from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.runner import StackConfig, run_program
n = {n}
def program():
    for i in range(n):
        PrefectEcsWorker(f"w{{i}}", {{"prefect_api_url": "https://p.example.com/api",
                                     "prefect_auth_string": "u:p", "work_pool_name": f"pool-{{i}}"}})
cfg = StackConfig("bench", "bench", {{}}, [], [], {{}})
fake = FakeAws()
t1 = time.perf_counter()
run = run_program(program, cfg, fake.register, fake.invoke)
t2 = time.perf_counter()
print(t2 - t0, t2 - t1, len(run.resources))
"""

DEV = """
import time; t0 = time.perf_counter()
from pathlib import Path
from prefect_ecs_tooling.plan import make_plan, render_plan
t1 = time.perf_counter()
plan = make_plan(Path("."), "dev"); render_plan(plan)
t2 = time.perf_counter()
print(t2 - t0, t2 - t1, len(plan.run.resources))
"""


def measure(code: str) -> tuple[float, float, int]:
    totals, plans, count = [], [], 0
    for _ in range(REPEAT):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        wall = time.perf_counter() - start
        totals.append(wall)
        plans.append(float(out[1]))
        count = int(out[2])
    return statistics.median(totals), statistics.median(plans), count


def main() -> None:
    floor_total, _, _ = measure(FLOOR)
    rows = [("floor: import pulumi + pulumi_aws modules", floor_total, 0.0, 0)]
    rows.append(("dev stack (make plan, rendered)", *measure(DEV)))
    for n in (1, 10, 50):
        rows.append((f"{n} worker(s) in one stack", *measure(WORKERS.format(n=n))))
    lines = [
        "| case | resources | process wall (s) | plan only (s) | ratio to floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, total, plan_only, count in rows:
        lines.append(
            f"| {name} | {count} | {total:.2f} | {plan_only:.2f} | {total / floor_total:.1f}x |"
        )
    per = [(n, r[2]) for n, r in zip((1, 10, 50), rows[2:], strict=True)]
    slope = (per[2][1] - per[0][1]) / 49
    lines.append("")
    lines.append(
        f"Marginal cost per worker (1 -> 50): {slope * 1000:.1f} ms "
        f"(plan-only 1/10/50: {', '.join(f'{p:.2f}' for _, p in per)} s)."
    )
    text = "\n".join(lines)
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "plan.md").write_text(text + "\n")
    print(text)
    print(json.dumps({"repeat": REPEAT}))


if __name__ == "__main__":
    main()
