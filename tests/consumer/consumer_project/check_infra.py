"""The consumer's own unit tests, with Pulumi's mocks, as another team would write them.

Run by ``tests/consumer/test_wheel.py`` inside a fresh virtual environment that has
prefect-ecs installed from its wheel.
"""

import hashlib
from typing import Any

import pulumi

ACCOUNT = "123456789012"
REGION = "us-east-1"
REGISTERED: list[pulumi.runtime.MockResourceArgs] = []


class Mocks(pulumi.runtime.Mocks):
    """Answers like AWS for what the program reads back: ARNs and names."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        REGISTERED.append(args)
        outputs = dict(args.inputs)
        name = f"{args.name}-{hashlib.sha256(args.name.encode()).hexdigest()[:7]}"
        kind = args.typ.split(":")[-1]
        if kind in ("Role", "Policy"):
            outputs.update(name=name, arn=f"arn:aws:iam::{ACCOUNT}:{kind.lower()}/{name}")
        elif kind == "Cluster":
            outputs.update(name=name, arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}")
        elif kind == "LogGroup":
            outputs.update(name=name, arn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}")
        elif kind in ("Secret", "TaskDefinition"):
            outputs["arn"] = f"arn:aws:{kind.lower()}:{REGION}:{ACCOUNT}:{name}"
        elif kind == "Service":
            outputs["name"] = name
        return f"{name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list]:
        answers = {
            "aws:index/getCallerIdentity:getCallerIdentity": {"accountId": ACCOUNT},
            "aws:index/getPartition:getPartition": {"partition": "aws"},
            "aws:index/getRegion:getRegion": {"region": REGION, "name": REGION},
        }
        if args.token not in answers:
            raise NotImplementedError(args.token)
        return answers[args.token], []


pulumi.runtime.set_mocks(Mocks(), project="consumer", stack="test", preview=False)
pulumi.runtime.set_all_config(
    {"consumer:prefectAuthString": "admin:consumer-test"}, ["consumer:prefectAuthString"]
)

import infra  # noqa: E402  (after the mocks, as Pulumi's testing guide does)


def by_type(suffix: str) -> list[pulumi.runtime.MockResourceArgs]:
    return [r for r in REGISTERED if r.typ.endswith(suffix)]


@pulumi.runtime.test
def test_two_workers_without_pool_names_get_one_pool_each() -> Any:
    def check(names: list[str]) -> None:
        assert names == ["etl", "backfill"]
        pools = [r.inputs["name"] for r in by_type(":WorkPool")]
        assert sorted(pools) == ["backfill", "etl"]

    return pulumi.Output.all(infra.etl.work_pool_name, infra.backfill.work_pool_name).apply(check)


@pulumi.runtime.test
def test_subnets_from_a_list_of_outputs_and_from_an_output_of_a_list() -> Any:
    def check(values: list[Any]) -> None:
        etl, backfill, subnet_ids = values
        assert etl["subnets"] == subnet_ids and backfill["subnets"] == subnet_ids
        assert etl["security_groups"] != backfill["security_groups"]  # own group vs. new one

    return pulumi.Output.all(
        infra.etl.service.network_configuration,
        infra.backfill.service.network_configuration,
        pulumi.Output.all(*[s.id for s in infra.subnets]),
    ).apply(check)


@pulumi.runtime.test
def test_a_policy_of_this_program_is_attached_to_both_flow_run_roles() -> Any:
    def check(values: list[Any]) -> None:
        reader_arn, etl_role, backfill_role = values
        attached = {
            (r.inputs["role"], r.inputs["policyArn"])
            for r in by_type(":RolePolicyAttachment")
            if r.inputs.get("policyArn") == reader_arn
        }
        assert (etl_role, reader_arn) in attached
        assert (backfill_role, reader_arn) in attached

    return pulumi.Output.all(
        infra.reader.arn,
        infra.etl.flow_run_task_role_name,
        infra.backfill.flow_run_task_role_name,
    ).apply(check)


@pulumi.runtime.test
def test_the_children_are_resources_with_tags() -> Any:
    assert infra.etl.cluster is not None and infra.etl.flow_run_task_role is not None

    def check(tags: Any) -> None:
        assert tags == {"prefect-ecs:component": "backfill", "team": "data"}

    return infra.backfill.task_definition.tags.apply(check)
