"""IAM policies: PassRole scoping, wildcard actions, RunTask cluster condition, valid documents."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.manual_guide import good_worker_policy, resource
from tests.fixtures.policy_helpers import by_policy, validate

# isort: split
from prefect_ecs_policies import iam
from prefect_ecs_policies.analyzer import analyze_resources

pytestmark = pytest.mark.pure

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_ARN = "arn:aws:iam::123456789012:role/flow"
PASSED_TO_ECS = {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: object, resource: object = "*", condition: dict | None = None, **kw) -> dict:
    st = {"Effect": "Allow", "Action": action, "Resource": resource, **kw}
    if condition:
        st["Condition"] = condition
    return st


def on_every_carrier(document: object) -> list[tuple[str, dict]]:
    """The same document on each resource type that carries one, JSON string or dict."""
    return [
        (ROLE, {"inlinePolicies": [{"name": "p", "policy": json.dumps(document)}]}),
        (POLICY, {"policy": json.dumps(document)}),
        (ROLE_POLICY, {"role": "r", "policy": document}),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        allow("iam:PassRole", ROLE_ARN, PASSED_TO_ECS),
        allow(["iam:PassRole"], [ROLE_ARN, ROLE_ARN + "2"], PASSED_TO_ECS),
        allow("iam:GetRole"),
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": ROLE_ARN},
    ],
)
def test_passrole_compliant(statement: dict) -> None:
    for type_, props in on_every_carrier(doc(statement)):
        assert validate(iam.iam_passrole_scoped, type_, props) == [], type_


@pytest.mark.parametrize(
    ("statement", "count"),
    [
        (allow("iam:PassRole"), 2),
        (allow("iam:PassRole", "*", PASSED_TO_ECS), 1),
        (allow("iam:PassRole", ROLE_ARN), 1),
        (allow("iam:passrole", "arn:aws:iam::123456789012:role/*", PASSED_TO_ECS), 1),
        (allow("iam:*", ROLE_ARN), 1),
        (allow("*", ROLE_ARN), 1),
        (allow("iam:Pass*", "arn:aws:iam::*:role/*", PASSED_TO_ECS), 1),
        ({"Effect": "Allow", "NotAction": "s3:*", "Resource": ROLE_ARN}, 1),
    ],
)
def test_passrole_violations(statement: dict, count: int) -> None:
    for type_, props in on_every_carrier(doc(statement)):
        assert len(validate(iam.iam_passrole_scoped, type_, props)) == count, type_


def test_passrole_not_resource_counts_as_everything() -> None:
    st = {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": ROLE_ARN}
    st["Condition"] = PASSED_TO_ECS
    messages = validate(iam.iam_passrole_scoped, POLICY, {"policy": doc(st)})
    assert len(messages) == 1 and "every role" in messages[0]


def test_single_statement_object_and_string_forms() -> None:
    document = {"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}
    assert len(validate(iam.iam_passrole_scoped, POLICY, {"policy": json.dumps(document)})) == 2


@pytest.mark.parametrize(
    "statement",
    [
        allow("ecs:RegisterTaskDefinition"),
        allow("ecs:*", "arn:aws:ecs:us-east-1:1:cluster/x"),
        allow("ec2:*"),
        allow("logs:*"),
        allow(["ecs:Describe*", "ec2:DescribeSubnets"]),
    ],
)
def test_wildcards_compliant(statement: dict) -> None:
    for type_, props in on_every_carrier(doc(statement)):
        assert validate(iam.iam_no_wildcard_actions, type_, props) == [], type_


@pytest.mark.parametrize(
    "statement",
    [
        allow("*"),
        allow("*", "arn:aws:s3:::bucket"),
        allow(["ecs:*"]),
        allow("IAM:*"),
        allow(["ec2:DescribeVpcs", "ecs:*"], ["arn:x", "*"]),
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    ],
)
def test_wildcards_violations(statement: dict) -> None:
    for type_, props in on_every_carrier(doc(statement)):
        assert len(validate(iam.iam_no_wildcard_actions, type_, props)) == 1, type_


def test_wildcards_services_config() -> None:
    props = {"policy": doc(allow("ec2:*"))}
    assert validate(iam.iam_no_wildcard_actions, POLICY, props, {"services": ["ec2"]})
    assert not validate(
        iam.iam_no_wildcard_actions, POLICY, {"policy": doc(allow("ecs:*"))}, {"services": []}
    )
    # Through the analyzer, with the config file shape.
    resources = [resource(POLICY, "p", {"policy": json.dumps(doc(allow("logs:*")))})]
    assert analyze_resources(resources) == []
    config = {"iam-no-wildcard-actions": {"services": ["logs"]}}
    assert [v.policy_name for v in analyze_resources(resources, config)] == [
        "iam-no-wildcard-actions"
    ]


def test_runtask_requires_cluster_condition() -> None:
    scoped = allow("ecs:RunTask", "arn:td", {"ArnEquals": {"ecs:cluster": "arn:cluster"}})
    assert validate(iam.iam_runtask_cluster_condition, POLICY, {"policy": doc(scoped)}) == []
    for statement in (allow("ecs:RunTask", "arn:td"), allow("ecs:Run*"), allow("*")):
        messages = validate(iam.iam_runtask_cluster_condition, POLICY, {"policy": doc(statement)})
        assert len(messages) == 1 and "ecs:cluster" in messages[0]
    other = allow("ecs:StopTask", "arn:task")
    assert validate(iam.iam_runtask_cluster_condition, POLICY, {"policy": doc(other)}) == []


def test_least_privilege_worker_policy_passes_every_iam_policy() -> None:
    for type_, props in on_every_carrier(good_worker_policy()):
        for policy in iam.POLICIES:
            assert validate(policy, type_, props) == [], (policy.name, type_)


def test_valid_document() -> None:
    policy = iam.iam_valid_policy_document
    assert validate(policy, POLICY, {"policy": json.dumps(doc(allow("s3:GetObject")))}) == []
    assert validate(policy, ROLE, {"inlinePolicies": [{"name": "x", "policy": "{,}"}]})
    assert validate(policy, ROLE_POLICY, {"policy": json.dumps({"Version": "2012-10-17"})})
    # A role without inline policies, and other resource types, are not concerned.
    assert validate(policy, ROLE, {"assumeRolePolicy": "{}"}) == []
    assert validate(policy, "aws:s3/bucket:Bucket", {"policy": "nope"}) == []


def test_analyzer_reports_each_inline_policy_of_a_role() -> None:
    role = resource(
        ROLE,
        "worker",
        {
            "inlinePolicies": [
                {"name": "ok", "policy": json.dumps(good_worker_policy())},
                {"name": "bad", "policy": json.dumps(doc(allow("iam:PassRole")))},
            ]
        },
    )
    violations = by_policy(analyze_resources([role]), "iam-passrole-scoped")
    assert len(violations) == 2 and all("inline policy 'bad'" in v.message for v in violations)
