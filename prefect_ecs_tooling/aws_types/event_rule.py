"""``aws:cloudwatch/eventRule:EventRule``: an EventBridge rule (the ECS events the crash
observer listens for)."""

from __future__ import annotations

import json
from typing import Any

from ..records import RecordedResource
from . import _base as base

DEFAULT_BUS = "default"


def bus_of(props: dict[str, Any]) -> str:
    """The rule's event bus (``default`` when none is named)."""
    return str(props.get("eventBusName") or DEFAULT_BUS)


def rule_id(bus: str, name: str) -> str:
    """The provider's id: the name on the default bus, ``<bus>/<name>`` on another."""
    return name if bus == DEFAULT_BUS else f"{bus}/{name}"


def rule_arn(region: str, account_id: str, bus: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:rule/{rule_id(bus, name)}"


def compact_pattern(pattern: Any) -> str:
    """An event pattern as compact JSON, in its author's key order (as is if unreadable)."""
    try:
        parsed = json.loads(pattern) if isinstance(pattern, str) else pattern
    except ValueError:
        return str(pattern)
    return json.dumps(parsed, separators=(",", ":"))


class EventRule(base.ResourceType):
    token = "aws:cloudwatch/eventRule:EventRule"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        name = out["name"] = base.physical_name(res, 64)
        bus = bus_of(out)
        out["arn"] = rule_arn(ctx.region, ctx.account_id, bus, name)
        return rule_id(bus, name), out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 64)
        bus = bus_of(props)
        kw: dict[str, Any] = {
            "Name": name,
            "State": props.get("state") or "ENABLED",
            "Tags": base.tag_list(props.get("tags")),
        }
        if props.get("eventPattern"):
            pattern = props["eventPattern"]
            kw["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        if props.get("scheduleExpression"):
            kw["ScheduleExpression"] = props["scheduleExpression"]
        if props.get("description"):
            kw["Description"] = props["description"]
        if props.get("roleArn"):
            kw["RoleArn"] = props["roleArn"]
        if bus != DEFAULT_BUS:
            kw["EventBusName"] = bus
        out["arn"] = emulator.client("events").put_rule(**kw)["RuleArn"]
        return rule_id(bus, name), out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("events").delete_rule(
            Name=item.outs["name"], EventBusName=bus_of(item.props)
        )

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        emulator.client("events").describe_rule(
            Name=item.outs["name"], EventBusName=bus_of(item.props)
        )
        return True

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        bus = bus_of(p)
        lines = [
            f"name: {res.outputs.get('name')}" + (f"  bus: {bus}" if bus != DEFAULT_BUS else "")
        ]
        if p.get("eventPattern"):
            lines.append(f"pattern: {compact_pattern(p['eventPattern'])}")
        if p.get("scheduleExpression"):
            lines.append(f"schedule: {p['scheduleExpression']}")
        if (p.get("state") or "ENABLED") != "ENABLED":
            lines.append(f"state: {p['state']}")
        return lines


TYPE = EventRule()
