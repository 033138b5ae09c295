"""What a consumer installs: the wheel's dependency closure, and `import prefect_ecs`.

Builds the wheel, installs it with its dependencies from the package index into a fresh
virtual environment (``--no-cache-dir``: a cold install), and measures the distributions
installed (pip and setuptools excluded), the size of site-packages, the install time, and
the median time of ``python -c "import prefect_ecs"`` (and of importing the component and
the work pool resource) over fresh processes. Writes ``benchmarks/results/install.md``.

    .venv/bin/python benchmarks/bench_install.py

Needs the package index (a few hundred MB are downloaded); takes one to two minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "install.md"
IMPORT_RUNS = 15
IMPORTS = {
    "import prefect_ecs": "import prefect_ecs",
    "+ PrefectEcsWorker, WorkPool": (
        "import prefect_ecs; from prefect_ecs import PrefectEcsWorker; "
        "from prefect_ecs.work_pool import WorkPool"
    ),
}


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def site_packages_mb(python: Path) -> float:
    """``du -sm`` of the venv's site-packages (disk blocks, as the before-figures were taken)."""
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    return float(run(["du", "-sm", site.stdout.strip()]).stdout.split()[0])


def import_ms(python: Path, code: str, cwd: Path) -> float:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd)}
    times = []
    for _ in range(IMPORT_RUNS):
        t0 = time.perf_counter()
        subprocess.run([str(python), "-c", code], check=True, env=env, cwd=cwd)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-install-"))
    try:
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
             "-w", str(work), str(ROOT)])  # fmt: skip
        (wheel,) = work.glob("prefect_ecs-*.whl")
        venv = work / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        python = venv / "bin" / "python"
        t0 = time.perf_counter()
        run([str(python), "-m", "pip", "install", "-q", "--no-cache-dir", str(wheel)])
        install_s = time.perf_counter() - t0
        listed = json.loads(run([str(python), "-m", "pip", "list", "--format=json"]).stdout)
        dists = sorted(d["name"] for d in listed if d["name"] not in ("pip", "setuptools"))
        size = site_packages_mb(python)
        has_prefect_aws = "prefect-aws" in {d.lower() for d in dists}
        rows = {label: import_ms(python, code, work) for label, code in IMPORTS.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        "# Install closure (`bench_install.py`)",
        "",
        f"Wheel {wheel.name} with its dependencies from the package index into a fresh venv "
        f"(Python {sys.version.split()[0]}), cold (`--no-cache-dir`).",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| distributions installed (pip, setuptools excluded) | {len(dists)} |",
        f"| site-packages, `du -sm` (MB; an empty venv has 26) | {size:.0f} |",
        f"| install time (s) | {install_s:.1f} |",
        f"| prefect-aws installed | {'yes' if has_prefect_aws else 'no'} |",
    ]
    lines += [
        f"| `{label}` median of {IMPORT_RUNS} (ms) | {ms:.0f} |" for label, ms in rows.items()
    ]
    lines += ["", "Distributions: " + ", ".join(dists), ""]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
