"""Warnings (a rule's ConfigWarning): logged once by the component, naming the field, for
known values and for Outputs; and credentials that arrive as (secret) Outputs refused when
they resolve, without their value."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from prefect_ecs import PrefectEcsWorker
from prefect_ecs.settings import resolve_settings
from tests.support import SELF, config_error, run, run_component

pytestmark = pytest.mark.mocks


def field_warnings(warnings: list[str], field: str) -> list[str]:
    return [w for w in warnings if w.startswith(f"{field}: ")]


def test_a_warning_is_logged_once_naming_the_field() -> None:
    run = run_component({"prefect_api_url": SELF, "worker_desired_count": 10})
    (warning,) = field_warnings(run.warnings, "worker_desired_count")
    assert "10 workers cost about $" in warning


def test_a_warning_of_an_output_is_logged_once_when_it_resolves() -> None:
    done = run(
        lambda: PrefectEcsWorker(
            "w",
            {
                "prefect_api_url": pulumi.Output.from_input("https://prefect.example.com"),
                "worker_desired_count": pulumi.Output.from_input(10),
            },
        )
    )
    assert len(field_warnings(done.warnings, "worker_desired_count")) == 1
    (url,) = field_warnings(done.warnings, "prefect_api_url")
    assert "does not end with /api" in url


def test_settings_keep_the_warnings_of_known_values() -> None:
    settings = resolve_settings("w", {"prefect_api_url": SELF, "worker_desired_count": 9})
    assert [w.field for w in settings.warnings] == ["worker_desired_count"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("prefect_api_key", "pnu_NEVER_SHOWN_0123 456789"),
        ("prefect_api_key", "pnu_NEVER_SHOWN_0123456789\n"),
        ("prefect_auth_string", "admin_NEVER_SHOWN_password"),
    ],
)
def test_a_secret_output_credential_is_refused_without_its_value(field: str, value: str) -> None:
    with pytest.raises(Exception) as info:

        def program() -> None:
            args: dict[str, Any] = {"prefect_api_url": SELF, field: pulumi.Output.secret(value)}
            PrefectEcsWorker("w", args)  # type: ignore[arg-type]

        run(program)
    error = config_error(info.value)
    assert [f for f, _ in error.problems] == [field]
    text, seen = "", info.value
    for _ in range(10):  # every message of the chain
        text += str(seen)
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
        if seen is None:
            break
    assert "NEVER_SHOWN" not in text
