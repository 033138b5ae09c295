"""pytest fixture: moto's server (the AWS API emulator) on 127.0.0.1, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prefect_ecs.sandbox.emulator import MotoServer, start_moto


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    """A running moto server; stopped when the module's tests are done."""
    server = start_moto()
    try:
        yield server
    finally:
        server.stop()
