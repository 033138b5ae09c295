"""``aws:ecs/cluster:Cluster``: the ECS cluster the worker and its flow runs run in."""

from __future__ import annotations

from typing import Any

from ..records import RecordedResource
from . import _base as base


class Cluster(base.ResourceType):
    token = "aws:ecs/cluster:Cluster"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 255)
        out["arn"] = f"arn:aws:ecs:{ctx.region}:{ctx.account_id}:cluster/{out['name']}"
        return out["arn"], out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 255)
        got = emulator.client("ecs").create_cluster(
            clusterName=name,
            settings=[{"name": s["name"], "value": s["value"]} for s in props.get("settings", [])],
            tags=base.tag_list(props.get("tags"), "key", "value"),
        )["cluster"]
        out["arn"] = got["clusterArn"]
        return got["clusterArn"], out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        ecs = emulator.client("ecs")
        # AWS refuses (ClusterContainsTasksException / ...ServicesException); moto
        # does not check, so the hook does.
        # (moto's ListTasks lists stopped tasks too unless asked for RUNNING ones,
        # AWS's default.)
        tasks = ecs.list_tasks(cluster=item.id, desiredStatus="RUNNING")["taskArns"]
        services = ecs.list_services(cluster=item.id)["serviceArns"]
        active = [
            s["serviceArn"]
            for s in (
                ecs.describe_services(cluster=item.id, services=services)["services"]
                if services
                else []
            )
            if s.get("status") == "ACTIVE"
        ]
        if tasks or active:
            raise RuntimeError(
                f"cluster {item.id} still contains tasks {tasks} / services {active}"
            )
        ecs.delete_cluster(cluster=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        clusters = emulator.client("ecs").describe_clusters(clusters=[item.id])["clusters"]
        return any(c.get("status") == "ACTIVE" for c in clusters)

    def details(self, res: RecordedResource) -> list[str]:
        settings = {s["name"]: s["value"] for s in base.plan_inputs(res).get("settings", [])}
        return [
            f"name: {res.outputs.get('name')}",
            f"containerInsights: {settings.get('containerInsights')}",
        ]


TYPE = Cluster()
