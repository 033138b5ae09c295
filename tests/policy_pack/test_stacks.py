"""The project's own stacks pass every mandatory policy of its pack (what `make policy` runs)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prefect_ecs_tooling.policy_runner import enforce_stacks, stack_policy_config, stacks
from tests.support import ROOT

pytestmark = pytest.mark.mocks


def test_every_stack_passes_the_pack() -> None:
    out = io.StringIO()
    assert stacks(ROOT) == ["dev"]
    code = enforce_stacks(ROOT, stream=out)
    assert code == 0, out.getvalue()
    assert "== stack 'dev': PASS" in out.getvalue()
    assert "0 mandatory" in out.getvalue()


def test_every_example_stack_passes_the_pack_with_its_policy_config(tmp_path: Path) -> None:
    """The README's examples (examples/stacks/) are meant to be copied to the root as
    they are: each must pass the pack, with its shipped policy config's exceptions."""
    examples = sorted((ROOT / "examples" / "stacks").glob("Pulumi.*.yaml"))
    assert examples, "no example stacks"
    for item in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / item).write_text((ROOT / item).read_text())
    for linked in ("policy_pack", "flows"):
        (tmp_path / linked).symlink_to(ROOT / linked)
    for example in examples:
        shutil.copy(example, tmp_path / example.name)
    names = [e.name.removeprefix("Pulumi.").removesuffix(".yaml") for e in examples]
    out = io.StringIO()
    assert enforce_stacks(tmp_path, names, stream=out) == 0, out.getvalue()
    for name in names:
        assert f"== stack '{name}': PASS" in out.getvalue()


def test_dev_policy_config_requires_tags_the_stack_sets() -> None:
    assert stack_policy_config(ROOT, "dev")["required-tags"] == {"requiredTags": ["team", "env"]}


def test_stack_with_public_ip_fails_without_its_policy_exception(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same dev stack without its policy config is flagged: the pack really runs."""
    for item in ("Pulumi.yaml", "__main__.py", "Pulumi.dev.yaml"):
        (tmp_path / item).write_text((ROOT / item).read_text())
    (tmp_path / "policy_pack").symlink_to(ROOT / "policy_pack")
    # A second stack with no config file of its own.
    (tmp_path / "Pulumi.noexc.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text())
    out = io.StringIO()
    assert enforce_stacks(tmp_path, ["noexc"], stream=out) == 1
    assert "[mandatory] ecs-service-no-public-ip" in out.getvalue()


def test_a_project_without_the_pack_exits_2_with_a_message(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    done = subprocess.run(
        [sys.executable, "-m", "prefect_ecs_tooling", "policy", "--project-dir", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "has no policy pack" in done.stderr and "Traceback" not in done.stderr
