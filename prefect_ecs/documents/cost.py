"""What a stack costs: one dated price table (us-east-1) and the estimate built from it
(pure: plain values in, plain data out).

The estimate has two parts:

- ``monthly``: what runs all the time, per line (the worker tasks, their public IPv4
  addresses, the Secrets Manager secret, the crash observer's queue requests, the
  CloudWatch alarms, EC2 flow-run instances kept by a minimum size), and their total;
- ``flowRunHourly``: what one flow run costs per hour it runs, by where it runs
  (Fargate, Fargate Spot, EC2), since flow runs are usage, not a fixed cost.

Not included (usage-dependent): CloudWatch Logs ingestion and storage, Container
Insights metrics, ECR storage, data transfer and NAT, EventBridge (AWS service events
on the default bus are free), the free tiers (the first 10 alarms and 1 million SQS
requests a month are free: the estimate is the price before them).

Prices: AWS's public list prices for US East (N. Virginia), Linux, on-demand, read from
the pages in :data:`SOURCES` as of :data:`PRICES_AS_OF`. Other regions differ (most by
a few percent); check the pages when this date is old.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CLOUDWATCH_ALARM_MONTH",
    "EBS_GP3_GB_MONTH",
    "EC2_HOUR",
    "EC2_ROOT_VOLUME_GIB",
    "FARGATE_GB_HOUR",
    "FARGATE_SPOT_DISCOUNT",
    "FARGATE_VCPU_HOUR",
    "HOURS_PER_MONTH",
    "OBSERVER_RECEIVES_PER_HOUR",
    "PRICES_AS_OF",
    "PRICE_REGION",
    "PUBLIC_IPV4_HOUR",
    "SECRET_MONTH",
    "SOURCES",
    "SQS_PER_MILLION_REQUESTS",
    "CostEstimate",
    "CostLine",
    "estimate",
    "fargate_hourly",
    "render_estimate",
]

#: When the prices below were read (and the region they are for).
PRICES_AS_OF = "2026-03"
PRICE_REGION = "us-east-1"
#: Where each price comes from.
SOURCES = {
    "fargate": "https://aws.amazon.com/fargate/pricing/",
    "fargate_spot": "https://aws.amazon.com/fargate/pricing/ (Fargate Spot: 'up to 70%' off)",
    "public_ipv4": "https://aws.amazon.com/vpc/pricing/ (public IPv4 addresses, since 2024-02)",
    "sqs": "https://aws.amazon.com/sqs/pricing/ (standard queue)",
    "cloudwatch": "https://aws.amazon.com/cloudwatch/pricing/ (standard-resolution alarm)",
    "secrets_manager": "https://aws.amazon.com/secrets-manager/pricing/",
    "ec2": "https://aws.amazon.com/ec2/pricing/on-demand/ (Linux)",
    "ebs": "https://aws.amazon.com/ebs/pricing/ (gp3)",
}

HOURS_PER_MONTH = 730
#: USD per vCPU-hour and per GB-hour of a Fargate task, by CPU architecture.
FARGATE_VCPU_HOUR = {"X86_64": 0.04048, "ARM64": 0.03238}
FARGATE_GB_HOUR = {"X86_64": 0.004445, "ARM64": 0.00356}
#: Fargate Spot, modelled as a fixed discount off the on-demand price of the same
#: architecture. AWS sets Spot prices per region and changes them gradually with supply
#: and demand; it advertises "up to 70%" and its live table has mostly shown 50-70% off.
#: 70% is the advertised ceiling, so a Spot figure here is the low end of what it costs.
FARGATE_SPOT_DISCOUNT = 0.70
#: USD per public IPv4 address-hour (in use or idle).
PUBLIC_IPV4_HOUR = 0.005
#: USD per million SQS standard-queue requests (each up to 64 KB).
SQS_PER_MILLION_REQUESTS = 0.40
#: The crash observer's long polls: ``ReceiveMessage`` with a 20 s wait, one after
#: another, per worker task, when the queue is empty (prefect-aws's observer).
OBSERVER_RECEIVES_PER_HOUR = 3600 // 20
#: USD per standard-resolution metric alarm-month.
CLOUDWATCH_ALARM_MONTH = 0.10
#: USD per secret-month (API calls extra, $0.05 per 10,000: negligible here).
SECRET_MONTH = 0.40
#: USD per instance-hour, EC2 on-demand, Linux: the EC2 capacity's defaults (m6i.large,
#: m6g.large) and common alternatives.
EC2_HOUR = {
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "m6i.2xlarge": 0.384,
    "m7i.large": 0.1008,
    "m7i.xlarge": 0.2016,
    "m6g.large": 0.077,
    "m6g.xlarge": 0.154,
    "m6g.2xlarge": 0.308,
    "m7g.large": 0.0816,
    "m7g.xlarge": 0.1632,
    "c6i.large": 0.085,
    "c6i.xlarge": 0.17,
    "c6g.large": 0.068,
    "c6g.xlarge": 0.136,
    "c7g.large": 0.0725,
    "c7g.xlarge": 0.145,
    "r6i.large": 0.126,
    "r6g.large": 0.1008,
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t4g.medium": 0.0336,
    "t4g.large": 0.0672,
}
#: USD per GB-month of a gp3 volume; each flow-run instance has a root volume of
#: EC2_ROOT_VOLUME_GIB (the ECS-optimized Amazon Linux 2023 AMI's size).
EBS_GP3_GB_MONTH = 0.08
EC2_ROOT_VOLUME_GIB = 30


def fargate_hourly(
    cpu: int, memory: int, architecture: str = "X86_64", spot: bool = False
) -> float:
    """USD per hour of one Fargate task of ``cpu`` units and ``memory`` MiB."""
    hourly = (
        cpu / 1024 * FARGATE_VCPU_HOUR[architecture] + memory / 1024 * FARGATE_GB_HOUR[architecture]
    )
    return hourly * (1 - FARGATE_SPOT_DISCOUNT) if spot else hourly


def _size(cpu: int, memory: int) -> str:
    return f"{cpu / 1024:g} vCPU / {memory / 1024:g} GB"


@dataclass(frozen=True)
class CostLine:
    """One monthly line: what, how much, and how it was counted."""

    item: str
    usd: float
    detail: str


@dataclass(frozen=True)
class CostEstimate:
    """Monthly lines and total; hourly rates of one flow run by capacity; notes."""

    monthly: tuple[CostLine, ...]
    flow_run_hourly: dict[str, dict[str, Any]]
    notes: tuple[str, ...] = field(default_factory=tuple)
    monthly_max_usd: float | None = None

    @property
    def monthly_usd(self) -> float:
        return round(sum(line.usd for line in self.monthly), 2)

    def as_output(self) -> dict[str, Any]:
        """The estimate as the ``monthlyCostEstimate`` stack output (plain JSON data)."""
        out: dict[str, Any] = {
            "currency": "USD",
            "region": PRICE_REGION,
            "pricesAsOf": PRICES_AS_OF,
            "monthlyTotal": self.monthly_usd,
            "monthly": [
                {"item": line.item, "usd": line.usd, "detail": line.detail} for line in self.monthly
            ],
            "flowRunHourly": self.flow_run_hourly,
            "notes": list(self.notes),
        }
        if self.monthly_max_usd is not None:
            out["monthlyTotalAtMaxWorkers"] = self.monthly_max_usd
        return out


def estimate(
    *,
    worker_cpu: int,
    worker_memory: int,
    worker_architecture: str = "X86_64",
    worker_count: int = 1,
    worker_max_count: int | None = None,
    worker_spot: bool = False,
    public_ips: int = 0,
    secrets: int = 0,
    observer: bool = True,
    alarms: int = 0,
    flow_run_cpu: int = 1024,
    flow_run_memory: int = 2048,
    flow_run_architecture: str = "X86_64",
    flow_run_spot: bool = False,
    flow_run_public_ip: bool = False,
    ec2_instance_type: str | None = None,
    ec2_min_size: int = 0,
    ec2_flow_runs_per_instance: int | None = None,
) -> CostEstimate:
    """The stack's cost from plain values.

    ``worker_count`` worker tasks always on (with autoscaling: its minimum, and
    ``worker_max_count`` gives the total at the maximum), on Fargate Spot when
    ``worker_spot``; ``public_ips`` public IPv4 addresses held all the time (one per
    worker task with ``assign_public_ip``); ``secrets`` Secrets Manager secrets the stack
    creates; ``observer``: the crash observer's queue, long-polled by every worker task;
    ``alarms`` CloudWatch alarms. Flow runs: ``flow_run_cpu``/``flow_run_memory`` on
    ``flow_run_architecture``, with a public IP each when ``flow_run_public_ip``;
    ``flow_run_spot`` says which capacity the pool uses by default. ``ec2_instance_type``
    (None: no EC2 capacity) with ``ec2_min_size`` instances always on and
    ``ec2_flow_runs_per_instance`` flow runs of that size fitting on one.
    """
    lines: list[CostLine] = []
    notes: list[str] = []

    def worker_line(count: int) -> CostLine:
        hourly = fargate_hourly(worker_cpu, worker_memory, worker_architecture, worker_spot)
        kind = "Fargate Spot" if worker_spot else "Fargate"
        return CostLine(
            "worker",
            round(hourly * HOURS_PER_MONTH * count, 2),
            f"{count} x {_size(worker_cpu, worker_memory)} {worker_architecture} {kind}, "
            f"{HOURS_PER_MONTH} h",
        )

    lines.append(worker_line(worker_count))
    if worker_spot:
        notes.append(
            f"Fargate Spot modelled at {FARGATE_SPOT_DISCOUNT:.0%} off on-demand (AWS's "
            "'up to'); the live price varies by region and over time"
        )
    if public_ips:
        lines.append(
            CostLine(
                "public IPv4",
                round(public_ips * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH, 2),
                f"{public_ips} address(es) x ${PUBLIC_IPV4_HOUR:.3f}/h",
            )
        )
    if secrets:
        lines.append(
            CostLine(
                "secret", round(secrets * SECRET_MONTH, 2), f"{secrets} x ${SECRET_MONTH:.2f}/month"
            )
        )
    if observer:
        requests = OBSERVER_RECEIVES_PER_HOUR * HOURS_PER_MONTH * worker_count
        lines.append(
            CostLine(
                "observer queue",
                round(requests / 1e6 * SQS_PER_MILLION_REQUESTS, 2),
                f"{requests:,} SQS long polls (20 s) by {worker_count} worker(s); about 3 "
                "more requests per flow-run task state change",
            )
        )
    if alarms:
        lines.append(
            CostLine(
                "alarms",
                round(alarms * CLOUDWATCH_ALARM_MONTH, 2),
                f"{alarms} x ${CLOUDWATCH_ALARM_MONTH:.2f}/alarm-month",
            )
        )

    ipv4 = PUBLIC_IPV4_HOUR if flow_run_public_ip else 0.0
    size = _size(flow_run_cpu, flow_run_memory)
    hourly: dict[str, dict[str, Any]] = {
        "fargate": {
            "usd": round(
                fargate_hourly(flow_run_cpu, flow_run_memory, flow_run_architecture) + ipv4, 5
            ),
            "per": f"flow run of {size} {flow_run_architecture}"
            + (", its public IPv4 included" if ipv4 else ""),
            "default": not flow_run_spot and ec2_instance_type is None,
        },
        "fargateSpot": {
            "usd": round(
                fargate_hourly(flow_run_cpu, flow_run_memory, flow_run_architecture, spot=True)
                + ipv4,
                5,
            ),
            "per": f"flow run of {size} {flow_run_architecture}, at {FARGATE_SPOT_DISCOUNT:.0%} "
            "off (varies)",
            "default": flow_run_spot and ec2_instance_type is None,
        },
    }
    if ec2_instance_type is not None:
        price = EC2_HOUR.get(ec2_instance_type)
        if price is None:
            notes.append(
                f"no price for EC2 instance type {ec2_instance_type} in the table; EC2 left out"
            )
        else:
            volume = EBS_GP3_GB_MONTH * EC2_ROOT_VOLUME_GIB / HOURS_PER_MONTH
            instance = price + volume + ipv4
            ec2: dict[str, Any] = {
                "usd": round(instance, 5),
                "per": f"{ec2_instance_type} instance-hour, its {EC2_ROOT_VOLUME_GIB} GiB gp3 "
                "root volume" + (" and public IPv4" if ipv4 else "") + " included",
                "default": True,
            }
            if ec2_flow_runs_per_instance:
                ec2["flowRunsPerInstance"] = ec2_flow_runs_per_instance
                ec2["usdPerFlowRun"] = round(instance / ec2_flow_runs_per_instance, 5)
            hourly["ec2"] = ec2
            if ec2_min_size:
                lines.append(
                    CostLine(
                        "flow-run EC2 instances",
                        round(instance * HOURS_PER_MONTH * ec2_min_size, 2),
                        f"{ec2_min_size} x {ec2_instance_type} always on (minimum size), "
                        f"{HOURS_PER_MONTH} h",
                    )
                )

    at_max = None
    if worker_max_count is not None and worker_max_count > worker_count:
        extra = worker_line(worker_max_count).usd - lines[0].usd
        if observer:
            extra += (
                OBSERVER_RECEIVES_PER_HOUR
                * HOURS_PER_MONTH
                * (worker_max_count - worker_count)
                / 1e6
                * SQS_PER_MILLION_REQUESTS
            )
        if public_ips:
            per_task = math.ceil(public_ips / max(worker_count, 1))
            extra += (
                per_task * (worker_max_count - worker_count) * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH
            )
        at_max = round(sum(line.usd for line in lines) + extra, 2)
    return CostEstimate(tuple(lines), hourly, tuple(notes), at_max)


def render_estimate(out: dict[str, Any]) -> list[str]:
    """The ``monthlyCostEstimate`` output as the plan's cost lines."""
    head = (
        f"Estimated cost: about ${out['monthlyTotal']:.2f}/month always on "
        f"({out['region']} list prices of {out['pricesAsOf']}, before free tiers)"
    )
    if "monthlyTotalAtMaxWorkers" in out:
        head += f", up to ${out['monthlyTotalAtMaxWorkers']:.2f} at the most workers"
    lines = [head + ":"]
    lines += [f"  {m['item']}: ${m['usd']:.2f} ({m['detail']})" for m in out["monthly"]]
    lines.append("  flow runs, per hour each runs:")
    for kind, rate in out["flowRunHourly"].items():
        line = f"    {kind}{' (the pool default)' if rate.get('default') else ''}: "
        line += f"${rate['usd']:.4f}/h per {rate['per']}"
        if "usdPerFlowRun" in rate:
            line += (
                f"; ${rate['usdPerFlowRun']:.4f}/h per flow run with "
                f"{rate['flowRunsPerInstance']} on an instance"
            )
        lines.append(line)
    lines += [f"  note: {n}" for n in out.get("notes", [])]
    return lines
