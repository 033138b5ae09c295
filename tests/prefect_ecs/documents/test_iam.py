"""IAM policy documents of the worker and its flow runs (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefect_ecs.documents import iam
from prefect_ecs.documents.iam import UUID_PATTERN

pytestmark = pytest.mark.pure


ACCOUNT = "111122223333"
CLUSTER = f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/main"
EXEC = f"arn:aws:iam::{ACCOUNT}:role/flow-exec"
TASK = f"arn:aws:iam::{ACCOUNT}:role/flow-task"
LOGS = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/prefect/flows"
SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prefect-abc"


def test_trust_policy_is_ecs_tasks_of_this_account_only() -> None:
    doc = iam.ecs_tasks_trust_policy(partition="aws-cn", region="cn-north-1", account_id=ACCOUNT)
    (st,) = doc["Statement"]
    assert st["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert st["Action"] == "sts:AssumeRole"
    assert st["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert st["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws-cn:ecs:cn-north-1:{ACCOUNT}:*"}


def _worker_policy(**kw: Any) -> dict:
    return iam.worker_task_policy(
        partition="aws",
        region="eu-west-1",
        account_id=ACCOUNT,
        cluster_arn=CLUSTER,
        cluster_name="main",
        pool_name="etl",
        flow_run_execution_role_arn=EXEC,
        flow_run_task_role_arn=TASK,
        flow_run_log_group_arn=LOGS,
        max_cpu=4096,
        max_memory=30720,
        **kw,
    )


def _statement(doc: dict, action: str) -> dict:
    found = [
        s for s in doc["Statement"]
        if action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]  # fmt: skip
    assert len(found) == 1, f"{action} must be granted by exactly one statement"
    return found[0]


def test_worker_task_policy_scopes_each_action() -> None:
    doc = _worker_policy()
    families = f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/prefect_etl_{UUID_PATTERN}:*"
    at_most = {
        "NumericLessThanEqualsIfExists": {"ecs:task-cpu": "4096", "ecs:task-memory": "30720"}
    }
    register = _statement(doc, "ecs:RegisterTaskDefinition")
    assert register["Resource"] == families and register["Condition"] == at_most
    run = _statement(doc, "ecs:RunTask")
    assert run["Resource"] == families
    assert run["Condition"] == {"ArnEquals": {"ecs:cluster": CLUSTER}, **at_most}

    for action in ("ecs:StopTask", "ecs:DescribeTasks"):
        st = _statement(doc, action)
        assert st["Resource"] == f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task/main/*"
        assert st["Condition"] == {
            "ArnEquals": {"ecs:cluster": CLUSTER},
            "StringEquals": {"aws:ResourceTag/prefect.io/work-pool-name": "etl"},
        }

    tag = _statement(doc, "ecs:TagResource")
    assert tag["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}
    assert tag["Resource"] == f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task/main/*"

    pass_role = _statement(doc, "iam:PassRole")
    assert pass_role["Resource"] == [EXEC, TASK]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert _statement(doc, "logs:GetLogEvents")["Resource"] == f"{LOGS}:log-stream:*"


def test_only_describe_task_definition_is_on_star() -> None:
    """AWS offers no resource for DescribeTaskDefinition (nor Deregister, granted only with
    auto-deregistration): the one action on "*" by default."""

    def on_star(doc: dict) -> list[str]:
        return sorted(
            a
            for st in doc["Statement"]
            if st["Resource"] == "*"
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        )

    assert on_star(_worker_policy()) == ["ecs:DescribeTaskDefinition"]
    assert on_star(_worker_policy(auto_deregister=True)) == [
        "ecs:DeregisterTaskDefinition",
        "ecs:DescribeTaskDefinition",
    ]


def test_worker_task_policy_has_no_unneeded_actions() -> None:
    actions = {
        a
        for st in _worker_policy()["Statement"]
        for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    }
    assert not {a for a in actions if a.startswith("ec2:")}, "the template needs no ec2 lookup"
    assert "ecs:ListTaskDefinitions" not in actions
    assert "ecs:DeregisterTaskDefinition" not in actions


def test_worker_task_policy_never_wildcards_passrole_or_runtask() -> None:
    for st in _worker_policy(auto_deregister=True)["Statement"]:
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        assert all("*" not in a for a in actions), st
        if st["Resource"] == "*":
            assert not {"iam:PassRole", "ecs:RunTask", "ecs:StopTask"} & set(actions)


def test_ecr_pull_only_named_repositories() -> None:
    assert iam.ecr_pull_statements([]) == []
    repo = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/flows"
    login, pull = iam.ecr_pull_statements([repo])
    assert login["Action"] == "ecr:GetAuthorizationToken" and login["Resource"] == "*"
    assert pull["Resource"] == [repo]
    assert set(pull["Action"]) == {
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
    }


@pytest.mark.parametrize(
    ("image", "arn"),
    [
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/worker:1.2", f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team/worker"),
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/worker@sha256:{'a' * 64}", f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/worker"),
        ("prefecthq/prefect-aws:0.7.12-python3.12", None),
        ("public.ecr.aws/prefecthq/prefect:3", None),
    ],
)  # fmt: skip
def test_ecr_repository_of_an_image(image: str, arn: str | None) -> None:
    assert iam.ecr_repository_arn(image) == arn


def test_execution_roles_read_only_the_secret() -> None:
    doc = iam.document(*iam.read_secret_statements(secret_arn=SECRET, region="eu-west-1"))
    assert doc["Statement"] == [
        {
            "Sid": "ReadPrefectApiSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": SECRET,
        }
    ]
    kms = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
    with_kms = iam.document(
        *iam.read_secret_statements(secret_arn=SECRET, region="eu-west-1", kms_key_arn=kms)
    )
    decrypt = _statement(with_kms, "kms:Decrypt")
    assert decrypt["Resource"] == kms
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
    }


def test_flow_runs_write_only_their_log_group() -> None:
    logs = iam.write_log_streams_statement(log_group_arn=LOGS)
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == f"{LOGS}:log-stream:*"


def test_describe_document_is_readable() -> None:
    lines = iam.describe_document(json.dumps(_worker_policy()))
    assert lines[1].startswith("Allow ecs:RunTask on arn:aws:ecs:eu-west-1:")
    assert (
        'when ecs:cluster ArnEquals "arn:aws:ecs:eu-west-1:111122223333:cluster/main"' in lines[1]
    )
