"""What the stack costs: a warning when the worker count is beyond what a pool needs."""

from __future__ import annotations

from collections.abc import Iterator

from ..documents.cost import FARGATE_VCPU_HOUR, PRICES_AS_OF
from ..documents.fargate import fargate_memory_error, monthly_cost
from ..validation import ConfigWarning, Problem, RuleInput, _is_int
from ._registry import rule

__all__ = ["MAX_SENSIBLE_WORKERS"]

#: One worker submits every flow run of its pool (flow runs are tasks of their own) and
#: a second gives redundancy; more only add cost and polling load on the Prefect API.
MAX_SENSIBLE_WORKERS = 3


@rule("worker_desired_count", "worker_cpu", "worker_memory", "cpu_architecture")
def many_workers(v: RuleInput) -> Iterator[Problem]:
    count, cpu, memory = v["worker_desired_count"], v["worker_cpu"], v["worker_memory"]
    if not _is_int(count) or count <= MAX_SENSIBLE_WORKERS:
        return
    arch = v["cpu_architecture"] or "X86_64"
    cost = ""
    sized = _is_int(cpu) and _is_int(memory) and not fargate_memory_error(cpu, memory)
    if sized and arch in FARGATE_VCPU_HOUR:
        usd = monthly_cost(cpu, memory, count, arch)
        cost = (
            f" cost about ${usd:,.0f} a month (Fargate on-demand, us-east-1 prices of "
            f"{PRICES_AS_OF}) and"
        )
    yield ConfigWarning(
        "worker_desired_count",
        f"{count} workers{cost} poll the same pool: one worker submits all of its flow runs "
        f"and a second gives redundancy. Use {MAX_SENSIBLE_WORKERS} or fewer unless you mean it",
    )
