"""Shared fixtures, and the test tiers.

Every test module declares its tier as ``pytestmark = pytest.mark.<tier>``:

- ``pure``: plain functions, no Pulumi engine, no process, no server;
- ``mocks``: a program (the component, the stack) under Pulumi mocks, in process;
- ``server``: a real local Prefect server (``prefect_server`` / ``prefect_auth_server``);
- ``emulator``: moto's server, the rehearsal, a real worker process;
- ``wheel``: the built wheel in a fresh virtual environment.

Collection fails for a test without exactly one tier, or one that uses a server fixture
in a lighter tier, so ``pytest -m "pure or mocks"`` (``make test-quick``) really skips
everything slow.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from prefect_ecs_tooling.runner import StackRun
from tests.support import run_component

pytest_plugins = ["tests.plugins.prefect_server", "tests.plugins.moto_server"]

TIERS = ("pure", "mocks", "server", "emulator", "wheel")
#: Fixtures that start a process: the lightest tier a test using them may be in.
HEAVY_FIXTURES = {
    "prefect_server": "server",
    "prefect_auth_server": "server",
    "moto": "emulator",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems = []
    for item in items:
        tiers = [m.name for m in item.iter_markers() if m.name in TIERS]
        if len(tiers) != 1:
            problems.append(f"{item.nodeid}: tier markers {tiers}; give exactly one of {TIERS}")
            continue
        for fixture, tier in HEAVY_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()) and TIERS.index(tiers[0]) < TIERS.index(
                tier
            ):
                problems.append(
                    f"{item.nodeid}: uses {fixture}, so its tier is {tier}, not {tiers[0]}"
                )
    if problems:
        raise pytest.UsageError("test tiers:\n" + "\n".join(problems))


@pytest.fixture
def component() -> Callable[..., StackRun]:
    """``component(args, name=...)`` runs a PrefectEcsWorker under mocks."""
    return run_component
