"""The consumer contract: what a Pulumi program that builds on the component may pass.

Every ``Input`` argument takes a plain value, an Output, a list or dict of Outputs, or an
Output of a list or dict; structural switches are plain bools; unknown keys are refused
with a suggestion; values known only later are checked with the same rules, before the
resources that use them are created.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from prefect_ecs import PrefectEcsConfigError, PrefectEcsWorker
from prefect_ecs.documents.iam import UUID_PATTERN
from prefect_ecs.worker.roles import attachment_name
from prefect_ecs_tooling.fake_aws import FAKE_ACCOUNT_ID
from prefect_ecs_tooling.runner import StackRun
from tests.support import CLOUD_URL, RAW_API_KEY, SELF, policy, problems_of, run

pytestmark = pytest.mark.mocks

S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ECR_READ = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
TD = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


# ------------------------------------------------------------------ shapes of Inputs
def test_lists_of_outputs_outputs_of_lists_and_a_policy_of_the_same_program() -> None:
    def program() -> None:
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        subnets = [
            aws.ec2.Subnet(f"s{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24") for i in range(2)
        ]
        group = aws.ec2.SecurityGroup("sg", vpc_id=vpc.id)
        read = policy("read")
        PrefectEcsWorker(
            "etl",
            {
                "prefect_api_url": SELF,
                "vpc_id": vpc.id,
                "subnet_ids": [s.id for s in subnets],
                "security_group_ids": [group.id],
                "flow_run_task_role_policy_arns": [read.arn, S3_READ],
                "tags": pulumi.Output.from_input({"team": "data"}),
                "worker_cpu": pulumi.Output.from_input(1024),
                "worker_memory": pulumi.Output.from_input(2048),
            },
        )
        PrefectEcsWorker(
            "backfill",
            {
                "prefect_api_url": pulumi.Output.from_input(SELF),
                "flow_run_task_role_policy_arns": read.arn.apply(lambda arn: [arn]),
                "worker_environment": {"X": pulumi.Output.from_input("1")},
            },
        )

    result = run(program)
    services = {r.name: r.inputs for r in result.by_type(SERVICE)}
    etl = services["etl-worker"]["networkConfiguration"]
    subnet_ids = [r.id for r in result.resources if r.type == "aws:ec2/subnet:Subnet"]
    group_id = result.one("aws:ec2/securityGroup:SecurityGroup", "sg").id
    assert etl["subnets"] == subnet_ids and etl["securityGroups"] == [group_id]
    assert services["etl-worker"]["tags"]["team"] == "data"
    read_arn = f"arn:aws:iam::{FAKE_ACCOUNT_ID}:policy/read"
    attached = {(r.name, r.inputs["policyArn"]) for r in result.by_type(ATTACHMENT)}
    assert {
        (attachment_name("etl-flow-run-task", read_arn), read_arn),
        (attachment_name("etl-flow-run-task", S3_READ), S3_READ),
        (attachment_name("backfill-flow-run-task", read_arn), read_arn),
    } <= attached
    td = result.one(TD, "etl-worker").inputs
    assert (td["cpu"], td["memory"]) == ("1024", "2048")
    env = json.loads(result.one(TD, "backfill-worker").inputs["containerDefinitions"])[0]
    assert {"name": "X", "value": "1"} in env["environment"]


def test_two_workers_without_pool_names_get_their_own_pools_and_scopes() -> None:
    result = run(
        lambda: [PrefectEcsWorker(n, {"prefect_api_url": SELF}) for n in ("etl", "etl_backfill")]
    )
    pools = [r.inputs["name"] for r in result.by_type("pulumi-python:dynamic/prefect:WorkPool")]
    assert sorted(pools) == ["etl", "etl_backfill"]
    scopes = {}
    for res in result.by_type("aws:iam/rolePolicy:RolePolicy"):
        if res.name.endswith("-worker-task"):
            statements = json.loads(res.inputs["policy"])["Statement"]
            scopes[res.name] = next(
                s["Resource"] for s in statements if s["Action"] == "ecs:RunTask"
            )
    assert scopes["etl-worker-task"].endswith(f"task-definition/prefect_etl_{UUID_PATTERN}:*")
    assert scopes["etl_backfill-worker-task"].endswith(
        f"task-definition/prefect_etl_backfill_{UUID_PATTERN}:*"
    )


def test_the_same_pool_twice_in_one_program_is_refused() -> None:
    with pytest.raises(PrefectEcsConfigError, match="already managed by the PrefectEcsWorker 'a'"):
        run(lambda: [PrefectEcsWorker(n, {"prefect_api_url": SELF, "work_pool_name": "etl"})
                     for n in ("a", "b")])  # fmt: skip


# ------------------------------------------------------------------ refusals


# ------------------------------------------------------------------ values known later


# ------------------------------------------------------------------ the types


# ------------------------------------------------------------------ outputs and ordering
def test_children_are_exposed_as_resources() -> None:
    holder: dict[str, PrefectEcsWorker] = {}

    def program() -> None:
        holder["w"] = PrefectEcsWorker("w", {"prefect_api_url": CLOUD_URL,
                                             "prefect_api_key": RAW_API_KEY})  # fmt: skip
        pulumi.export("role", holder["w"].flow_run_task_role_name)

    result = run(program)
    w = holder["w"]
    assert isinstance(w.service, aws.ecs.Service)
    assert isinstance(w.task_definition, aws.ecs.TaskDefinition)
    assert isinstance(w.cluster, aws.ecs.Cluster)
    assert isinstance(w.security_group, aws.ec2.SecurityGroup)
    assert isinstance(w.secret, aws.secretsmanager.Secret)
    for role in (w.worker_execution_role, w.worker_task_role, w.flow_run_execution_role,
                 w.flow_run_task_role):  # fmt: skip
        assert isinstance(role, aws.iam.Role)
    assert isinstance(w.worker_log_group, aws.cloudwatch.LogGroup)
    assert (
        result.outputs["role"] == result.one("aws:iam/role:Role", "flow-run-task").outputs["name"]
    )


def test_an_existing_flow_run_task_role_is_used_not_created() -> None:
    role_arn = f"arn:aws:iam::{FAKE_ACCOUNT_ID}:role/team/etl-flows"
    holder: dict[str, PrefectEcsWorker] = {}

    def program() -> None:
        holder["w"] = PrefectEcsWorker("w", {"prefect_api_url": SELF,
                                             "flow_run_task_role_arn": role_arn})  # fmt: skip
        pulumi.export("name", holder["w"].flow_run_task_role_name)

    result = run(program)
    assert holder["w"].flow_run_task_role is None
    assert "w-flow-run-task" not in [r.name for r in result.by_type("aws:iam/role:Role")]
    assert result.outputs["name"] == "etl-flows"
    worker_policy = json.loads(result.one("aws:iam/rolePolicy:RolePolicy", "worker-task")
                               .inputs["policy"])  # fmt: skip
    pass_role = next(s for s in worker_policy["Statement"] if s["Action"] == "iam:PassRole")
    assert role_arn in pass_role["Resource"]
    pool = result.one("pulumi-python:dynamic/prefect:WorkPool").inputs["base_job_template"]
    assert pool["variables"]["properties"]["task_role_arn"]["default"] == role_arn
    found = problems_of({"prefect_api_url": SELF, "flow_run_task_role_arn": role_arn,
                         "flow_run_task_role_policy_arns": [S3_READ]})  # fmt: skip
    assert found[0][0] == "flow_run_task_role_policy_arns"


def test_attachments_are_named_by_policy_and_keep_their_old_index_names_as_aliases() -> None:
    one = run(lambda: PrefectEcsWorker("w", {"prefect_api_url": SELF,
              "flow_run_task_role_policy_arns": [S3_READ, ECR_READ]}))  # fmt: skip
    two = run(lambda: PrefectEcsWorker("w", {"prefect_api_url": SELF,
              "flow_run_task_role_policy_arns": [ECR_READ, S3_READ]}))  # fmt: skip

    def names(result: StackRun) -> set[str]:
        return {r.urn for r in result.by_type(ATTACHMENT) if "flow-run-task" in r.name}

    assert names(one) == names(two)  # reordering replaces nothing
    assert len(names(one)) == 2


def test_aliases_carry_the_index_names_of_earlier_versions() -> None:
    seen: list[tuple[str, list[Any]]] = []

    def program() -> None:
        def record(args: pulumi.ResourceTransformationArgs) -> None:
            if args.type_ == ATTACHMENT:
                seen.append((args.name, list(args.opts.aliases or [])))

        pulumi.runtime.register_stack_transformation(record)  # type: ignore[arg-type]
        PrefectEcsWorker("w", {"prefect_api_url": SELF,
                               "flow_run_task_role_policy_arns": [S3_READ, ECR_READ]})  # fmt: skip

    run(program)
    aliased = {name: [a.name for a in aliases] for name, aliases in seen if aliases}
    assert aliased == {
        attachment_name("w-flow-run-task", S3_READ): ["w-flow-run-task-0"],
        attachment_name("w-flow-run-task", ECR_READ): ["w-flow-run-task-1"],
    }


def test_task_definition_and_service_wait_for_every_role_policy() -> None:
    result = run(lambda: PrefectEcsWorker("w", {"prefect_api_url": CLOUD_URL,
                 "prefect_api_key": RAW_API_KEY, "flow_run_task_role_policy_arns": [S3_READ]}))  # fmt: skip
    policies = {
        r.urn: r.name
        for r in result.resources
        if r.type in (ATTACHMENT, "aws:iam/rolePolicy:RolePolicy")
    }
    worker_policies = {u for u, n in policies.items() if n.startswith("w-worker")}
    flow_policies = {u for u, n in policies.items() if n.startswith("w-flow-run")}
    assert len(worker_policies) == 2 and len(flow_policies) == 2
    td = result.one(TD)
    assert worker_policies <= set(td.dependencies)
    service = result.one(SERVICE)
    pool = result.one("pulumi-python:dynamic/prefect:WorkPool")
    assert {pool.urn, td.urn} | flow_policies <= set(service.dependencies)
