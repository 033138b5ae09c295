"""The pure document builders: Fargate sizes, IAM policies, the worker container."""

from __future__ import annotations

import json

import pytest

from prefect_ecs.documents import iam
from prefect_ecs.documents.containers import (
    WORKER_CONTAINER_NAME,
    credential_secret,
    worker_container_definition,
)
from prefect_ecs.documents.fargate import VALID_FARGATE_MEMORY, fargate_memory_error, monthly_cost
from prefect_ecs.documents.iam import UUID_PATTERN

ACCOUNT = "111122223333"
CLUSTER = f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/main"
EXEC = f"arn:aws:iam::{ACCOUNT}:role/flow-exec"
TASK = f"arn:aws:iam::{ACCOUNT}:role/flow-task"
LOGS = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/prefect/flows"
SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prefect-abc"


@pytest.mark.parametrize(
    ("cpu", "memory", "ok"),
    [(256, 512, True), (256, 4096, False), (512, 1024, True), (512, 5120, False),
     (1024, 8192, True), (4096, 30720, True), (8192, 20480, True), (8192, 18432, False),
     (16384, 122880, True), (300, 1024, False)],
)  # fmt: skip
def test_fargate_pairs(cpu: int, memory: int, ok: bool) -> None:
    assert (fargate_memory_error(cpu, memory) is None) is ok


def test_fargate_error_lists_valid_memory_for_cpu() -> None:
    msg = fargate_memory_error(512, 512)
    assert msg is not None and "1024, 2048, 3072, 4096" in msg


def test_monthly_cost_matches_published_prices() -> None:
    # 0.5 vCPU / 1 GB all month, us-east-1: $18.02 x86, $14.42 ARM64.
    assert monthly_cost(512, 1024) == 18.02
    assert monthly_cost(512, 1024, architecture="ARM64") == 14.42
    assert monthly_cost(512, 1024, count=3) == pytest.approx(54.06, abs=0.02)
    assert set(VALID_FARGATE_MEMORY) == {256, 512, 1024, 2048, 4096, 8192, 16384}


def test_trust_policy_is_ecs_tasks_of_this_account_only() -> None:
    doc = iam.ecs_tasks_trust_policy(partition="aws-cn", region="cn-north-1", account_id=ACCOUNT)
    (st,) = doc["Statement"]
    assert st["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert st["Action"] == "sts:AssumeRole"
    assert st["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert st["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws-cn:ecs:cn-north-1:{ACCOUNT}:*"}


def _worker_policy() -> dict:
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
    run = _statement(doc, "ecs:RunTask")
    assert (
        run["Resource"]
        == f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/prefect_etl_{UUID_PATTERN}:*"
    )
    assert run["Condition"] == {"ArnEquals": {"ecs:cluster": CLUSTER}}

    for action in ("ecs:StopTask", "ecs:DescribeTasks"):
        st = _statement(doc, action)
        assert st["Resource"] == f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task/main/*"
        assert st["Condition"] == {"ArnEquals": {"ecs:cluster": CLUSTER}}

    for action in ("ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition",
                   "ecs:DeregisterTaskDefinition"):  # fmt: skip
        assert _statement(doc, action)["Resource"] == "*"

    tag = _statement(doc, "ecs:TagResource")
    assert tag["Condition"] == {
        "StringEquals": {"ecs:CreateAction": ["RunTask", "RegisterTaskDefinition"]}
    }
    assert "*" not in tag["Resource"]

    pass_role = _statement(doc, "iam:PassRole")
    assert pass_role["Resource"] == [EXEC, TASK]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert _statement(doc, "ec2:DescribeSubnets")["Resource"] == "*"
    assert _statement(doc, "logs:GetLogEvents")["Resource"] == f"{LOGS}:log-stream:*"


def test_worker_task_policy_never_wildcards_passrole_or_runtask() -> None:
    for st in _worker_policy()["Statement"]:
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        assert all("*" not in a for a in actions), st
        if st["Resource"] == "*":
            assert not {"iam:PassRole", "ecs:RunTask", "ecs:StopTask"} & set(actions)


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
    assert lines[0].startswith("Allow ecs:RunTask on arn:aws:ecs:eu-west-1:")
    assert (
        'when ecs:cluster ArnEquals "arn:aws:ecs:eu-west-1:111122223333:cluster/main"' in lines[0]
    )


@pytest.mark.parametrize(("kind", "env_name"), [("api_key", "PREFECT_API_KEY"),
                                                ("auth_string", "PREFECT_API_AUTH_STRING")])  # fmt: skip
def test_worker_container_passes_credential_only_as_secret(kind: str, env_name: str) -> None:
    c = worker_container_definition(
        image="prefecthq/prefect-aws:0.7.12-python3.12-prefect3.9.1",
        pool_name="etl",
        api_url="https://prefect.example.com/api",
        log_group_name="/prefect/worker",
        region="eu-west-1",
        secrets=[credential_secret(kind=kind, secret_arn=SECRET)],
        environment={"PREFECT_LOGGING_LEVEL": "DEBUG"},
    )
    assert c["name"] == WORKER_CONTAINER_NAME and c["essential"] is True
    assert c["command"] == ["prefect", "worker", "start", "--pool", "etl", "--type", "ecs",
                            "--with-healthcheck"]  # fmt: skip
    assert c["environment"] == [
        {"name": "PREFECT_API_URL", "value": "https://prefect.example.com/api"},
        {"name": "PREFECT_LOGGING_LEVEL", "value": "DEBUG"},
    ]
    assert c["secrets"] == [{"name": env_name, "valueFrom": SECRET}]
    assert c["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/prefect/worker", "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "worker"},
    }  # fmt: skip
    assert "localhost:8080/health" in c["healthCheck"]["command"][1]


def test_worker_container_without_credential_has_no_secrets() -> None:
    c = worker_container_definition(
        image="i:1", pool_name="p", api_url="http://h/api", log_group_name="g", region="r"
    )
    assert c["secrets"] == []
    assert [e["name"] for e in c["environment"]] == ["PREFECT_API_URL"]
