"""Policies for prefect-ecs stacks (Pulumi CrossGuard), importable without starting a pack."""

from __future__ import annotations

from pulumi_policy import Policy

from . import containers, ecr, iam, logs, network, secrets, stack, tags, work_pool

PACK_NAME = "prefect-ecs"
PACK_VERSION = "0.1.0"


def build_policies() -> list[Policy]:
    """Every policy of the pack, in report order."""
    return [
        *iam.POLICIES,
        *secrets.POLICIES,
        *logs.POLICIES,
        *containers.POLICIES,
        *ecr.POLICIES,
        *network.POLICIES,
        *tags.POLICIES,
        *work_pool.POLICIES,
        *stack.POLICIES,
    ]


ALL_POLICIES: list[Policy] = build_policies()
POLICY_NAMES: list[str] = [p.name for p in ALL_POLICIES]

__all__ = ["ALL_POLICIES", "PACK_NAME", "PACK_VERSION", "POLICY_NAMES", "build_policies"]
