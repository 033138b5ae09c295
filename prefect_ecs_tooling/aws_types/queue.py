"""``aws:sqs/queue:Queue``: an SQS queue (the crash observer's queue and its dead letters)."""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base

#: Pulumi input -> SQS attribute, for the numeric settings (sent as strings).
NUMBERS = {
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
}

#: What SQS uses for a setting the inputs leave out (what the plan shows then).
DEFAULTS = {
    "messageRetentionSeconds": 345600,
    "visibilityTimeoutSeconds": 30,
    "receiveWaitTimeSeconds": 0,
}


def redrive_text(value: Any) -> str:
    """``redrivePolicy`` as the JSON string SQS takes (the input is one already)."""
    if isinstance(value, str):
        return value
    return json.dumps(whole_floats_to_ints(value))


def attributes(props: dict[str, Any]) -> dict[str, str]:
    """The ``CreateQueue`` attributes for Pulumi's inputs (every value a string)."""
    attrs = {
        attr: str(whole_floats_to_ints(props[key]))
        for key, attr in NUMBERS.items()
        if props.get(key) is not None
    }
    if props.get("redrivePolicy"):
        attrs["RedrivePolicy"] = redrive_text(props["redrivePolicy"])
    if props.get("kmsMasterKeyId"):
        attrs["KmsMasterKeyId"] = str(props["kmsMasterKeyId"])
    elif props.get("sqsManagedSseEnabled") is not None:
        attrs["SqsManagedSseEnabled"] = "true" if props["sqsManagedSseEnabled"] else "false"
    return attrs


class Queue(base.ResourceType):
    token = "aws:sqs/queue:Queue"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        name = out["name"] = base.physical_name(res, 80)
        out["arn"] = f"arn:aws:sqs:{ctx.region}:{ctx.account_id}:{name}"
        out["url"] = f"https://sqs.{ctx.region}.amazonaws.com/{ctx.account_id}/{name}"
        return out["url"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 80)
        kw: dict[str, Any] = {"QueueName": name, "Attributes": attributes(props)}
        if props.get("tags"):
            kw["tags"] = {k: str(v) for k, v in props["tags"].items()}
        sqs = emulator.client("sqs")
        url = out["url"] = sqs.create_queue(**kw)["QueueUrl"]
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        out["arn"] = got["Attributes"]["QueueArn"]
        return url, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("sqs").delete_queue(QueueUrl=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        emulator.client("sqs").get_queue_attributes(QueueUrl=item.id, AttributeNames=["QueueArn"])
        return True

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        lines = [
            f"name: {res.outputs.get('name')}",
            "  ".join(
                f"{label}: {seconds(p, key)}"
                for label, key in (
                    ("retention", "messageRetentionSeconds"),
                    ("visibility", "visibilityTimeoutSeconds"),
                    ("wait", "receiveWaitTimeSeconds"),
                )
            ),
        ]
        if p.get("redrivePolicy"):
            lines.append(f"redrive: {describe_redrive(p['redrivePolicy'])}")
        lines.append(f"encryption: {describe_encryption(p)}")
        return lines


def seconds(p: dict[str, Any], key: str) -> str:
    """A setting in seconds; SQS's default, marked, when it is not given."""
    if p.get(key) is None:
        return f"{DEFAULTS[key]}s (default)"
    return f"{p[key]}s"


def describe_redrive(value: Any) -> str:
    """``<dead-letter queue name> after <n> receives`` (the policy as is if unreadable)."""
    try:
        policy = json.loads(value) if isinstance(value, str) else value
        target = str(policy["deadLetterTargetArn"]).rsplit(":", 1)[-1]
        count = whole_floats_to_ints(policy.get("maxReceiveCount"))
    except (ValueError, TypeError, KeyError):
        return base.short(value)
    return f"to {target} after {count} receives"


def describe_encryption(p: dict[str, Any]) -> str:
    if p.get("kmsMasterKeyId"):
        reuse = p.get("kmsDataKeyReusePeriodSeconds")
        return f"KMS {p['kmsMasterKeyId']}" + (f" (data key reused {reuse}s)" if reuse else "")
    if p.get("sqsManagedSseEnabled"):
        return "SQS-managed (SSE-SQS)"
    return "none"


TYPE = Queue()
