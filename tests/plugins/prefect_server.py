"""Session-scoped fixtures that run real local Prefect servers.

``prefect_server``: no auth. ``prefect_auth_server``: ``PREFECT_SERVER_API_AUTH_STRING``
set to ``admin:<random>`` (and CSRF protection on, so the client's CSRF fallback is
exercised too). Both are started by ``prefect_ecs_tooling.local_prefect.start_prefect_server``
(temporary PREFECT_HOME, clean env) and stopped by PID at the end of the session.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from prefect_ecs_tooling.local_prefect import PrefectServerHandle, start_prefect_server


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[PrefectServerHandle]:
    """A local Prefect server without auth: ``.api_url``, ``.pid``."""
    with start_prefect_server() as handle:
        yield handle


@pytest.fixture(scope="session")
def prefect_auth_server() -> Iterator[PrefectServerHandle]:
    """A local Prefect server requiring basic auth ``admin:<random>`` (``.auth_string``)."""
    with start_prefect_server(
        auth_string="random",
        extra_env={"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true"},
    ) as handle:
        yield handle


@pytest.fixture
def pool_name(request: pytest.FixtureRequest) -> str:
    """A pool name unique to the test."""
    return f"t-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"
