"""``aws:ecs/taskDefinition:TaskDefinition``: the worker's task definition."""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


class TaskDefinition(base.ResourceType):
    token = "aws:ecs/taskDefinition:TaskDefinition"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        family = out.get("family") or res.name
        out["revision"] = 1
        out["arnWithoutRevision"] = (
            f"arn:aws:ecs:{ctx.region}:{ctx.account_id}:task-definition/{family}"
        )
        out["arn"] = f"{out['arnWithoutRevision']}:1"
        return family, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        tags = props.get("tags") or {}
        kw: dict[str, Any] = {
            "family": props["family"],
            "containerDefinitions": json.loads(props["containerDefinitions"]),
        }
        for key in ("cpu", "memory", "networkMode", "executionRoleArn", "taskRoleArn"):
            if props.get(key) is not None:
                kw[key] = str(whole_floats_to_ints(props[key]))
        if props.get("requiresCompatibilities"):
            kw["requiresCompatibilities"] = list(props["requiresCompatibilities"])
        if props.get("runtimePlatform"):
            kw["runtimePlatform"] = dict(props["runtimePlatform"])
        if tags:
            kw["tags"] = base.tag_list(tags, "key", "value")
        td = emulator.client("ecs").register_task_definition(**kw)["taskDefinition"]
        out["arn"] = td["taskDefinitionArn"]
        out["revision"] = td["revision"]
        out["arnWithoutRevision"] = td["taskDefinitionArn"].rsplit(":", 1)[0]
        return props["family"], out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("ecs").deregister_task_definition(taskDefinition=item.outs["arn"])

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        ecs = emulator.client("ecs")
        td = ecs.describe_task_definition(taskDefinition=item.outs["arn"])["taskDefinition"]
        return bool(td.get("status") == "ACTIVE")

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        rp = p.get("runtimePlatform") or {}
        lines = [
            f"family: {p.get('family')}  cpu: {p.get('cpu')}  memory: {p.get('memory')}  "
            f"{'/'.join(p.get('requiresCompatibilities', []))} {p.get('networkMode')} "
            f"{rp.get('operatingSystemFamily')}/{rp.get('cpuArchitecture')}",
            f"executionRole: {p.get('executionRoleArn')}",
            f"taskRole: {p.get('taskRoleArn')}",
        ]
        for c in json.loads(p.get("containerDefinitions", "[]")):
            lines.append(f"container {c['name']}: {c['image']}")
            lines.append(f"  command: {' '.join(c.get('command', []))}")
            for e in c.get("environment", []):
                lines.append(f"  env {e['name']}={e['value']}")
            for s in c.get("secrets", []):
                lines.append(f"  secret {s['name']} <- {s['valueFrom']}")
            log = (c.get("logConfiguration") or {}).get("options", {})
            lines.append(
                f"  logs: {log.get('awslogs-group')} (prefix {log.get('awslogs-stream-prefix')})"
            )
            if c.get("healthCheck"):
                lines.append(
                    f"  healthCheck: every {c['healthCheck'].get('interval')}s on :8080/health"
                )
        return lines


TYPE = TaskDefinition()
