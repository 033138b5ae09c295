"""Fargate facts: valid task cpu/memory pairs, and the monthly cost of a task size.

AWS publishes these as a table, not as an API: the pairs come from the ECS developer
guide ("Task size"). No maintained library ships them, so they live here, in one place;
the prices are in the dated table of :mod:`.cost`.
"""

from __future__ import annotations

from . import cost as _cost

# cpu units -> valid memory values (MiB)
VALID_FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def fargate_memory_error(cpu: int, memory: int) -> str | None:
    """Return a message explaining why ``cpu``/``memory`` is not a Fargate size, or None."""
    if cpu not in VALID_FARGATE_MEMORY:
        valid = ", ".join(str(c) for c in VALID_FARGATE_MEMORY)
        return f"cpu {cpu} is not a Fargate size; use one of {valid}"
    allowed = VALID_FARGATE_MEMORY[cpu]
    if memory not in allowed:
        return (
            f"memory {memory} is not valid with cpu {cpu}; "
            f"valid memory values for cpu {cpu}: {', '.join(str(m) for m in allowed)}"
        )
    return None


def monthly_cost(cpu: int, memory: int, count: int = 1, architecture: str = "X86_64") -> float:
    """On-demand USD per month for ``count`` always-on Fargate tasks of this size."""
    return round(_cost.fargate_hourly(cpu, memory, architecture) * _cost.HOURS_PER_MONTH * count, 2)
