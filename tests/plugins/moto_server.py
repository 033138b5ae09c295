"""pytest fixtures: moto's server (the AWS API emulator) on 127.0.0.1, one per test module,
and the tooling's emulator over it, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prefect_ecs_tooling.sandbox.emulator import MotoAws, MotoServer, moto_server


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    """A running moto server; stopped when the module's tests are done."""
    with moto_server() as server:
        yield server


@pytest.fixture
def aws(moto: MotoServer) -> MotoAws:
    """The tooling's emulator (what the rehearsal deploys through) over a reset moto."""
    moto.reset()
    return MotoAws(moto.endpoint_url)
