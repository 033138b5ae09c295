"""The wheel, as another team gets it: built, installed into a fresh virtual environment,
and used by a consumer's own Pulumi project from outside this repository.

The fresh environment gets only the wheel (``--no-deps``); its dependencies (pulumi,
pulumi-aws, prefect, ...) come from this repository's venv through a ``.pth`` line, so
the test needs no download and takes seconds. That a plain ``pip install`` resolves the
same dependencies is checked from the wheel's metadata, and every module the wheel
imports must be declared there. The full install from PyPI is measured in
``benchmarks/bench_install.py``.
"""

from __future__ import annotations

import ast
import email
import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Path(__file__).resolve().parent / "consumer_project"

pytestmark = pytest.mark.wheel


def _run(cmd: list[str], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONNOUSERSITE": "1"}
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False, **kw
    )  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("prefect_ecs-*.whl")
    return built


@pytest.fixture(scope="module")
def consumer(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the consumer project, outside the repository, with its own venv."""
    home = tmp_path_factory.mktemp("consumer")
    project = home / "project"
    shutil.copytree(PROJECT, project)
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                project).stdout.strip()  # fmt: skip
    # The dependencies, from this repository's venv (appended: the wheel's copy of
    # prefect_ecs comes first, and .pth files there are not processed, so the repo's
    # editable install stays out).
    (Path(site) / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    yield project


def test_the_wheel_ships_the_library_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packages = {n.split("/")[0] for n in names if not n.startswith("prefect_ecs-")}
    assert packages == {"prefect_ecs"}
    assert "prefect_ecs/py.typed" in names
    assert {"prefect_ecs/worker_args.py", "prefect_ecs/worker/component.py",
            "prefect_ecs/work_pool/provider.py",
            "prefect_ecs/documents/prefect_aws_ecs_template.json"} <= set(names)  # fmt: skip


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        message = email.message_from_string(zf.read(meta).decode())
    return [Requirement(r) for r in message.get_all("Requires-Dist") or []]


def test_every_import_of_the_wheel_is_a_declared_dependency(wheel: Path) -> None:
    declared = {r.name.lower().replace("_", "-") for r in _requirements(wheel) if not r.marker}
    providers = metadata.packages_distributions()
    imported: set[str] = set()
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.endswith(".py"):
                for node in ast.walk(ast.parse(zf.read(name))):
                    if isinstance(node, ast.Import):
                        imported |= {a.name.split(".")[0] for a in node.names}
                    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        imported.add(node.module.split(".")[0])
    third_party = {m for m in imported - set(sys.stdlib_module_names) if m != "prefect_ecs"}
    dists = {m: {d.lower().replace("_", "-") for d in providers.get(m, [])} for m in third_party}
    assert all(dists.values()), {m: d for m, d in dists.items() if not d}
    undeclared = {m: d for m, d in dists.items() if not d & declared}
    assert undeclared == {}
    # The tooling's dependencies stay out (boto3 and pyyaml are runtime dependencies since
    # prefect_ecs.ops reads AWS and prefect.yaml).
    assert not {"moto", "pulumi-policy", "prefect-aws"} & declared


def test_the_dependencies_resolve_to_what_was_tested(wheel: Path) -> None:
    for req in _requirements(wheel):
        if req.marker is None:
            installed = metadata.version(req.name)
            assert req.specifier.contains(installed, prereleases=True), (req, installed)


def test_the_library_runs_from_the_wheel_not_the_repository(consumer: Path) -> None:
    python = str(consumer / "venv" / "bin" / "python")
    code = (
        "import json, importlib.util, prefect_ecs, prefect_ecs.work_pool.provider as p; "
        "print(json.dumps([prefect_ecs.__file__, p.__file__, "
        "importlib.util.find_spec('prefect_ecs_tooling') is not None]))"
    )
    done = _run([python, "-c", code], consumer)
    assert done.returncode == 0, done.stderr
    package, provider, tooling = json.loads(done.stdout)
    assert package.startswith(str(consumer / "venv")), package
    assert provider.startswith(str(consumer / "venv")), provider
    assert tooling is False


def test_the_consumers_own_tests_pass_under_pulumi_mocks(consumer: Path) -> None:
    python = str(consumer / "venv" / "bin" / "python")
    done = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "check_infra.py"],
                consumer)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


def test_mypy_checks_the_consumers_arguments_through_py_typed(consumer: Path) -> None:
    python = str(consumer / "venv" / "bin" / "python")
    done = _run(
        [python, "-m", "mypy", "--cache-dir", str(consumer / ".mypy_cache"),
         "infra.py", "check_infra.py", "typo.py"],
        consumer,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, done.stdout + done.stderr
    assert errors[0].startswith("typo.py:")
    assert errors[0].endswith(
        'error: Extra key "worker_memroy" for TypedDict "PrefectEcsWorkerArgs"  '
        "[typeddict-unknown-key]"
    )
