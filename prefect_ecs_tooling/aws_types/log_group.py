"""``aws:cloudwatch/logGroup:LogGroup``: a CloudWatch Logs group (worker, flow runs)."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


class LogGroup(base.ResourceType):
    token = "aws:cloudwatch/logGroup:LogGroup"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 512)
        out["arn"] = f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{out['name']}"
        return out["name"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        tags = props.get("tags") or {}
        name = out["name"] = base.physical_name(res, 512)
        logs = emulator.client("logs")
        kw: dict[str, Any] = {"logGroupName": name}
        if tags:
            kw["tags"] = {k: str(v) for k, v in tags.items()}
        if props.get("kmsKeyId"):
            kw["kmsKeyId"] = props["kmsKeyId"]
        logs.create_log_group(**kw)
        if props.get("retentionInDays"):
            logs.put_retention_policy(
                logGroupName=name,
                retentionInDays=whole_floats_to_ints(props["retentionInDays"]),
            )
        out["arn"] = f"arn:aws:logs:{emulator.region}:{emulator.account_id}:log-group:{name}"
        return name, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("logs").delete_log_group(logGroupName=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        groups = emulator.client("logs").describe_log_groups(logGroupNamePrefix=item.id)
        return item.id in {g["logGroupName"] for g in groups["logGroups"]}

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        return [
            f"name: {res.outputs.get('name')}",
            f"retention: {p.get('retentionInDays')} days",
        ]


TYPE = LogGroup()
