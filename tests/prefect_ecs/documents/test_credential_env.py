"""Which environment variables hold a credential (the rule the stack and the pack share)."""

from __future__ import annotations

import pytest

from prefect_ecs.documents.credential_env import credential_name, env_credential, name_tokens
from tests.fixtures.credential_cases import CREDENTIAL_CASES

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(("name", "value", "credential"), CREDENTIAL_CASES)
def test_credential_table(name: str, value: str, credential: bool) -> None:
    found = env_credential(name, value)
    assert (found is not None) is credential, found
    if found:
        assert value not in found  # says what kind, never the value


def test_names_split_into_whole_tokens() -> None:
    assert name_tokens("db-password_FILE") == ["DB", "PASSWORD", "FILE"]
    assert credential_name("TOKENIZERS") is None  # a token, not a substring
    assert credential_name("MONKEY") is None
    assert credential_name("API_KEY") == "KEY"
