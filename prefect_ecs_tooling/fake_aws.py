"""A stand-in for AWS in the offline plan: answers registrations and data sources.

It fabricates the values AWS computes (ids, ARNs, auto-names) in the exact shape
AWS returns them, deterministically (hashes of the resource URN), so a plan is
stable from run to run. It never talks to a network. What it answers for each
resource type and data source lives in :mod:`prefect_ecs_tooling.aws_types` (one
module per type); anything no module models raises, so a new resource or data
source can't silently come back with empty fields.
"""

from __future__ import annotations

from typing import Any

from .aws_types import (
    UnmodeledError,
    data_source,
    physical_name,
    resource_type,
    stable_hex,
)
from .aws_types.invokes import FAKE_SUBNET_IDS, FAKE_VPC_ID
from .runner import RecordedResource

__all__ = [
    "FAKE_ACCOUNT_ID",
    "FAKE_SUBNET_IDS",
    "FAKE_VPC_ID",
    "FakeAws",
    "UnknownInvokeError",
    "physical_name",
    "stable_hex",
]

FAKE_ACCOUNT_ID = "123456789012"

#: A data source (or resource type) the fake does not model.
UnknownInvokeError = UnmodeledError


class FakeAws:
    """Deterministic answers for the resources and data sources this project uses."""

    def __init__(self, region: str = "us-east-1", account_id: str = FAKE_ACCOUNT_ID):
        self.region = region
        self.account_id = account_id

    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer one data-source call; raise for anything unknown."""
        return data_source(token).fake(args, self)

    def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
        """Fabricate the id and outputs AWS would return for ``res``."""
        return resource_type(res.type, res.name).fake(res, self)
