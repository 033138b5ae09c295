"""``aws:ec2/launchTemplate:LaunchTemplate``: how the flow-run EC2 instances start."""

from __future__ import annotations

import base64
from typing import Any

from prefect_ecs.engine_values import whole_floats_to_ints

from ..records import RecordedResource
from . import _base as base


def _bool(value: Any) -> bool:
    """The provider's tri-state strings (``"true"``/``"false"``) and plain bools."""
    return str(value).lower() == "true"


def launch_template_data(props: dict[str, Any]) -> dict[str, Any]:
    """Pulumi's launch template inputs as EC2's ``LaunchTemplateData``."""
    data: dict[str, Any] = {}
    for key, field in (
        ("imageId", "ImageId"),
        ("instanceType", "InstanceType"),
        ("userData", "UserData"),
    ):
        if props.get(key):
            data[field] = props[key]
    profile = props.get("iamInstanceProfile") or {}
    if profile.get("arn"):
        data["IamInstanceProfile"] = {"Arn": profile["arn"]}
    elif profile.get("name"):
        data["IamInstanceProfile"] = {"Name": profile["name"]}
    meta = props.get("metadataOptions") or {}
    if meta:
        data["MetadataOptions"] = {
            k: whole_floats_to_ints(meta[key])
            for key, k in (
                ("httpEndpoint", "HttpEndpoint"),
                ("httpTokens", "HttpTokens"),
                ("httpPutResponseHopLimit", "HttpPutResponseHopLimit"),
            )
            if meta.get(key) is not None
        }
    interfaces = []
    for nic in props.get("networkInterfaces") or []:
        one: dict[str, Any] = {"DeviceIndex": whole_floats_to_ints(nic.get("deviceIndex", 0))}
        if nic.get("associatePublicIpAddress") is not None:
            one["AssociatePublicIpAddress"] = _bool(nic["associatePublicIpAddress"])
        if nic.get("deleteOnTermination") is not None:
            one["DeleteOnTermination"] = _bool(nic["deleteOnTermination"])
        if nic.get("securityGroups"):
            one["Groups"] = list(nic["securityGroups"])
        interfaces.append(one)
    if interfaces:
        data["NetworkInterfaces"] = interfaces
    if props.get("vpcSecurityGroupIds"):
        data["SecurityGroupIds"] = list(props["vpcSecurityGroupIds"])
    devices = []
    for mapping in props.get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs") or {}
        disk: dict[str, Any] = {}
        if ebs.get("volumeSize") is not None:
            disk["VolumeSize"] = whole_floats_to_ints(ebs["volumeSize"])
        if ebs.get("volumeType"):
            disk["VolumeType"] = ebs["volumeType"]
        for key, field in (
            ("encrypted", "Encrypted"),
            ("deleteOnTermination", "DeleteOnTermination"),
        ):
            if ebs.get(key) is not None:
                disk[field] = _bool(ebs[key])
        devices.append({"DeviceName": mapping["deviceName"], "Ebs": disk})
    if devices:
        data["BlockDeviceMappings"] = devices
    specs = [
        {"ResourceType": spec["resourceType"], "Tags": base.tag_list(spec.get("tags"))}
        for spec in props.get("tagSpecifications") or []
    ]
    if specs:
        data["TagSpecifications"] = specs
    return data


class LaunchTemplate(base.ResourceType):
    token = "aws:ec2/launchTemplate:LaunchTemplate"

    def fake(self, res: RecordedResource, ctx: base.FakeContext) -> tuple[str, dict[str, Any]]:
        out = dict(res.inputs)
        lid = f"lt-{base.stable_hex(res.urn, 17)}"
        out["name"] = base.physical_name(res, 128)
        out["arn"] = f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:launch-template/{lid}"
        out["latestVersion"] = 1
        out["defaultVersion"] = 1
        return lid, out

    def create(self, res: RecordedResource, emulator: base.Emulator) -> tuple[str, dict[str, Any]]:
        props, out = res.props, dict(res.inputs)
        name = out["name"] = base.physical_name(res, 128)
        kw: dict[str, Any] = {
            "LaunchTemplateName": name,
            "LaunchTemplateData": launch_template_data(props),
        }
        if props.get("description"):
            kw["VersionDescription"] = props["description"]
        if props.get("tags"):
            kw["TagSpecifications"] = [
                {"ResourceType": "launch-template", "Tags": base.tag_list(props["tags"])}
            ]
        got = emulator.client("ec2").create_launch_template(**kw)["LaunchTemplate"]
        lid = got["LaunchTemplateId"]
        out["arn"] = f"arn:aws:ec2:{emulator.region}:{emulator.account_id}:launch-template/{lid}"
        out["latestVersion"] = got["LatestVersionNumber"]
        out["defaultVersion"] = got["DefaultVersionNumber"]
        return lid, out

    def delete(self, item: base.Created, emulator: base.Emulator) -> None:
        emulator.client("ec2").delete_launch_template(LaunchTemplateId=item.id)

    def exists(self, item: base.Created, emulator: base.Emulator) -> bool:
        got = emulator.client("ec2").describe_launch_templates(LaunchTemplateIds=[item.id])
        return bool(got["LaunchTemplates"])

    def details(self, res: RecordedResource) -> list[str]:
        p = base.plan_inputs(res)
        meta = p.get("metadataOptions") or {}
        nics = p.get("networkInterfaces") or [{}]
        user_data = p.get("userData")
        lines = [
            f"image: {p.get('imageId')}",
            f"instanceType: {p.get('instanceType')}",
            f"metadata: tokens {meta.get('httpTokens')}, hop limit "
            f"{meta.get('httpPutResponseHopLimit')}",
            f"publicIp: {nics[0].get('associatePublicIpAddress')}",
            f"securityGroups: {base.short(nics[0].get('securityGroups'))}",
        ]
        if isinstance(user_data, str):
            try:
                text = base64.b64decode(user_data).decode()
            except ValueError:
                text = user_data
            lines += [f"userData: {line}" for line in text.splitlines() if "=" in line]
        return lines


TYPE = LaunchTemplate()
