"""The raw API key and auth string appear nowhere except inside a secret envelope."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefect_ecs_tooling.runner import StackRun, is_secret_envelope
from tests.support import CLOUD_URL, RAW_API_KEY, RAW_AUTH_STRING, run_component

pytestmark = pytest.mark.mocks


def plaintext_paths(value: Any, needle: str, path: str = "") -> list[str]:
    """Paths where ``needle`` occurs outside a secret envelope."""
    if is_secret_envelope(value):
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in plaintext_paths(v, needle, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in plaintext_paths(v, needle, f"{path}[{i}]")]
    if isinstance(value, str) and needle in value:
        return [path]
    return []


@pytest.mark.parametrize(
    ("args", "raw"),
    [
        ({"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY}, RAW_API_KEY),
        ({"prefect_api_url": "https://p.example.com/api", "prefect_auth_string": RAW_AUTH_STRING},
         RAW_AUTH_STRING),
    ],
)  # fmt: skip
def test_credential_only_inside_secret_envelopes(args: dict[str, Any], raw: str) -> None:
    run: StackRun = run_component(args)
    leaks = []
    for res in run.resources:
        leaks += [f"{res.name} inputs{p}" for p in plaintext_paths(res.inputs, raw)]
        leaks += [f"{res.name} outputs{p}" for p in plaintext_paths(res.outputs, raw)]
    leaks += [f"stack output {k}" for k, v in run.outputs.items() if raw in json.dumps(v)]
    assert leaks == []
    # ...and it is there, wrapped: in the secret version, in the work pool, whose
    # provider needs it to call the Prefect API, and in the environment of the two local
    # commands that call it (readiness gate, drain).
    holders = [r.name for r in run.resources if raw in json.dumps(r.inputs)]
    assert holders == ["w-api-credential", "w-work-pool", "w-worker-ready", "w-drain"]


def test_plain_string_credential_is_wrapped_as_secret() -> None:
    run = run_component({"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY})
    version = run.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert is_secret_envelope(version.inputs["secretString"])
