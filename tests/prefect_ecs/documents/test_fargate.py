"""Fargate task sizes and prices (pure)."""

from __future__ import annotations

import pytest

from prefect_ecs.documents.fargate import VALID_FARGATE_MEMORY, fargate_memory_error, monthly_cost

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("cpu", "memory", "ok"),
    [(256, 512, True), (256, 4096, False), (512, 1024, True), (512, 5120, False),
     (1024, 8192, True), (4096, 30720, True), (8192, 20480, True), (8192, 18432, False),
     (16384, 122880, True), (300, 1024, False)],
)  # fmt: skip
def test_fargate_pairs(cpu: int, memory: int, ok: bool) -> None:
    assert (fargate_memory_error(cpu, memory) is None) is ok


def test_fargate_error_lists_valid_memory_for_cpu() -> None:
    msg = fargate_memory_error(512, 512)
    assert msg is not None and "1024, 2048, 3072, 4096" in msg


def test_monthly_cost_matches_published_prices() -> None:
    # 0.5 vCPU / 1 GB all month, us-east-1: $18.02 x86, $14.42 ARM64.
    assert monthly_cost(512, 1024) == 18.02
    assert monthly_cost(512, 1024, architecture="ARM64") == 14.42
    assert monthly_cost(512, 1024, count=3) == pytest.approx(54.06, abs=0.02)
    assert set(VALID_FARGATE_MEMORY) == {256, 512, 1024, 2048, 4096, 8192, 16384}
