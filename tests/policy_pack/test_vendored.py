"""The pack's copies of the library's shared declarations are the library's, byte for byte
(the pack runs in its own virtual environment, without ``prefect_ecs``)."""

from __future__ import annotations

import pytest

from tests.fixtures.policy_helpers import POLICY_PACK_DIR
from tests.support import ROOT

pytestmark = pytest.mark.pure


@pytest.mark.parametrize("module", ["credential_env.py", "wired_variables.py"])
def test_vendored_module_equals_the_library(module: str) -> None:
    library = ROOT / "prefect_ecs" / "documents" / module
    vendored = POLICY_PACK_DIR / "prefect_ecs_policies" / module
    assert vendored.read_bytes() == library.read_bytes(), (
        f"stale copy: cp {library.relative_to(ROOT)} {vendored.relative_to(ROOT)}"
    )
