"""Shared fixtures: the in-process stack runner with the offline fake AWS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prefect_ecs_tooling.fake_aws import FakeAws
from prefect_ecs_tooling.runner import StackConfig, StackRun, run_program

pytest_plugins = ["tests.plugins.prefect_server", "tests.plugins.moto_server"]

ROOT = Path(__file__).resolve().parent.parent
CLOUD_URL = "https://api.prefect.cloud/api/accounts/a1/workspaces/w1"
RAW_API_KEY = "pnu_RAWKEY_must_never_leak_0123456789"
RAW_AUTH_STRING = "admin:RAW_AUTH_must_never_leak"


def run_component(
    args: dict[str, Any],
    name: str = "w",
    fake: FakeAws | None = None,
    opts_factory: Callable[[], Any] | None = None,
) -> StackRun:
    """Construct one PrefectEcsWorker with ``args`` under mocks; return what it registered."""
    from prefect_ecs import PrefectEcsWorker

    fake = fake or FakeAws()
    holder: dict[str, Any] = {}

    def program() -> None:
        holder["worker"] = PrefectEcsWorker(name, args)  # type: ignore[arg-type]
        import pulumi

        for key, value in holder["worker"].outputs().items():
            pulumi.export(key, value)

    config = StackConfig(
        project="test", stack="unit", values={}, secret_keys=[], encrypted_keys=[], schema={}
    )
    return run_program(program, config, fake.register, fake.invoke)


@pytest.fixture
def component() -> Callable[..., StackRun]:
    """``component(args, name=...)`` runs a PrefectEcsWorker under mocks."""
    return run_component
