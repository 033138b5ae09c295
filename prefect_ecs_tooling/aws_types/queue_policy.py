"""``aws:sqs/queuePolicy:QueuePolicy``: the access policy of an SQS queue (EventBridge may
send the crash observer's events to it)."""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs.documents.iam import describe_document

from ..records import RecordedResource
from . import _base as base


def policy_text(value: Any) -> str:
    """``policy`` as the JSON string SQS takes (the input is one already)."""
    return value if isinstance(value, str) else json.dumps(value)


class QueuePolicy(base.ResourceType):
    token = "aws:sqs/queuePolicy:QueuePolicy"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        return str(out.get("queueUrl")), out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        emulator.client("sqs").set_queue_attributes(
            QueueUrl=props["queueUrl"], Attributes={"Policy": policy_text(props["policy"])}
        )
        return str(props["queueUrl"]), out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("sqs").set_queue_attributes(QueueUrl=item.id, Attributes={"Policy": ""})

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        got = emulator.client("sqs").get_queue_attributes(
            QueueUrl=item.id, AttributeNames=["Policy"]
        )
        return bool(got.get("Attributes", {}).get("Policy"))

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        return [f"queue: {p.get('queueUrl')}", *describe_document(p.get("policy", "{}"))]


TYPE = QueuePolicy()
