"""A consumer's infrastructure: two Prefect workers built on prefect-ecs, with the shapes
Pulumi users pass (lists of Outputs, Outputs of lists, a policy of this program)."""

import json

import pulumi
import pulumi_aws as aws

from prefect_ecs import PrefectEcsWorker

API_URL = "https://prefect.example.com/api"
config = pulumi.Config()
auth = config.require_secret("prefectAuthString")

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
subnets = [
    aws.ec2.Subnet(f"private-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24") for i in range(2)
]
tasks_group = aws.ec2.SecurityGroup("tasks", vpc_id=vpc.id)
reader = aws.iam.Policy(
    "read-data",
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}
            ],
        }
    ),
)

etl = PrefectEcsWorker(
    "etl",
    {
        "prefect_api_url": API_URL,
        "prefect_auth_string": auth,
        "vpc_id": vpc.id,
        "subnet_ids": [s.id for s in subnets],
        "security_group_ids": [tasks_group.id],
        "flow_run_task_role_policy_arns": [reader.arn],
    },
)
backfill = PrefectEcsWorker(
    "backfill",
    {
        "prefect_api_url": API_URL,
        "prefect_auth_string": auth,
        "vpc_id": vpc.id,
        "subnet_ids": pulumi.Output.all(*[s.id for s in subnets]),
        "flow_run_task_role_policy_arns": reader.arn.apply(lambda arn: [arn]),
        "tags": pulumi.Output.from_input({"team": "data"}),
    },
)
aws.iam.RolePolicyAttachment(
    "backfill-read", role=backfill.flow_run_task_role_name, policy_arn=reader.arn
)

pulumi.export("pools", [etl.work_pool_name, backfill.work_pool_name])
