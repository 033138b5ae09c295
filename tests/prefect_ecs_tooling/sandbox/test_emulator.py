"""The component deployed into moto through MotoAws: every resource is created for real."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from prefect_ecs_tooling.local_prefect import PrefectServerHandle
from prefect_ecs_tooling.runner import StackConfig, StackRun, run_program
from prefect_ecs_tooling.sandbox.emulator import MotoAws, UnsupportedResourceError
from tests.support import RAW_API_KEY, RAW_AUTH_STRING, STACK_RESOURCE_TYPES

pytestmark = pytest.mark.emulator

#: Every custom resource type PrefectEcsWorker can register.
ALL_TYPES = STACK_RESOURCE_TYPES
SEEN_TYPES: set[str] = set()


def deploy(aws: MotoAws, args: dict[str, Any]) -> StackRun:
    from prefect_ecs import PrefectEcsWorker

    def program() -> None:
        import pulumi

        # No worker runs here: the readiness gate would wait for one (the rehearsal runs
        # the gate with a real worker).
        worker = PrefectEcsWorker("w", {"readiness_gate": False, **args})  # type: ignore[arg-type]
        for key, value in worker.outputs().items():
            pulumi.export(key, value)

    config = StackConfig(
        project="test", stack="emu", values={}, secret_keys=[], encrypted_keys=[], schema={}
    )
    run = run_program(program, config, aws.register, aws.invoke)
    SEEN_TYPES.update(r.type for r in run.resources if r.custom)
    return run


def check_in_moto(aws: MotoAws, run: StackRun) -> None:
    """Every output names something that exists in moto, wired as the stack says."""
    out = run.outputs
    ecs, iam, logs = aws.client("ecs"), aws.client("iam"), aws.client("logs")
    (cluster,) = ecs.describe_clusters(clusters=[out["clusterArn"]])["clusters"]
    assert cluster["status"] == "ACTIVE"
    (svc,) = ecs.describe_services(cluster=out["clusterArn"], services=[out["serviceName"]])[
        "services"
    ]
    assert svc["taskDefinition"] == out["taskDefinitionArn"]
    awsvpc = svc["networkConfiguration"]["awsvpcConfiguration"]
    assert sorted(awsvpc["subnets"]) == sorted(out["subnetIds"])
    assert awsvpc["securityGroups"] == out["securityGroupIds"]
    td = ecs.describe_task_definition(taskDefinition=out["taskDefinitionArn"])["taskDefinition"]
    assert td["executionRoleArn"] == out["workerExecutionRoleArn"]
    assert td["taskRoleArn"] == out["workerTaskRoleArn"]
    (container,) = td["containerDefinitions"]
    assert {s["valueFrom"] for s in container["secrets"]} == {out["secretArn"]}
    env = json.dumps(container.get("environment", []))
    assert RAW_API_KEY not in env and RAW_AUTH_STRING not in env
    for key in (
        "workerExecutionRoleArn",
        "workerTaskRoleArn",
        "flowRunExecutionRoleArn",
        "flowRunTaskRoleArn",
    ):
        name = out[key].rsplit("/", 1)[-1]
        assert iam.get_role(RoleName=name)["Role"]["Arn"] == out[key]
    for key in ("workerLogGroupName", "flowRunLogGroupName"):
        groups = logs.describe_log_groups(logGroupNamePrefix=out[key])["logGroups"]
        assert [g["logGroupName"] for g in groups] == [out[key]]
        assert groups[0].get("retentionInDays") == 30
    sgs = aws.client("ec2").describe_security_groups(GroupIds=out["securityGroupIds"])
    assert len(sgs["SecurityGroups"]) == len(out["securityGroupIds"])
    worker_execution = out["workerExecutionRoleArn"].rsplit("/", 1)[-1]
    # Inline statements only: no AWS managed policy (it grants logs and ECR on "*").
    assert iam.list_attached_role_policies(RoleName=worker_execution)["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName=worker_execution)["PolicyNames"]
    # The observer's queue and rule exist, the rule targeting the queue.
    sqs, events = aws.client("sqs"), aws.client("events")
    url = sqs.get_queue_url(QueueName=out["observerQueueName"])["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == out["observerQueueArn"] and "Policy" in attributes
    rule = out["observerRuleArn"].rsplit("/", 1)[-1]
    targets = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert [t["Arn"] for t in targets] == [out["observerQueueArn"]]


def test_api_key_stack(aws: MotoAws, prefect_server: PrefectServerHandle, pool_name: str) -> None:
    run = deploy(
        aws,
        {
            "prefect_api_url": prefect_server.api_url,
            "prefect_api_key": RAW_API_KEY,
            "work_pool_name": pool_name,
        },
    )
    check_in_moto(aws, run)
    sm = aws.client("secretsmanager")
    assert sm.get_secret_value(SecretId=run.outputs["secretArn"])["SecretString"] == RAW_API_KEY
    # The default VPC and its subnets came from moto, not from placeholders.
    vpc = aws.client("ec2").describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])
    assert run.outputs["vpcId"] == vpc["Vpcs"][0]["VpcId"]
    assert len(run.outputs["subnetIds"]) == 6
    # The work pool is real, on the local server, with the stack's wiring as defaults.
    (pool,) = aws.work_pools
    assert pool["name"] == pool_name and pool["pool_id"] == run.outputs["workPoolId"]
    props = pool["base_job_template"]["variables"]["properties"]
    assert props["cluster"]["default"] == run.outputs["clusterArn"]
    assert props["prefect_api_key_secret_arn"]["default"] == run.outputs["secretArn"]
    check_destroy(aws, run, prefect_server.api_url, pool_name)


def check_destroy(aws: MotoAws, run: StackRun, api_url: str | None, pool: str | None) -> None:
    """destroy() deletes everything the deploy created (and only that), pool included."""
    created = list(aws.created)
    assert len(created) == len([r for r in run.resources if r.custom])
    deleted = aws.destroy()
    assert [c.id for c in deleted] == [c.id for c in reversed(created)]
    assert aws.created == []
    assert aws.leftovers(deleted) == []
    out = run.outputs
    ecs, iam = aws.client("ecs"), aws.client("iam")
    names = {c.outs.get("name") for c in deleted}
    assert not names & {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert not names & {
        g["logGroupName"] for g in aws.client("logs").describe_log_groups()["logGroups"]
    }
    svcs = ecs.describe_services(cluster=out["clusterArn"], services=[out["serviceName"]])
    assert all(s["status"] != "ACTIVE" for s in svcs["services"])
    td = ecs.describe_task_definition(taskDefinition=out["taskDefinitionArn"])["taskDefinition"]
    assert td["status"] == "INACTIVE"
    if pool is not None:
        import httpx

        assert httpx.get(f"{api_url}/work_pools/{pool}").status_code == 404


def test_auth_string_stack(
    aws: MotoAws, prefect_auth_server: PrefectServerHandle, pool_name: str
) -> None:
    assert prefect_auth_server.auth_string
    run = deploy(
        aws,
        {
            "prefect_api_url": prefect_auth_server.api_url,
            "prefect_auth_string": prefect_auth_server.auth_string,
            "work_pool_name": pool_name,
            "assign_public_ip": True,
            # An AWS managed policy for flow code: the one attachment type the stack has.
            "flow_run_task_role_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        },
    )
    check_in_moto(aws, run)
    td = aws.client("ecs").describe_task_definition(
        taskDefinition=run.outputs["taskDefinitionArn"]
    )["taskDefinition"]
    assert [s["name"] for s in td["containerDefinitions"][0]["secrets"]] == [
        "PREFECT_API_AUTH_STRING"
    ]
    (pool,) = aws.work_pools
    props = pool["base_job_template"]["variables"]["properties"]
    assert props["prefect_api_auth_string_secret_arn"]["default"] == run.outputs["secretArn"]


def test_existing_cluster_security_group_and_secret(aws: MotoAws) -> None:
    ec2, ecs, sm = aws.client("ec2"), aws.client("ecs"), aws.client("secretsmanager")
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    sg = ec2.create_security_group(GroupName="existing", Description="x", VpcId=vpc_id)["GroupId"]
    cluster = ecs.create_cluster(clusterName="existing")["cluster"]["clusterArn"]
    secret = sm.create_secret(Name="existing-key", SecretString=RAW_API_KEY)["ARN"]
    before = {r["Arn"] for r in aws.client("iam").list_roles()["Roles"]}
    run = deploy(
        aws,
        {
            "prefect_api_url": "https://api.prefect.cloud/api/accounts/a1/workspaces/w1",
            "prefect_api_secret_arn": secret,
            "cluster_arn": cluster,
            "security_group_ids": [sg],
            "vpc_id": vpc_id,
            "subnet_ids": [s["SubnetId"] for s in subnets[:2]],
            "create_work_pool": False,
        },
    )
    types = {r.type for r in run.resources if r.custom}
    assert "aws:ecs/cluster:Cluster" not in types
    assert "aws:ec2/securityGroup:SecurityGroup" not in types
    assert "aws:secretsmanager/secret:Secret" not in types
    assert run.outputs["clusterArn"] == cluster
    assert run.outputs["securityGroupIds"] == [sg]
    assert run.outputs["secretArn"] == secret
    check_in_moto(aws, run)
    assert len(ecs.list_clusters()["clusterArns"]) == 1
    after = {r["Arn"] for r in aws.client("iam").list_roles()["Roles"]}
    assert len(after - before) == 4
    # Destroy leaves what the stack did not create.
    check_destroy(aws, run, None, None)
    (still,) = ecs.describe_clusters(clusters=[cluster])["clusters"]
    assert still["status"] == "ACTIVE"
    assert ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"]
    assert sm.describe_secret(SecretId=secret)["ARN"] == secret
    assert {r["Arn"] for r in aws.client("iam").list_roles()["Roles"]} == before


def test_cluster_delete_refuses_running_tasks_like_aws(aws: MotoAws) -> None:
    from prefect_ecs_tooling.runner import RecordedResource

    urn = "urn:pulumi:emu::test::aws:ecs/cluster:Cluster::c"
    cid, _ = aws.register(RecordedResource("aws:ecs/cluster:Cluster", "c", urn, None, True, {}))
    ecs, ec2 = aws.client("ecs"), aws.client("ec2")
    ecs.register_task_definition(
        family="f",
        containerDefinitions=[{"name": "c", "image": "x", "memory": 512}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    subnet = ec2.describe_subnets()["Subnets"][0]
    sg = ec2.create_security_group(GroupName="t", Description="t", VpcId=subnet["VpcId"])
    task = ecs.run_task(
        cluster=cid,
        taskDefinition="f",
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [subnet["SubnetId"]],
                "securityGroups": [sg["GroupId"]],
            }
        },
    )
    arns = [t["taskArn"] for t in task["tasks"]]
    assert arns
    with pytest.raises(RuntimeError, match="still contains tasks"):
        aws.destroy()
    for arn in arns:
        ecs.stop_task(cluster=cid, task=arn)
    assert [c.id for c in aws.destroy()] == [cid]
    assert aws.leftovers([]) == []


def test_ec2_capacity_deploys_and_destroys_in_moto(aws: MotoAws) -> None:
    """The instance profile, launch template, auto scaling group and capacity provider
    are created for real, the provider is associated with the stack's cluster, and the
    destroy leaves nothing. Where moto stops: no EC2 instance runs an ECS agent, so no
    container instance registers and a task placed with the EC2 provider can't start."""
    run = deploy(
        aws,
        {
            # No worker and no Prefect server here: no gate, no drain, no pool.
            "prefect_api_url": "https://api.prefect.cloud/api/accounts/a1/workspaces/w1",
            "prefect_api_key": "pnu_" + "x" * 36,
            "drain_on_destroy": False,
            "create_work_pool": False,
            "flow_run_ec2_capacity": True,
            "flow_run_ec2_max_size": 2,
        },
    )
    ecs, autoscaling, ec2 = aws.client("ecs"), aws.client("autoscaling"), aws.client("ec2")
    (provider,) = [
        r for r in run.resources if r.type == "aws:ecs/capacityProvider:CapacityProvider"
    ]
    (group,) = [r for r in run.resources if r.type == "aws:autoscaling/group:Group"]
    (template,) = [r for r in run.resources if r.type == "aws:ec2/launchTemplate:LaunchTemplate"]

    (got,) = ecs.describe_capacity_providers(capacityProviders=[provider.outputs["name"]])[
        "capacityProviders"
    ]
    assert got["autoScalingGroupProvider"]["autoScalingGroupArn"] == group.outputs["arn"]
    (cluster,) = ecs.describe_clusters(clusters=[run.outputs["clusterArn"]])["clusters"]
    assert provider.outputs["name"] in cluster["capacityProviders"]

    (asg,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group.id])[
        "AutoScalingGroups"
    ]
    assert (asg["MinSize"], asg["MaxSize"], asg["DesiredCapacity"]) == (0, 2, 0)
    assert sorted(asg["VPCZoneIdentifier"].split(",")) == sorted(run.outputs["subnetIds"])
    (version,) = ec2.describe_launch_template_versions(LaunchTemplateId=template.id)[
        "LaunchTemplateVersions"
    ]
    user_data = base64.b64decode(version["LaunchTemplateData"]["UserData"]).decode()
    assert f"ECS_CLUSTER={cluster['clusterName']}" in user_data
    # moto launches no instance (min 0) and would register none: no agent runs on it.
    assert (
        ecs.list_container_instances(cluster=cluster["clusterArn"])["containerInstanceArns"] == []
    )

    created = list(aws.created)
    deleted = aws.destroy()
    assert [c.id for c in deleted] == [c.id for c in reversed(created)]
    assert aws.leftovers(deleted) == []
    assert (
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group.id])[
            "AutoScalingGroups"
        ]
        == []
    )


def test_every_component_resource_type_was_created() -> None:
    # Runs after the variants above (file order).
    missing = ALL_TYPES - SEEN_TYPES
    if not SEEN_TYPES:
        pytest.skip("run with the deployment variants")
    assert not missing, missing


def test_emulator_rejects_what_moto_rejects(aws: MotoAws) -> None:
    from botocore.exceptions import ClientError

    from prefect_ecs_tooling.runner import RecordedResource

    def res(type_: str, name: str, inputs: dict[str, Any]) -> RecordedResource:
        urn = f"urn:pulumi:emu::test::{type_}::{name}"
        return RecordedResource(type_, name, urn, None, True, inputs)

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role, _ = aws.register(res("aws:iam/role:Role", "r", {"assumeRolePolicy": json.dumps(trust)}))
    # The guide's policy with its trailing comma.
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"},]}'
    with pytest.raises(ClientError, match="MalformedPolicyDocument"):
        aws.register(res("aws:iam/rolePolicy:RolePolicy", "p", {"role": role, "policy": policy}))
    with pytest.raises(UnsupportedResourceError):
        aws.invoke("aws:ec2/getAmi:getAmi", {})
