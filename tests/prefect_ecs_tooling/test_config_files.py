"""A malformed Pulumi.yaml or Pulumi.<stack>.yaml: plan, policy and sandbox exit 2 with
one line, ``error: <file>:<line>:<column>: <problem>``, and no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prefect_ecs_tooling.cli import main
from prefect_ecs_tooling.config_files import StackConfigError, load_stack_config
from tests.support import ROOT

pytestmark = pytest.mark.mocks

#: ``prefectApiUrl: [unclosed`` on line 3: the flow sequence never closes.
BROKEN_STACK = """\
config:
  aws:region: us-east-1
  prefect-ecs:prefectApiUrl: https://x/api: oops
  prefect-ecs:workPoolName: pool
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project (program, project file, stacks, policy pack) to break."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "policy_pack", tmp_path / "policy_pack", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [["plan", "--stack", "dev"], ["policy"], ["sandbox", "--stack", "dev"]],
    ids=["plan", "policy", "sandbox"],
)
def test_yaml_syntax_error_exits_two_naming_file_line_column(
    project: Path, command: list[str]
) -> None:
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(BROKEN_STACK)
    proc = subprocess.run(
        [sys.executable, "-m", "prefect_ecs_tooling", *command, "--project-dir", str(project)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: {stack_file}:3:43: mapping values are not allowed here"
    ], proc.stderr
    assert proc.stdout == ""


def run_cli(capsys: pytest.CaptureFixture[str], project: Path, *args: str) -> tuple[int, str]:
    code = main([*args, "--project-dir", str(project)])
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("- a\n- b\n", "1:1", "the top level must be a mapping (key: value), not a list"),
        ("just text\n", "1:1", "the top level must be a mapping (key: value), not a string"),
        (
            "# comment\nconfig: prefect-ecs:workPoolName\n",
            "2:9",
            "'config' must be a mapping (key: value), not a string",
        ),
        (
            "config:\n  - aws:region: us-east-1\n",
            "2:3",
            "'config' must be a mapping (key: value), not a list",
        ),
        (
            "config:\n\taws:region: us-east-1\n",
            "2:1",
            "found character '\\t' that cannot start any token",
        ),
        ("config: {aws:region: us-east-1\n", "2:1", "expected ',' or '}', but got '<stream end>'"),
    ],
    ids=["list", "scalar", "config-string", "config-list", "tab", "unclosed"],
)
def test_malformed_stack_file(
    capsys: pytest.CaptureFixture[str], project: Path, text: str, where: str, problem: str
) -> None:
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(text)
    code, err = run_cli(capsys, project, "plan", "--stack", "dev")
    assert code == 2
    assert err == f"error: {stack_file}:{where}: {problem}\n"


def test_malformed_project_file(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    project_file = project / "Pulumi.yaml"
    lines = project_file.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("name:"))
    lines[at] = "name: prefect-ecs: oops"
    project_file.write_text("\n".join(lines) + "\n")
    code, err = run_cli(capsys, project, "plan", "--stack", "dev")
    assert (code, err) == (
        2,
        f"error: {project_file}:{at + 1}:18: mapping values are not allowed here\n",
    )

    project_file.write_text("name: prefect-ecs\nconfig: [a, b]\n")
    code, err = run_cli(capsys, project, "policy")
    assert (code, err) == (
        2,
        f"error: {project_file}:2:9: 'config' must be a mapping (key: value), not a list\n",
    )


def test_good_files_and_empty_config_still_load(project: Path) -> None:
    config = load_stack_config(project, "dev")
    assert config.values["aws:region"] == "us-east-1"
    (project / "Pulumi.empty.yaml").write_text("# nothing set yet\n")
    assert load_stack_config(project, "empty").stack == "empty"
    (project / "Pulumi.none.yaml").write_text("config:\n")
    assert load_stack_config(project, "none").project == config.project
    (project / "Pulumi.bin.yaml").write_bytes(b"config:\n  a: \xff\xfe\n")
    with pytest.raises(StackConfigError, match=r"Pulumi\.bin\.yaml: not UTF-8 text"):
        load_stack_config(project, "bin")
