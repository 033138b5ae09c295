"""``aws:ecs/service:Service``: the ECS service that keeps the worker running."""

from __future__ import annotations

from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


def deployment_arguments(props: dict[str, Any]) -> dict[str, Any]:
    """``deploymentConfiguration`` and ``availabilityZoneRebalancing`` of CreateService."""
    config: dict[str, Any] = {}
    cb = props.get("deploymentCircuitBreaker")
    if cb:
        config["deploymentCircuitBreaker"] = {
            "enable": bool(cb.get("enable")),
            "rollback": bool(cb.get("rollback")),
        }
    for key, field in (
        ("deploymentMinimumHealthyPercent", "minimumHealthyPercent"),
        ("deploymentMaximumPercent", "maximumPercent"),
    ):
        if props.get(key) is not None:
            config[field] = whole_floats_to_ints(props[key])
    kw: dict[str, Any] = {"deploymentConfiguration": config} if config else {}
    if props.get("availabilityZoneRebalancing"):
        kw["availabilityZoneRebalancing"] = props["availabilityZoneRebalancing"]
    return kw


class Service(base.ResourceType):
    token = "aws:ecs/service:Service"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        out["name"] = base.physical_name(res, 255)
        cluster = str(out.get("cluster", "default")).rsplit("/", 1)[-1]
        sid = f"arn:aws:ecs:{ctx.region}:{ctx.account_id}:service/{cluster}/{out['name']}"
        return sid, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 255)
        kw: dict[str, Any] = {
            "cluster": props.get("cluster", "default"),
            "serviceName": name,
            "taskDefinition": props["taskDefinition"],
            "desiredCount": whole_floats_to_ints(props.get("desiredCount", 1)),
            "tags": base.tag_list(props.get("tags"), "key", "value"),
        }
        if props.get("launchType"):
            kw["launchType"] = props["launchType"]
        net = props.get("networkConfiguration")
        if net:
            kw["networkConfiguration"] = {
                "awsvpcConfiguration": {
                    "subnets": list(net.get("subnets") or []),
                    "securityGroups": list(net.get("securityGroups") or []),
                    "assignPublicIp": "ENABLED" if net.get("assignPublicIp") else "DISABLED",
                }
            }
        kw.update(deployment_arguments(props))
        if props.get("propagateTags"):
            kw["propagateTags"] = props["propagateTags"]
        if props.get("enableEcsManagedTags") is not None:
            kw["enableECSManagedTags"] = bool(props["enableEcsManagedTags"])
        if props.get("enableExecuteCommand") is not None:
            kw["enableExecuteCommand"] = bool(props["enableExecuteCommand"])
        svc = emulator.client("ecs").create_service(**kw)["service"]
        return svc["serviceArn"], out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        ecs = emulator.client("ecs")
        cluster = item.props.get("cluster", "default")
        ecs.update_service(cluster=cluster, service=item.id, desiredCount=0)
        ecs.delete_service(cluster=cluster, service=item.id, force=True)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        svcs = emulator.client("ecs").describe_services(
            cluster=item.props.get("cluster", "default"), services=[item.id]
        )["services"]
        return any(s.get("status") == "ACTIVE" for s in svcs)

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        net = p.get("networkConfiguration") or {}
        cb = p.get("deploymentCircuitBreaker") or {}
        return [
            f"cluster: {p.get('cluster')}",
            f"desiredCount: {p.get('desiredCount')}  launchType: {p.get('launchType')}",
            f"subnets: {', '.join(net.get('subnets', []))}",
            f"securityGroups: {', '.join(net.get('securityGroups', []))}  "
            f"assignPublicIp: {net.get('assignPublicIp', False)}",
            f"circuitBreaker: {cb.get('enable')} rollback: {cb.get('rollback')}  "
            f"execCommand: {p.get('enableExecuteCommand', False)}  propagateTags: {p.get('propagateTags')}",
            f"deployment: {p.get('deploymentMinimumHealthyPercent', 100)}%.."
            f"{p.get('deploymentMaximumPercent', 200)}%  "
            f"azRebalancing: {p.get('availabilityZoneRebalancing', 'AWS default')}",
        ]


TYPE = Service()
