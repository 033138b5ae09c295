"""``aws:cloudwatch/metricAlarm:MetricAlarm``: a CloudWatch alarm (the crash observer's
health: dead letters, queue age, errors), on one metric or on metric math."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base

OPERATORS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}

#: Pulumi input -> PutMetricAlarm argument, passed on when given.
OPTIONAL = {
    "namespace": "Namespace",
    "metricName": "MetricName",
    "statistic": "Statistic",
    "extendedStatistic": "ExtendedStatistic",
    "unit": "Unit",
    "period": "Period",
    "datapointsToAlarm": "DatapointsToAlarm",
    "threshold": "Threshold",
    "thresholdMetricId": "ThresholdMetricId",
    "treatMissingData": "TreatMissingData",
    "evaluateLowSampleCountPercentiles": "EvaluateLowSampleCountPercentiles",
    "alarmDescription": "AlarmDescription",
    "actionsEnabled": "ActionsEnabled",
}
ACTIONS = {
    "alarmActions": "AlarmActions",
    "okActions": "OKActions",
    "insufficientDataActions": "InsufficientDataActions",
}


def dimension_list(dims: dict[str, Any] | None) -> list[dict[str, str]]:
    return base.tag_list(dims, "Name", "Value")


def metric_query(q: dict[str, Any]) -> dict[str, Any]:
    """One ``metricQueries`` entry as a ``Metrics`` entry of PutMetricAlarm."""
    entry: dict[str, Any] = {"Id": q["id"]}
    for key, field in (
        ("expression", "Expression"),
        ("label", "Label"),
        ("accountId", "AccountId"),
    ):
        if q.get(key):
            entry[field] = q[key]
    if q.get("period") is not None:
        entry["Period"] = q["period"]
    if q.get("returnData") is not None:
        entry["ReturnData"] = bool(q["returnData"])
    metric = q.get("metric")
    if metric:
        stat: dict[str, Any] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": dimension_list(metric.get("dimensions")),
            },
            "Period": metric["period"],
            "Stat": metric["stat"],
        }
        if metric.get("unit"):
            stat["Unit"] = metric["unit"]
        entry["MetricStat"] = stat
    return entry


def alarm_arguments(props: dict[str, Any], name: str) -> dict[str, Any]:
    """The ``PutMetricAlarm`` arguments for Pulumi's inputs (whole floats as ints)."""
    p = whole_floats_to_ints(props)
    kw: dict[str, Any] = {
        "AlarmName": name,
        "EvaluationPeriods": p["evaluationPeriods"],
        "ComparisonOperator": p["comparisonOperator"],
        "Tags": base.tag_list(p.get("tags")),
    }
    kw.update({field: p[key] for key, field in OPTIONAL.items() if p.get(key) is not None})
    kw.update({field: list(p.get(key) or []) for key, field in ACTIONS.items()})
    if p.get("dimensions"):
        kw["Dimensions"] = dimension_list(p["dimensions"])
    if p.get("metricQueries"):
        kw["Metrics"] = [metric_query(q) for q in p["metricQueries"]]
    return kw


def describe_metric(metric: dict[str, Any], stat: Any) -> str:
    """``<stat> <namespace> <metric> (<dim=value, ...>)``."""
    dims = ", ".join(f"{k}={v}" for k, v in sorted((metric.get("dimensions") or {}).items()))
    text = f"{stat} {metric.get('namespace')} {metric.get('metricName')}"
    return text + (f" ({dims})" if dims else "")


def watched(p: dict[str, Any]) -> tuple[str, Any, list[str]]:
    """What the alarm compares, its period, and one line per query of metric math."""
    queries = p.get("metricQueries") or []
    if not queries:
        stat = p.get("statistic") or p.get("extendedStatistic")
        return describe_metric(p, stat), p.get("period"), []
    returned = [q for q in queries if q.get("returnData")] or queries[:1]
    main = returned[0]
    period = main.get("period") or (main.get("metric") or {}).get("period")
    lines = []
    for q in queries:
        metric = q.get("metric")
        if metric:
            period = period or metric.get("period")
            what = f"{describe_metric(metric, metric.get('stat'))} per {metric.get('period')}s"
        else:
            what = str(q.get("expression"))
        if q.get("label"):
            what += f' ("{q["label"]}")'
        lines.append(f"  {q.get('id')} = {what}")
    what = str(main.get("expression") or main.get("id"))
    return what, period, lines


class MetricAlarm(base.ResourceType):
    token = "aws:cloudwatch/metricAlarm:MetricAlarm"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        name = out["name"] = base.physical_name(res, 255)
        out["arn"] = f"arn:aws:cloudwatch:{ctx.region}:{ctx.account_id}:alarm:{name}"
        return name, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        name = out["name"] = base.physical_name(res, 255)
        cloudwatch = emulator.client("cloudwatch")
        cloudwatch.put_metric_alarm(**alarm_arguments(res.props, name))
        alarms = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        out["arn"] = alarms[0]["AlarmArn"]
        return name, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("cloudwatch").delete_alarms(AlarmNames=[item.id])

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        got = emulator.client("cloudwatch").describe_alarms(AlarmNames=[item.id])
        return any(a["AlarmName"] == item.id for a in got["MetricAlarms"])

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        what, period, queries = watched(p)
        op = p.get("comparisonOperator")
        alarm, ok = list(p.get("alarmActions") or []), list(p.get("okActions") or [])
        actions = ", ".join(alarm) or "no alarm actions"
        if ok:
            actions += f" (ok: {', '.join(ok)})"
        if not alarm and not ok:
            actions = "no actions"
        threshold = p.get("threshold", p.get("thresholdMetricId"))
        return [
            f"name: {res.outputs.get('name')}",
            f"{what} {OPERATORS.get(str(op), op)} {threshold} for "
            f"{p.get('evaluationPeriods')} x {period}s -> {actions}",
            *queries,
            f"missing data: {p.get('treatMissingData') or 'missing'}",
        ]


TYPE = MetricAlarm()
