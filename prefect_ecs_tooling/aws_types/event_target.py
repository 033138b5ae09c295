"""``aws:cloudwatch/eventTarget:EventTarget``: where an EventBridge rule sends its events
(the crash observer's queue)."""

from __future__ import annotations

import re
from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base
from .event_rule import DEFAULT_BUS, bus_of


def target_id(res: RecordedResource) -> str:
    """``targetId``, or the one generated when none is given: deterministic here, from
    the logical name (characters a target id may not hold become ``-``), at most 64."""
    given = res.props.get("targetId")
    if given:
        return str(given)
    stem = re.sub(r"[^A-Za-z0-9._-]", "-", res.name)
    return f"{stem[:56]}-{base.stable_hex(res.urn, 7)}"


def target_resource_id(bus: str, rule: str, tid: str) -> str:
    """The provider's id: ``<rule>-<targetId>`` (``<bus>-`` first on another bus)."""
    return f"{rule}-{tid}" if bus == DEFAULT_BUS else f"{bus}-{rule}-{tid}"


def target(props: dict[str, Any], tid: str) -> dict[str, Any]:
    """The ``PutTargets`` entry for Pulumi's inputs."""
    entry: dict[str, Any] = {"Id": tid, "Arn": props["arn"]}
    for key, field in (("input", "Input"), ("inputPath", "InputPath"), ("roleArn", "RoleArn")):
        if props.get(key):
            entry[field] = props[key]
    retry = props.get("retryPolicy")
    if retry:
        entry["RetryPolicy"] = {
            field: whole_floats_to_ints(retry[key])
            for key, field in (
                ("maximumEventAgeInSeconds", "MaximumEventAgeInSeconds"),
                ("maximumRetryAttempts", "MaximumRetryAttempts"),
            )
            if retry.get(key) is not None
        }
    dlq = props.get("deadLetterConfig")
    if dlq and dlq.get("arn"):
        entry["DeadLetterConfig"] = {"Arn": dlq["arn"]}
    return entry


class EventTarget(base.ResourceType):
    token = "aws:cloudwatch/eventTarget:EventTarget"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        tid = out["targetId"] = target_id(res)
        return target_resource_id(bus_of(out), str(out.get("rule")), tid), out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        tid = out["targetId"] = target_id(res)
        bus = bus_of(props)
        kw: dict[str, Any] = {"Rule": props["rule"], "Targets": [target(props, tid)]}
        if bus != DEFAULT_BUS:
            kw["EventBusName"] = bus
        got = emulator.client("events").put_targets(**kw)
        if got.get("FailedEntryCount"):
            raise RuntimeError(f"put_targets failed for {res.name}: {got['FailedEntries']}")
        return target_resource_id(bus, props["rule"], tid), out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("events").remove_targets(
            Rule=item.props["rule"], Ids=[item.outs["targetId"]], EventBusName=bus_of(item.props)
        )

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        got = emulator.client("events").list_targets_by_rule(
            Rule=item.props["rule"], EventBusName=bus_of(item.props)
        )
        return item.outs["targetId"] in {t["Id"] for t in got["Targets"]}

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        lines = [f"{p.get('rule')} -> {p.get('arn')}"]
        dlq = p.get("deadLetterConfig") or {}
        if dlq.get("arn"):
            lines.append(f"dead letters: {dlq['arn']}")
        if p.get("retryPolicy"):
            lines.append(f"retry: {base.short(p['retryPolicy'])}")
        return lines


TYPE = EventTarget()
