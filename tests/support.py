"""Helpers every test tier shares: the repository root, sample credentials, and running
one PrefectEcsWorker under Pulumi mocks with the offline fake AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest

from prefect_ecs import PrefectEcsConfigError, PrefectEcsWorker
from prefect_ecs_tooling.aws_types import stable_hex
from prefect_ecs_tooling.fake_aws import FAKE_ACCOUNT_ID, FakeAws
from prefect_ecs_tooling.runner import RecordedResource, StackConfig, StackRun, run_program

ROOT = Path(__file__).resolve().parent.parent  # tests/support.py -> the repository
CLOUD_URL = "https://api.prefect.cloud/api/accounts/a1/workspaces/w1"
RAW_API_KEY = "pnu_RAWKEY_must_never_leak_0123456789"
RAW_AUTH_STRING = "admin:RAW_AUTH_must_never_leak"
SELF = "https://prefect.example.com/api"
#: Every custom resource type a PrefectEcsWorker registers (the tooling models each).
STACK_RESOURCE_TYPES = frozenset(
    {
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:ecs/cluster:Cluster",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:ecs/service:Service",
        "pulumi-python:dynamic/prefect:WorkPool",
        "aws:sqs/queue:Queue",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
    }
)


def run_component(
    args: dict[str, Any],
    name: str = "w",
    fake: FakeAws | None = None,
) -> StackRun:
    """Construct one PrefectEcsWorker with ``args`` under mocks; return what it registered."""
    from prefect_ecs import PrefectEcsWorker

    fake = fake or FakeAws()
    holder: dict[str, Any] = {}

    def program() -> None:
        holder["worker"] = PrefectEcsWorker(name, args)  # type: ignore[arg-type]
        import pulumi

        for key, value in holder["worker"].outputs().items():
            pulumi.export(key, value)

    config = StackConfig(
        project="test", stack="unit", values={}, secret_keys=[], encrypted_keys=[], schema={}
    )
    return run_program(program, config, fake.register, fake.invoke)


# ------------------------------------------------- programs of a consumer's own
class ConsumerAws(FakeAws):
    """The offline fake, plus the consumer's own resources (a VPC, subnets, a policy): ids,
    and the ARN of a policy."""

    def __init__(self) -> None:
        super().__init__()
        self.registered: list[RecordedResource] = []

    def register(self, res: RecordedResource) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(res)
        if res.type == "aws:iam/policy:Policy":
            out = dict(res.inputs)
            out["arn"] = f"arn:aws:iam::{FAKE_ACCOUNT_ID}:policy/{res.name}"
            return res.name, out
        if res.type in ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"):
            return f"{res.name}-{stable_hex(res.urn, 8)}", dict(res.inputs)
        return super().register(res)


def run(program: Callable[[], object], fake: ConsumerAws | None = None) -> StackRun:
    fake = fake or ConsumerAws()
    config = StackConfig("consumer", "test", {}, [], [], {})
    return run_program(program, config, fake.register, fake.invoke)


def policy(name: str) -> aws.iam.Policy:
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}  # fmt: skip
    return aws.iam.Policy(name, policy=json.dumps(document))


def config_error(exc: BaseException) -> PrefectEcsConfigError:
    """The component's error inside what the Pulumi runtime raised (it wraps errors of
    values that resolve late in ValueErrors naming the resource and input)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, PrefectEcsConfigError):
            return seen
        seen = seen.__cause__ or seen.__context__
    raise AssertionError(f"no PrefectEcsConfigError in {exc!r}")


def problems_of(args: dict[str, Any], name: str = "w") -> list[tuple[str, str]]:
    fake = ConsumerAws()
    with pytest.raises(PrefectEcsConfigError) as info:
        run(lambda: PrefectEcsWorker(name, args), fake)  # type: ignore[arg-type]
    assert fake.registered == [], "nothing may be registered before the error"
    return info.value.problems


def gone(emulator: Any, item: Any) -> bool:
    """True when the tooling's ``exists`` says ``item`` is no longer in the emulator (an
    API error reading it counts as gone): the round-trip tests' delete check."""
    from botocore.exceptions import ClientError

    from prefect_ecs_tooling.aws_types import resource_type

    try:
        return not resource_type(item.type).exists(item, emulator)
    except ClientError:
        return True


def delete_each_in_reverse(emulator: Any, count: int) -> None:
    """The round-trip tests' teardown: the ``count`` resources the emulator created all
    exist; deleted in reverse order, each is gone at once while the rest still exist."""
    created = list(emulator.created)
    assert len(emulator.leftovers(created)) == len(created) == count
    while created:
        item = created.pop()
        emulator.delete(item)
        assert gone(emulator, item), item
        assert len(emulator.leftovers(created)) == len(created), item
    emulator.created.clear()
