"""The ``monthlyCostEstimate`` output: :func:`prefect_ecs.documents.cost.estimate` of the
settings (values may be Outputs) and of what the component made."""

from __future__ import annotations

from typing import Any

import pulumi

from ..documents import cost as docs
from ..documents.ec2_capacity import instance_size
from ..settings import Settings
from .ec2_capacity import flow_run_ec2_instance_type

__all__ = ["cost_estimate", "ec2_flow_runs_per_instance"]


def ec2_flow_runs_per_instance(instance_type: str, cpu: int, memory: int) -> int | None:
    """How many flow runs of ``cpu``/``memory`` fit on one instance (None: an instance
    type the stack does not know)."""
    size = instance_size(instance_type)
    if size is None or cpu <= 0 or memory <= 0:
        return None
    return min(size.cpu_units // cpu, size.usable_memory_mib // memory) or None


def cost_estimate(s: Settings, *, alarms: int, secrets: int) -> pulumi.Output[dict[str, Any]]:
    """The estimate of the stack ``s`` describes, with ``alarms`` CloudWatch alarms and
    ``secrets`` Secrets Manager secrets made by the component (plain dict Output)."""
    autoscaling = bool(s["worker_autoscaling"])  # structural: a plain bool
    ec2 = bool(s["flow_run_ec2_capacity"])  # structural: a plain bool
    values: dict[str, Any] = {
        "worker_cpu": s["worker_cpu"],
        "worker_memory": s["worker_memory"],
        "worker_architecture": s["cpu_architecture"],
        # With autoscaling, what always runs is the minimum; the maximum gives a range.
        "worker_count": s["worker_min_count"] if autoscaling else s["worker_desired_count"],
        "worker_max_count": s["worker_max_count"] if autoscaling else None,
        "assign_public_ip": s["assign_public_ip"],
        "flow_run_cpu": s["flow_run_cpu"],
        "flow_run_memory": s["flow_run_memory"],
        "flow_run_architecture": s["flow_run_cpu_architecture"],
        "ec2_instance_type": flow_run_ec2_instance_type(s) if ec2 else None,
        "ec2_min_size": s["flow_run_ec2_min_size"] if ec2 else 0,
    }
    fixed: dict[str, Any] = {
        "worker_spot": bool(s["worker_fargate_spot"]),
        "flow_run_spot": bool(s["flow_run_fargate_spot"]),
        "observer": bool(s["crash_observer"]),
        "alarms": alarms,
        "secrets": secrets,
    }

    def build(v: dict[str, Any]) -> dict[str, Any]:
        public = bool(v.pop("assign_public_ip"))
        # Numbers may come back as floats from the engine (2048.0).
        for key in ("worker_cpu", "worker_memory", "worker_count", "flow_run_cpu"):
            v[key] = int(v[key])
        for key in ("flow_run_memory", "ec2_min_size", "worker_max_count"):
            v[key] = int(v[key]) if v[key] is not None else None
        runs = (
            ec2_flow_runs_per_instance(
                v["ec2_instance_type"], int(v["flow_run_cpu"]), int(v["flow_run_memory"])
            )
            if v["ec2_instance_type"]
            else None
        )
        return docs.estimate(
            **v,
            **fixed,
            public_ips=int(v["worker_count"]) if public else 0,
            flow_run_public_ip=public,
            ec2_flow_runs_per_instance=runs,
        ).as_output()

    return pulumi.Output.all(**values).apply(build)
