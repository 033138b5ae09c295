"""PrefectEcsWorker under Pulumi mocks: every child, its inputs, and the outputs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefect_ecs.documents.iam import UUID_PATTERN
from prefect_ecs.worker.roles import attachment_name
from prefect_ecs_tooling.fake_aws import FAKE_ACCOUNT_ID, FAKE_SUBNET_IDS, FAKE_VPC_ID, FakeAws
from prefect_ecs_tooling.runner import RecordedResource, StackRun, is_secret_envelope
from tests.support import CLOUD_URL, RAW_API_KEY, RAW_AUTH_STRING, run_component

pytestmark = pytest.mark.mocks

SELF_HOSTED = "https://prefect.example.com/api"
EXISTING_SECRET = f"arn:aws:secretsmanager:us-east-1:{FAKE_ACCOUNT_ID}:secret:prefect-key-AbCdEf"
EXISTING_CLUSTER = f"arn:aws:ecs:us-east-1:{FAKE_ACCOUNT_ID}:cluster/shared"


@pytest.fixture(scope="module")
def cloud() -> StackRun:
    return run_component({"prefect_api_url": CLOUD_URL, "prefect_api_key": RAW_API_KEY})


def doc(res: RecordedResource, prop: str) -> dict[str, Any]:
    return json.loads(res.inputs[prop])


def containers(run: StackRun) -> list[dict[str, Any]]:
    td = run.one("aws:ecs/taskDefinition:TaskDefinition")
    return json.loads(td.inputs["containerDefinitions"])


def test_every_child_is_parented_to_the_component(cloud: StackRun) -> None:
    (comp,) = [r for r in cloud.resources if not r.custom]
    assert comp.type == "prefect-ecs:index:PrefectEcsWorker"
    children = [r for r in cloud.resources if r.custom]
    assert children and all(r.parent == comp.urn for r in children)
    assert all(r.name.startswith("w") for r in children)
    assert sorted(r.type for r in children) == sorted(
        ["aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion"]
        + ["aws:cloudwatch/logGroup:LogGroup"] * 2
        + ["aws:ecs/cluster:Cluster", "aws:ec2/securityGroup:SecurityGroup"]
        + ["aws:iam/role:Role"] * 4
        + ["aws:iam/rolePolicy:RolePolicy"] * 3
        + ["aws:ecs/taskDefinition:TaskDefinition", "aws:ecs/service:Service"]
        + ["pulumi-python:dynamic/prefect:WorkPool"]
        + ["aws:sqs/queue:Queue"] * 2
        + ["aws:sqs/queuePolicy:QueuePolicy", "aws:cloudwatch/eventRule:EventRule"]
        + ["aws:cloudwatch/eventTarget:EventTarget"]
        + ["aws:cloudwatch/metricAlarm:MetricAlarm"] * 3
        + ["command:local:Command"] * 2
    )


def test_secret_uses_name_prefix_and_secret_value(cloud: StackRun) -> None:
    secret = cloud.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["namePrefix"] == "w-api-credential-"
    assert "name" not in secret.inputs
    version = cloud.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert is_secret_envelope(version.inputs["secretString"])
    assert version.inputs["secretString"]["value"] == RAW_API_KEY
    assert version.inputs["secretId"] == secret.id


def test_all_roles_trust_only_ecs_tasks_of_the_account(cloud: StackRun) -> None:
    roles = cloud.by_type("aws:iam/role:Role")
    assert {r.name for r in roles} == {
        "w-worker-execution", "w-worker-task", "w-flow-run-execution", "w-flow-run-task"
    }  # fmt: skip
    for role in roles:
        (st,) = doc(role, "assumeRolePolicy")["Statement"]
        assert st["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert st["Condition"]["StringEquals"] == {"aws:SourceAccount": FAKE_ACCOUNT_ID}


def test_execution_roles_get_scoped_statements_and_no_managed_policy(cloud: StackRun) -> None:
    secret_arn = cloud.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert not cloud.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    worker_exec = cloud.one("aws:iam/role:Role", "worker-execution")
    we = cloud.one("aws:iam/rolePolicy:RolePolicy", "worker-execution-secret")
    assert we.inputs["role"] == worker_exec.id
    worker_logs = cloud.one("aws:cloudwatch/logGroup:LogGroup", "-worker").outputs["arn"]
    # The worker image is public (Docker Hub): no ECR grant.
    assert [(s["Action"], s["Resource"]) for s in doc(we, "policy")["Statement"]] == [
        ("secretsmanager:GetSecretValue", secret_arn),
        (["logs:CreateLogStream", "logs:PutLogEvents"], f"{worker_logs}:log-stream:*"),
    ]
    fe = doc(cloud.one("aws:iam/rolePolicy:RolePolicy", "flow-run-execution"), "policy")
    flow_logs = cloud.one("aws:cloudwatch/logGroup:LogGroup", "flow-runs").outputs["arn"]
    repos = f"arn:aws:ecr:us-east-1:{FAKE_ACCOUNT_ID}:repository/*"
    assert [(s["Action"], s["Resource"]) for s in fe["Statement"]] == [
        ("secretsmanager:GetSecretValue", secret_arn),
        (["logs:CreateLogStream", "logs:PutLogEvents"], f"{flow_logs}:log-stream:*"),
        ("ecr:GetAuthorizationToken", "*"),
        (["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
         [repos]),
    ]  # fmt: skip


def test_worker_task_policy_is_wired_to_this_stack(cloud: StackRun) -> None:
    policy = cloud.one("aws:iam/rolePolicy:RolePolicy", "worker-task")
    assert policy.inputs["role"] == cloud.one("aws:iam/role:Role", "worker-task").id
    statements = {s["Sid"]: s for s in doc(policy, "policy")["Statement"]}
    cluster = cloud.one("aws:ecs/cluster:Cluster")
    acct = f"arn:aws:ecs:us-east-1:{FAKE_ACCOUNT_ID}"
    assert statements["RunPoolTasksInCluster"]["Resource"] == (
        f"{acct}:task-definition/prefect_w_{UUID_PATTERN}:*"
    )
    assert statements["RunPoolTasksInCluster"]["Condition"]["ArnEquals"] == {
        "ecs:cluster": cluster.outputs["arn"]
    }
    assert statements["RegisterPoolTaskDefinitions"]["Condition"] == {
        "NumericLessThanEqualsIfExists": {"ecs:task-cpu": "4096", "ecs:task-memory": "30720"}
    }
    queue = cloud.one("aws:sqs/queue:Queue", "-observer")
    assert statements["ReadTaskStateChanges"]["Resource"] == queue.outputs["arn"]
    assert "DeregisterTaskDefinitions" not in statements
    assert statements["WatchAndStopPoolTasksInCluster"]["Resource"] == (
        f"{acct}:task/{cluster.outputs['name']}/*"
    )
    assert statements["PassFlowRunRolesToEcsTasks"]["Resource"] == [
        cloud.one("aws:iam/role:Role", "flow-run-execution").outputs["arn"],
        cloud.one("aws:iam/role:Role", "flow-run-task").outputs["arn"],
    ]
    flow_logs = cloud.one("aws:cloudwatch/logGroup:LogGroup", "flow-runs").outputs["arn"]
    assert statements["ReadFlowRunLogs"]["Resource"] == f"{flow_logs}:log-stream:*"


def test_flow_run_task_role_has_no_permissions_by_default(cloud: StackRun) -> None:
    task_role = cloud.one("aws:iam/role:Role", "flow-run-task")
    for kind in ("aws:iam/rolePolicy:RolePolicy",
                 "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):  # fmt: skip
        assert all(
            r.inputs["role"] not in (task_role.id, task_role.outputs["name"])
            for r in cloud.by_type(kind)
        )


def test_log_groups_have_retention(cloud: StackRun) -> None:
    groups = cloud.by_type("aws:cloudwatch/logGroup:LogGroup")
    assert {g.inputs["namePrefix"] for g in groups} == {
        "/prefect-ecs/w/worker-", "/prefect-ecs/w/flow-runs-"
    }  # fmt: skip
    assert {g.inputs["retentionInDays"] for g in groups} == {30}


def test_cluster_and_security_group(cloud: StackRun) -> None:
    cluster = cloud.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    sg = cloud.one("aws:ec2/securityGroup:SecurityGroup")
    assert sg.inputs["vpcId"] == FAKE_VPC_ID
    assert sg.inputs.get("ingress", []) == []
    assert [(e["protocol"], e["cidrBlocks"]) for e in sg.inputs["egress"]] == [
        ("-1", ["0.0.0.0/0"])
    ]


def test_task_definition(cloud: StackRun) -> None:
    td = cloud.one("aws:ecs/taskDefinition:TaskDefinition")
    p = td.inputs
    # The measured size (BENCHMARKS.md, worker under a burst), on Graviton.
    assert (p["cpu"], p["memory"], p["networkMode"]) == ("256", "512", "awsvpc")
    assert p["requiresCompatibilities"] == ["FARGATE"]
    assert p["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    assert (
        p["executionRoleArn"] == cloud.one("aws:iam/role:Role", "worker-execution").outputs["arn"]
    )
    assert p["taskRoleArn"] == cloud.one("aws:iam/role:Role", "worker-task").outputs["arn"]
    (c,) = containers(cloud)
    assert c["image"] == "prefecthq/prefect-aws:0.7.12-python3.12-prefect3.9.1"
    assert "pip" not in " ".join(c["command"])
    assert c["command"][:5] == [
        "prefect",
        "worker",
        "start",
        "--pool",
        "w",
    ]  # the default: the component's name
    assert {"--type", "ecs", "--with-healthcheck"} <= set(c["command"])
    queue = cloud.one("aws:sqs/queue:Queue", "-observer").outputs["name"]
    assert c["environment"] == [
        {"name": "PREFECT_API_URL", "value": CLOUD_URL},
        {"name": "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME", "value": queue},
        {"name": "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_REGION", "value": "us-east-1"},
    ]
    assert "--no-create-pool-if-not-found" in c["command"]
    secret_arn = cloud.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert c["secrets"] == [{"name": "PREFECT_API_KEY", "valueFrom": secret_arn}]
    worker_logs = cloud.one("aws:cloudwatch/logGroup:LogGroup", "worker").outputs["name"]
    assert c["logConfiguration"]["options"]["awslogs-group"] == worker_logs
    assert c["logConfiguration"]["options"]["awslogs-region"] == "us-east-1"
    assert c["healthCheck"]["command"][0] == "CMD-SHELL"


def test_service(cloud: StackRun) -> None:
    svc = cloud.one("aws:ecs/service:Service")
    p = svc.inputs
    assert p["cluster"] == cloud.one("aws:ecs/cluster:Cluster").outputs["arn"]
    assert p["taskDefinition"] == cloud.one("aws:ecs/taskDefinition:TaskDefinition").outputs["arn"]
    assert (p["desiredCount"], p["launchType"]) == (1, "FARGATE")
    assert p["networkConfiguration"] == {
        "subnets": FAKE_SUBNET_IDS,
        "securityGroups": [cloud.one("aws:ec2/securityGroup:SecurityGroup").id],
        "assignPublicIp": False,
    }
    assert p["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert p["propagateTags"] == "SERVICE"
    assert p["enableExecuteCommand"] is False


def test_outputs(cloud: StackRun) -> None:
    o = cloud.outputs
    assert o["clusterArn"] == cloud.one("aws:ecs/cluster:Cluster").outputs["arn"]
    assert o["serviceName"] == cloud.one("aws:ecs/service:Service").outputs["name"]
    assert (
        o["taskDefinitionArn"] == cloud.one("aws:ecs/taskDefinition:TaskDefinition").outputs["arn"]
    )
    for key, suffix in [("workerExecutionRoleArn", "worker-execution"),
                        ("workerTaskRoleArn", "worker-task"),
                        ("flowRunExecutionRoleArn", "flow-run-execution"),
                        ("flowRunTaskRoleArn", "flow-run-task")]:  # fmt: skip
        assert o[key] == cloud.one("aws:iam/role:Role", suffix).outputs["arn"]
    assert o["secretArn"] == cloud.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert o["securityGroupIds"] == [cloud.one("aws:ec2/securityGroup:SecurityGroup").id]
    assert o["workPoolName"] == "w"
    assert o["workPoolId"] == cloud.one("pulumi-python:dynamic/prefect:WorkPool").outputs["pool_id"]
    assert o["vpcId"] == FAKE_VPC_ID and o["subnetIds"] == FAKE_SUBNET_IDS
    assert {"workerLogGroupName", "flowRunLogGroupName", "clusterName"} <= set(o)


def test_default_vpc_lookup_only_when_no_network_given(cloud: StackRun) -> None:
    tokens = [i.token for i in cloud.invokes]
    assert "aws:ec2/getVpc:getVpc" in tokens and "aws:ec2/getSubnets:getSubnets" in tokens
    explicit = run_component(
        {"prefect_api_url": SELF_HOSTED, "vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"]}
    )
    tokens = [i.token for i in explicit.invokes]
    assert "aws:ec2/getVpc:getVpc" not in tokens and "aws:ec2/getSubnets:getSubnets" not in tokens
    svc = explicit.one("aws:ecs/service:Service")
    assert svc.inputs["networkConfiguration"]["subnets"] == ["subnet-a", "subnet-b"]
    assert explicit.one("aws:ec2/securityGroup:SecurityGroup").inputs["vpcId"] == "vpc-1"


def test_default_vpc_without_public_ip_warns(cloud: StackRun) -> None:
    assert any("default VPC" in w for w in cloud.warnings)


def test_auth_string_goes_to_secret_as_auth_string() -> None:
    run = run_component({"prefect_api_url": SELF_HOSTED, "prefect_auth_string": RAW_AUTH_STRING})
    (c,) = containers(run)
    assert [s["name"] for s in c["secrets"]] == ["PREFECT_API_AUTH_STRING"]
    version = run.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"]["value"] == RAW_AUTH_STRING


def test_existing_secret_cluster_and_security_groups_are_used_not_created() -> None:
    run = run_component(
        {
            "prefect_api_url": SELF_HOSTED,
            "prefect_api_secret_arn": EXISTING_SECRET,
            "prefect_api_secret_kind": "auth_string",
            "cluster_arn": EXISTING_CLUSTER,
            "security_group_ids": ["sg-existing"],
        }
    )
    types = {r.type for r in run.resources}
    assert "aws:secretsmanager/secret:Secret" not in types
    assert "aws:ecs/cluster:Cluster" not in types
    assert "aws:ec2/securityGroup:SecurityGroup" not in types
    (c,) = containers(run)
    assert c["secrets"] == [{"name": "PREFECT_API_AUTH_STRING", "valueFrom": EXISTING_SECRET}]
    we = doc(run.one("aws:iam/rolePolicy:RolePolicy", "worker-execution-secret"), "policy")
    assert we["Statement"][0]["Resource"] == EXISTING_SECRET
    svc = run.one("aws:ecs/service:Service").inputs
    assert svc["cluster"] == EXISTING_CLUSTER
    assert svc["networkConfiguration"]["securityGroups"] == ["sg-existing"]
    policy = doc(run.one("aws:iam/rolePolicy:RolePolicy", "worker-task"), "policy")
    stop = next(s for s in policy["Statement"] if s["Sid"] == "WatchAndStopPoolTasksInCluster")
    assert stop["Resource"].endswith(":task/shared/*")
    assert run.outputs["clusterName"] == "shared"


def test_unauthenticated_self_hosted_has_no_secret_and_no_secret_permissions() -> None:
    run = run_component({"prefect_api_url": "http://prefect.internal:4200/api"})
    assert not run.by_type("aws:secretsmanager/secret:Secret")
    for policy in run.by_type("aws:iam/rolePolicy:RolePolicy"):
        assert "secretsmanager:" not in policy.inputs["policy"], policy.name
    (c,) = containers(run)
    assert c["secrets"] == []
    assert run.outputs["secretArn"] is None


def test_options_reach_resources() -> None:
    kms = f"arn:aws:kms:us-east-1:{FAKE_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    run = run_component(
        {
            "prefect_api_url": CLOUD_URL,
            "prefect_api_key": RAW_API_KEY,
            "secret_kms_key_arn": kms,
            "work_pool_name": "etl-pool",
            "worker_cpu": 1024,
            "worker_memory": 3072,
            "worker_desired_count": 2,
            "cpu_architecture": "ARM64",
            "assign_public_ip": True,
            "enable_execute_command": True,
            "log_retention_days": 90,
            "container_insights": "disabled",
            "worker_environment": {"PREFECT_LOGGING_LEVEL": "DEBUG"},
            "flow_run_task_role_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
            "tags": {"team": "data"},
        }
    )
    assert run.one("aws:secretsmanager/secret:Secret").inputs["kmsKeyId"] == kms
    we = doc(run.one("aws:iam/rolePolicy:RolePolicy", "worker-execution-secret"), "policy")
    assert [s["Action"] for s in we["Statement"]] == [
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
    ]
    td = run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert (td["cpu"], td["memory"], td["runtimePlatform"]["cpuArchitecture"]) == (
        "1024",
        "3072",
        "ARM64",
    )
    (c,) = containers(run)
    assert c["command"][4] == "etl-pool"
    assert {"name": "PREFECT_LOGGING_LEVEL", "value": "DEBUG"} in c["environment"]
    svc = run.one("aws:ecs/service:Service").inputs
    assert svc["desiredCount"] == 2 and svc["enableExecuteCommand"] is True
    assert svc["networkConfiguration"]["assignPublicIp"] is True
    assert {
        g.inputs["retentionInDays"] for g in run.by_type("aws:cloudwatch/logGroup:LogGroup")
    } == {90}
    assert run.one("aws:ecs/cluster:Cluster").inputs["settings"][0]["value"] == "disabled"
    # Without Container Insights there is no running-task metric: no worker alarm.
    alarms = sorted(a.name for a in run.by_type("aws:cloudwatch/metricAlarm:MetricAlarm"))
    assert alarms == ["w-observer-behind", "w-observer-dead-letters"]
    task_role = run.one("aws:iam/role:Role", "flow-run-task")
    att = run.one(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        attachment_name("w-flow-run-task", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
    )
    assert att.inputs == {"role": task_role.outputs["name"],
                          "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}  # fmt: skip
    for res in run.resources:
        if res.custom and "tags" in res.inputs:
            assert res.inputs["tags"]["team"] == "data"
    assert not any("default VPC" in w for w in run.warnings)


def test_unknown_data_source_fails_loudly() -> None:
    class NoSubnets(FakeAws):
        def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
            if token == "aws:ec2/getSubnets:getSubnets":
                raise LookupError("unmodelled")
            return super().invoke(token, args)

    with pytest.raises(Exception, match="unmodelled"):
        run_component({"prefect_api_url": SELF_HOSTED}, fake=NoSubnets())


def test_fake_aws_raises_on_unknown_invoke() -> None:
    with pytest.raises(LookupError, match="does not model"):
        FakeAws().invoke("aws:ec2/getAmi:getAmi", {})
