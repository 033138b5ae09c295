"""The consumer contract: what a Pulumi program that builds on the component may pass.

Every ``Input`` argument takes a plain value, an Output, a list or dict of Outputs, or an
Output of a list or dict; structural switches are plain bools; unknown keys are refused
with a suggestion; values known only later are checked with the same rules, before the
resources that use them are created.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from conftest import CLOUD_URL, RAW_API_KEY

from prefect_ecs import ARGS, PrefectEcsConfigError, PrefectEcsWorker, PrefectEcsWorkerArgs
from prefect_ecs.documents.iam import UUID_PATTERN
from prefect_ecs.documents.names import longest_component_name
from prefect_ecs.worker.roles import attachment_name
from prefect_ecs_tooling.aws_types import stable_hex
from prefect_ecs_tooling.fake_aws import FAKE_ACCOUNT_ID, FakeAws
from prefect_ecs_tooling.runner import RecordedResource, StackConfig, StackRun, run_program

SELF = "https://prefect.example.com/api"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ECR_READ = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
TD = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


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
def test_unknown_keys_are_refused_with_a_suggestion() -> None:
    found = problems_of({"prefect_api_url": SELF, "worker_memroy": 4096, "workerCpu": 512})
    assert ("worker_memroy", "unknown argument; did you mean 'worker_memory'?") in found
    assert ("workerCpu", "unknown argument; did you mean 'worker_cpu'?") in found


@pytest.mark.parametrize("value", ["false", 0, pulumi.Output.from_input(False)])
def test_structural_switches_must_be_plain_bools(value: Any) -> None:
    found = problems_of({"prefect_api_url": SELF, "create_work_pool": value})
    assert [f for f, _ in found] == ["create_work_pool"]
    assert "must be a plain True or False" in found[0][1]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("assign_public_ip", "false", "must be true or false, got 'false' (a str)"),
        ("worker_cpu", "512", "must be an integer, got '512' (a str)"),
        ("subnet_ids", "subnet-1", "must be a list of non-empty strings"),
        ("tags", {"team": 1}, "mapping of string to string"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(field: str, value: Any, fragment: str) -> None:
    args = {"prefect_api_url": SELF, field: value}
    if field == "subnet_ids":
        args["vpc_id"] = "vpc-1"
    found = problems_of(args)
    assert any(f == field and fragment in msg for f, msg in found), found


def test_every_problem_at_once_as_input_properties_error() -> None:
    with pytest.raises(PrefectEcsConfigError) as info:
        run(lambda: PrefectEcsWorker("w", {"prefect_api_url": "nope", "worker_desired_count": -2,
                                           "log_retention_days": 2, "bogus": 1}))  # type: ignore[typeddict-unknown-key]  # fmt: skip
    error = info.value
    assert isinstance(error, pulumi.InputPropertiesError)
    paths = [e["property_path"] for e in error.errors]
    assert paths == [f for f, _ in error.problems]
    assert set(paths) == {"bogus", "prefect_api_url", "worker_desired_count", "log_retention_days"}


def test_a_component_name_too_long_for_iam_says_the_longest_that_fits() -> None:
    longest = longest_component_name()
    assert longest == 37  # IAM's 64 - len("-flow-run-execution") - Pulumi's 8-character suffix
    run(lambda: PrefectEcsWorker("n" * longest, {"prefect_api_url": SELF}))
    found = problems_of({"prefect_api_url": SELF}, name="n" * (longest + 1))
    assert found[0][0] == "name"
    assert "over AWS's 64; use a component name of at most 37 characters" in found[0][1]


# ------------------------------------------------------------------ values known later
def test_an_output_value_is_checked_when_it_resolves_before_its_resources() -> None:
    fake = ConsumerAws()
    with pytest.raises(Exception) as info:
        run(
            lambda: PrefectEcsWorker(
                "w", {"prefect_api_url": SELF, "worker_memory": pulumi.Output.from_input(999)}
            ),
            fake,
        )
    assert config_error(info.value).problems == [
        ("worker_memory", "memory 999 is not valid with cpu 512; valid memory values for cpu "
         "512: 1024, 2048, 3072, 4096")
    ]  # fmt: skip
    types = [r.type for r in fake.registered]
    assert TD not in types and SERVICE not in types  # the resources that use the value
    assert "aws:iam/role:Role" in types  # the others were declared before it resolved


def test_an_output_of_an_empty_subnet_list_fails_before_the_service() -> None:
    fake = ConsumerAws()
    with pytest.raises(Exception, match="resolved to an empty list"):
        run(
            lambda: PrefectEcsWorker(
                "w",
                {"prefect_api_url": SELF, "vpc_id": "vpc-1",
                 "subnet_ids": pulumi.Output.from_input([])},
            ),
            fake,
        )  # fmt: skip
    assert SERVICE not in [r.type for r in fake.registered]


# ------------------------------------------------------------------ the types
def test_type_hints_resolve_and_match_the_argument_table() -> None:
    hints = typing.get_type_hints(PrefectEcsWorkerArgs)
    assert list(hints) == [a.name for a in ARGS]
    assert PrefectEcsWorkerArgs.__required_keys__ == {"prefect_api_url"}
    for arg in ARGS:
        if arg.structural:
            assert hints[arg.name] is bool, arg.name


def test_every_argument_has_a_docstring_stating_its_default() -> None:
    import ast
    import inspect

    from prefect_ecs import worker_args

    tree = ast.parse(inspect.getsource(worker_args))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    docs: dict[str, str] = {}
    for field, doc in zip(cls.body, cls.body[1:], strict=False):
        if isinstance(field, ast.AnnAssign) and isinstance(doc, ast.Expr):
            docs[field.target.id] = " ".join(doc.value.value.split())  # type: ignore[attr-defined]
    assert list(docs) == [a.name for a in ARGS]
    for arg in ARGS:
        assert docs[arg.name] == " ".join(arg.docstring().split())
        assert "Default:" in docs[arg.name] or docs[arg.name].endswith("Required.")


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
    assert len(worker_policies) == 3 and len(flow_policies) == 3
    td = result.one(TD)
    assert worker_policies <= set(td.dependencies)
    service = result.one(SERVICE)
    pool = result.one("pulumi-python:dynamic/prefect:WorkPool")
    assert {pool.urn, td.urn} | flow_policies <= set(service.dependencies)
