"""With the real Pulumi CLI and AWS credentials: preview the dev stack with the policy pack.

Skipped (with the reason) on machines without them, such as this project's CI; the
in-process plan and `make policy` cover the same program offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.emulator

PULUMI = shutil.which("pulumi")
HAS_AWS = bool(os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"))


@pytest.mark.skipif(PULUMI is None, reason="the Pulumi CLI is not installed on this machine")
@pytest.mark.skipif(not HAS_AWS, reason="no AWS credentials (AWS_ACCESS_KEY_ID/AWS_PROFILE)")
def test_pulumi_preview_with_policy_pack(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A copy of the project, so that `pulumi config set` never touches the repo's files.
    project = tmp_path / "project"
    project.mkdir()
    for item in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / item, project / item)
    for link in ("prefect_ecs", "policy_pack", ".venv"):
        (project / link).symlink_to(ROOT / link)
    (tmp_path / "state").mkdir()
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "ci-preview-only",
    }
    subprocess.run([PULUMI, "stack", "select", "--create", "dev"], cwd=project, env=env, check=True)
    subprocess.run(
        [PULUMI, "config", "set", "--secret", "prefectApiKey", "pnu_preview_only"],
        cwd=project, env=env, check=True,
    )  # fmt: skip
    proc = subprocess.run(
        [PULUMI, "preview", "--stack", "dev", "--policy-pack", "policy_pack",
         "--policy-pack-config", "policy_pack/config/dev.json", "--non-interactive"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
