"""``python -m prefect_ecs_tooling policy`` over several stacks: every stack is checked,
each invalid one named by its file, and the exit code comes at the end."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from prefect_ecs_tooling.cli import main
from prefect_ecs_tooling.policy_runner import enforce_stacks
from tests.support import ROOT

pytestmark = pytest.mark.mocks


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project with its dev stack, plus stacks that fail in different ways; the bad
    ones sort before and after dev."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "policy_pack", tmp_path / "policy_pack", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "Pulumi.broken.yaml").write_text("config: [a\n")
    (tmp_path / "Pulumi.cfg.yaml").write_text("config:\n  prefect-ecs:workerCpu: 3\n")
    (tmp_path / "Pulumi.list.yaml").write_text("- a\n")
    return tmp_path


def test_every_stack_is_checked_and_each_invalid_one_named(project: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert enforce_stacks(project, stream=out, errors=err) == 2
    assert "== stack 'dev': PASS" in out.getvalue()  # checked after the broken ones
    lines = err.getvalue().splitlines()
    assert f"error: {project / 'Pulumi.broken.yaml'}:2:1: expected ',' or ']'" in lines[0]
    assert lines[1] == f"error: {project / 'Pulumi.cfg.yaml'}: invalid prefect-ecs configuration:"
    assert any("prefect-ecs:prefectApiUrl: is required" in line for line in lines)
    assert any(f"{project / 'Pulumi.list.yaml'}:1:1: the top level must be" in x for x in lines)
    assert lines[-1] == (
        "error: 3 of 4 stacks invalid: Pulumi.broken.yaml, Pulumi.cfg.yaml, Pulumi.list.yaml"
    )


def test_the_cli_exits_2_at_the_end_without_a_traceback(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "policy_pack" / "config" / "cfg.json").write_text("{not json")
    code = main(["policy", "--project-dir", str(project), "--stack", "cfg", "--stack", "dev",
                 "--stack", "gone"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    assert (
        f"{project / 'policy_pack' / 'config' / 'cfg.json'}: Expecting property name"
        in captured.err
    )
    assert "no stack file Pulumi.gone.yaml" in captured.err
    assert "== stack 'dev': PASS" in captured.out
