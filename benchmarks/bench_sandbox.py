"""Sandbox cost: the dev stack deployed into moto (MotoAws) vs the offline plan (FakeAws),
and the whole ``sandbox`` rehearsal by step.

Deploy figures are medians of REPEAT in-process runs against one moto server (reset
between runs; imports excluded). The rehearsal figures are medians per step of
REHEARSALS full rehearsals (each starts its own Prefect server and moto).
Run: .venv/bin/python benchmarks/bench_sandbox.py  (writes benchmarks/results/sandbox.md)
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prefect_ecs.fake_aws import FakeAws  # noqa: E402
from prefect_ecs.plan import placeholder_secrets  # noqa: E402
from prefect_ecs.runner import StackConfig, load_stack_config, run_program  # noqa: E402
from prefect_ecs.sandbox.emulator import MotoAws, start_moto  # noqa: E402
from prefect_ecs.sandbox.rehearsal import rehearse  # noqa: E402

REPEAT = 5
REHEARSALS = 3


def _deploy(aws: Any, config: StackConfig, secrets: dict, overrides: dict) -> float:
    t0 = time.perf_counter()
    run_program(
        ROOT / "__main__.py",
        config,
        aws.register,
        aws.invoke,
        config_overrides=overrides,
        secret_overrides=secrets,
    )
    return time.perf_counter() - t0


def main() -> None:
    config = load_stack_config(ROOT, "dev")
    secrets, _ = placeholder_secrets(config)
    # No work pool here: this measures AWS resources only (the pool needs a server).
    overrides = {f"{config.project}:createWorkPool": "false"}
    fake_times = [_deploy(FakeAws(), config, secrets, overrides) for _ in range(REPEAT)]
    moto = start_moto()
    moto_times = []
    try:
        for _ in range(REPEAT):
            moto.reset()
            moto_times.append(_deploy(MotoAws(moto.endpoint_url), config, secrets, overrides))
    finally:
        moto.stop()

    steps: dict[str, list[float]] = {}
    for _ in range(REHEARSALS):
        with contextlib.redirect_stdout(io.StringIO()):
            report = rehearse(ROOT, "dev")
        for name, seconds in report.timings.items():
            steps.setdefault(name, []).append(seconds)
        steps.setdefault("total", []).append(sum(report.timings.values()))

    fake, emu = statistics.median(fake_times), statistics.median(moto_times)
    lines = [
        "# Sandbox benchmark",
        "",
        f"Dev stack without the work pool (17 AWS resources), median of {REPEAT} in-process runs:",
        "",
        "| hook | deploy (s) | ratio |",
        "|---|---:|---:|",
        f"| FakeAws (offline plan) | {fake:.2f} | 1.0x |",
        f"| MotoAws (created in moto) | {emu:.2f} | {emu / fake:.1f}x |",
        "",
        f"moto server start: {moto.started_s:.2f} s.",
        "",
        f"`python -m prefect_ecs sandbox --stack dev`, median of {REHEARSALS} rehearsals:",
        "",
        "| step | median (s) | min (s) | max (s) |",
        "|---|---:|---:|---:|",
    ]
    for name, values in steps.items():
        lines.append(
            f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |"
        )
    text = "\n".join(lines) + "\n"
    out = ROOT / "benchmarks" / "results" / "sandbox.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
