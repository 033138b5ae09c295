"""``pulumi-python:dynamic/prefect:WorkPool``: the Prefect work pool (a dynamic resource).

Not AWS: the plan answers for the Prefect API too (no server offline), and the emulator
runs the real dynamic provider against the Prefect server in the resource's inputs.
"""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base


def _uuid(seed: str) -> str:
    h = base.stable_hex(seed, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class WorkPool(base.ResourceType):
    token = "pulumi-python:dynamic/prefect:WorkPool"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out.pop("__provider", None)
        out["pool_id"] = _uuid(res.urn)
        out["default_queue_id"] = _uuid(res.urn + "queue")
        out["status"] = "NOT_READY"
        return out["pool_id"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        from prefect_ecs.work_pool.provider import WorkPoolProvider

        props = {k: v for k, v in res.props.items() if k != "__provider"}
        created = WorkPoolProvider().create(props)
        outs = dict(created.outs or {})
        emulator.work_pools.append(outs)
        return str(created.id), outs

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        from prefect_ecs.work_pool.provider import WorkPoolProvider

        WorkPoolProvider().delete(item.id, item.outs)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        from prefect_ecs.work_pool.provider import WorkPoolProvider

        return bool(WorkPoolProvider().read(item.id, item.outs).id)

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        keys = ("name", "type", "description", "paused", "concurrency_limit", "api_url")
        lines = [f"{k}: {base.secret_or(p.get(k))}" for k in keys if k in p]
        for cred in ("api_key", "auth_string"):
            if p.get(cred) is not None:
                lines.append(f"{cred}: {base.secret_or(p.get(cred))}")
        tmpl = p.get("base_job_template")
        if isinstance(tmpl, dict):
            props = tmpl.get("variables", {}).get("properties", {})
            for var, spec in sorted(props.items()):
                if isinstance(spec, dict) and "default" in spec:
                    lines.append(f"default {var}: {base.short(spec['default'])}")
            request = tmpl.get("job_configuration", {}).get("task_run_request", {})
            if isinstance(request, dict) and isinstance(request.get("networkConfiguration"), dict):
                network = request["networkConfiguration"].get("awsvpcConfiguration", {})
                lines.append(
                    f"task run request network: subnets {', '.join(network.get('subnets', []))}; "
                    f"securityGroups {', '.join(network.get('securityGroups', []))}; "
                    f"assignPublicIp {network.get('assignPublicIp')}"
                )
        return lines


TYPE = WorkPool()
