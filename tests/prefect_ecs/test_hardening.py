"""The hardening rules (rules/urls, tags, aws_ids, credentials, cost; image_problem): each
bad input refused naming its field and fix, or warned about, before anything exists."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs.args import ARGS_BY_NAME
from prefect_ecs.documents.tags import MAX_TAGS, component_tags
from prefect_ecs.rules.aws_ids import ARN_ARGS, ARN_SCOPE
from prefect_ecs.settings import findings_now, stack_region
from prefect_ecs.validation import ConfigWarning, image_problem, kind_problem, shown_url

pytestmark = pytest.mark.pure

SELF = "https://prefect.example.com/api"
CLOUD = "https://api.prefect.cloud/api/accounts/a1/workspaces/w1"
KEY = "pnu_0123456789abcdef"
ACCOUNT = "123456789012"
PASSWORD = "Hunter2-never-shown"


def errors(args: dict[str, Any], region: str | None = None) -> list[tuple[str, str]]:
    return findings_now({"prefect_api_url": SELF, **args}, region=region)[0]


def warnings(args: dict[str, Any]) -> list[ConfigWarning]:
    return findings_now({"prefect_api_url": SELF, **args})[1]


def assert_refused(found: list[tuple[str, str]], field: str, fragment: str) -> None:
    assert any(f == field and fragment in msg for f, msg in found), found


# ------------------------------------------------------------------------------ URLs
@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        (f"https://admin:{PASSWORD}@prefect.example.com/api", "use 'https://prefect.example.com/api'"),
        (f"https://{PASSWORD}@prefect.example.com/api", "user name or password before '@'"),
        ("http://api.prefect.cloud/api/accounts/a1/workspaces/w1",
         "only serves https: use https://api.prefect.cloud/api/accounts/a1/workspaces/w1"),
        ("https://api.prefect.cloud/api", "needs the account and the workspace"),
        ("https://api.prefect.cloud/api/accounts/a1", "needs the account and the workspace"),
        ("https://api.prefect.cloud/api/accounts/a1/workspaces/", "needs the account and the workspace"),
        ("https://app.prefect.cloud/account/a1/workspace/w1/dashboard",
         "not the API's; use https://api.prefect.cloud/api/accounts/a1/workspaces/w1"),
        ("https://app.prefect.cloud/", "/account/<id>/workspace/<id>"),
        ("http://[::1/api", "is not an http(s) URL"),
        ("https://prefect.example.com:99999/api", "port that is not a number"),
    ],
    ids=["userinfo", "user-only", "cloud-http", "cloud-bare", "cloud-no-workspace",
         "cloud-empty-workspace", "cloud-ui", "cloud-ui-root", "ipv6-unclosed", "port"],
)  # fmt: skip
def test_bad_api_urls_are_refused(url: str, fragment: str) -> None:
    found = errors({"prefect_api_url": url, "prefect_api_key": KEY})
    assert_refused(found, "prefect_api_url", fragment)
    assert PASSWORD not in str(found)


def test_url_userinfo_never_repeats_the_password() -> None:
    for url in (f"https://admin:{PASSWORD}@h/api", f"ftp://admin:{PASSWORD}@h/api"):
        found = errors({"prefect_api_url": url})
        assert found and PASSWORD not in str(found), found
    assert shown_url(f"https://a:{PASSWORD}@h:1/api") == "https://***@h:1/api"


def test_self_hosted_url_without_api_is_a_warning_only() -> None:
    args = {"prefect_api_url": "https://prefect.example.com"}
    assert errors(args) == []
    (warning,) = warnings(args)
    assert warning.field == "prefect_api_url" and "/api" in warning.message


@pytest.mark.parametrize(
    "url", [SELF, CLOUD, CLOUD + "/", "http://127.0.0.1:4200/api", "https://h/prefix/api/"]
)
def test_good_api_urls_pass_without_warnings(url: str) -> None:
    args = {"prefect_api_url": url, "prefect_api_key": KEY}
    assert findings_now(args) == ([], [])


# ------------------------------------------------------------------------------ tags
@pytest.mark.parametrize(
    ("tags", "fragment"),
    [
        ({"aws:team": "x"}, "a prefix AWS keeps"),
        ({"AWS:team": "x"}, "a prefix AWS keeps"),
        ({"k" * 129: "x"}, "has 129 characters; AWS allows at most 128"),
        ({"team": "v" * 257}, "has 257 characters; AWS allows at most 256"),
        ({"team#1": "x"}, "'#', which AWS refuses"),
        ({"team": "a;b"}, "';', which AWS refuses"),
        ({"": "x"}, "empty key"),
        ({"prefect-ecs:component": "x"}, "the tag the component puts on every resource"),
        ({f"k{i}": "v" for i in range(MAX_TAGS)}, "make 51; AWS allows at most 50"),
    ],
    ids=["aws-prefix", "AWS-prefix", "long-key", "long-value", "key-char", "value-char",
         "empty-key", "component-key", "too-many"],
)  # fmt: skip
def test_bad_tags_are_refused(tags: dict[str, str], fragment: str) -> None:
    assert_refused(errors({"tags": tags}), "tags", fragment)


def test_tags_at_the_limits_pass() -> None:
    limit = MAX_TAGS - len(component_tags("w"))
    tags = {f"k{i}": "v" for i in range(limit - 2)}
    tags |= {"k" * 128: "v" * 256, "Équipe data/ml:+=@._-": "café ok"}
    assert errors({"tags": tags}) == []


# ------------------------------------------------------------------------------ ids, ARNs
@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        ({"vpc_id": "subnet-0abc", "subnet_ids": ["subnet-1"]}, "vpc_id", "id of a subnet, not of a VPC"),
        ({"vpc_id": "vpc-1", "subnet_ids": ["sg-0abc"]}, "subnet_ids", "id of a security group, not of a subnet"),
        ({"security_group_ids": ["subnet-0abc"]}, "security_group_ids", "id of a subnet, not of a security group"),
        ({"security_group_ids": ["sgr-0abc"]}, "security_group_ids", "a security group rule"),
        ({"vpc_id": f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/vpc-1", "subnet_ids": ["subnet-1"]},
         "vpc_id", "is an ARN; give a VPC's id alone"),
        ({"security_group_ids": [f"sg-{i}" for i in range(6)]}, "security_group_ids", "has 6 ids; ECS allows at most 5"),
        ({"vpc_id": "vpc-1", "subnet_ids": [f"subnet-{i}" for i in range(17)]}, "subnet_ids", "at most 16"),
        ({"security_group_ids": ["sg-1", "sg-1"]}, "security_group_ids", "lists an id twice"),
    ],
    ids=["vpc-is-subnet", "subnet-is-sg", "sg-is-subnet", "sg-rule", "vpc-arn", "six-groups",
         "seventeen-subnets", "twice"],
)  # fmt: skip
def test_ids_of_the_wrong_kind_are_refused(args: dict[str, Any], field: str, fragment: str) -> None:
    assert_refused(errors(args), field, fragment)


def test_ids_of_the_right_kind_pass() -> None:
    args = {"vpc_id": "vpc-1", "subnet_ids": ["subnet-1", "subnet-2"],
            "security_group_ids": [f"sg-{i}" for i in range(5)]}  # fmt: skip
    assert errors(args) == []


SECRET_EU = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:k-AbCdEf"


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        ({"prefect_api_secret_arn": SECRET_EU}, "prefect_api_secret_arn", "is in eu-west-1, but the stack deploys to us-east-1"),
        ({"cluster_arn": f"arn:aws:ecs:us-west-2:{ACCOUNT}:cluster/c"}, "cluster_arn", "is in us-west-2"),
        ({"secret_kms_key_arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1"}, "secret_kms_key_arn", "keys of its own region"),
        ({"observer_kms_key_arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1"}, "observer_kms_key_arn", "is in eu-west-1"),
        ({"alarm_topic_arn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:t"}, "alarm_topic_arn", "is in eu-west-1"),
        ({"flow_run_task_role_arn": f"arn:aws-cn:iam::{ACCOUNT}:role/r"}, "flow_run_task_role_arn", "partition aws-cn"),
        ({"flow_run_task_role_policy_arns": ["arn:aws-us-gov:iam::aws:policy/P"]},
         "flow_run_task_role_policy_arns", "partition aws-us-gov"),
        ({"flow_run_image_repository_arns": [f"arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/r"]},
         "flow_run_image_repository_arns", "use arn:aws:..."),
    ],
    ids=["secret", "cluster", "secret-key", "observer-key", "topic", "role", "policy", "repository"],
)  # fmt: skip
def test_arns_elsewhere_than_the_stack_are_refused(
    args: dict[str, Any], field: str, fragment: str
) -> None:
    assert_refused(errors(args, region="us-east-1"), field, fragment)
    assert errors(args, region=None) == []  # region unknown: not compared


def test_global_arns_may_be_in_another_region_and_china_stacks_use_aws_cn() -> None:
    repo = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/flows"
    assert errors({"flow_run_image_repository_arns": [repo]}, region="us-east-1") == []
    secret = f"arn:aws-cn:secretsmanager:cn-north-1:{ACCOUNT}:secret:k-AbCdEf"
    assert errors({"prefect_api_secret_arn": secret}, region="cn-north-1") == []
    assert_refused(errors({"prefect_api_secret_arn": secret}, region="us-east-1"),
                   "prefect_api_secret_arn", "partition aws-cn")  # fmt: skip


def test_every_arn_argument_has_a_scope() -> None:
    assert set(ARN_ARGS) == set(ARN_SCOPE)


def test_stack_region_is_unknown_with_an_explicit_aws_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pulumi
    from pulumi.runtime import config as runtime_config

    class Provider:
        package = "aws"

    before = runtime_config.CONFIG.get()
    try:
        runtime_config.set_all_config({})
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
        monkeypatch.delenv("AWS_REGION", raising=False)
        assert stack_region() is None
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        assert stack_region(pulumi.ResourceOptions()) == "eu-west-1"
        runtime_config.set_all_config({"aws:region": "ap-south-1"})
        assert stack_region() == "ap-south-1"  # the config wins, as in pulumi_aws
        for opts in (
            pulumi.ResourceOptions(provider=Provider()),  # type: ignore[arg-type]
            pulumi.ResourceOptions(providers=[Provider()]),  # type: ignore[list-item]
            pulumi.ResourceOptions(providers={"aws": Provider()}),  # type: ignore[dict-item]
        ):
            assert stack_region(opts) is None
    finally:
        runtime_config.CONFIG.set(before)


# ------------------------------------------------------------------------------ images
@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        ("repo@sha256:abc", "not sha256: followed by 64"),
        ("repo@sha256:" + "A" * 64, "not sha256: followed by 64"),
        ("repo@md5:" + "a" * 64, "not sha256: followed by 64"),
        ("repo:1.0@sha256:" + "a" * 63, "not sha256: followed by 64"),
        ("repo:", "an empty tag"),
        ("host:5000/repo:", "an empty tag"),
        ("repo:1.0 ", "contains whitespace"),
        ("repo :1.0", "contains whitespace"),
    ],
)
def test_bad_image_references(image: str, fragment: str) -> None:
    assert fragment in (image_problem(image) or ""), image_problem(image)
    assert_refused(errors({"worker_image": image}), "worker_image", fragment)


@pytest.mark.parametrize(
    "image", ["repo@sha256:" + "a" * 64, "repo:1.0@sha256:" + "0" * 64, "host:5000/team/repo:1.2"]
)
def test_good_image_references(image: str) -> None:
    assert image_problem(image) is None


# ------------------------------------------------------------------------------ cost
def test_many_workers_warn_with_their_monthly_cost() -> None:
    args = {"worker_desired_count": 10, "worker_cpu": 1024, "worker_memory": 2048}
    assert errors(args) == []
    (warning,) = warnings(args)
    assert warning.field == "worker_desired_count"
    # ARM64 (the default): 10 x (1 vCPU x 0.03238 + 2 GB x 0.00356) x 730 h = 288.35
    assert "$288 a month" in warning.message and "2026-03" in warning.message
    assert warnings({"worker_desired_count": 3}) == []


def test_a_secret_of_the_wrong_type_is_not_shown() -> None:
    message = kind_problem(ARGS_BY_NAME["prefect_api_key"], 1234567890)
    assert message == "must be a string, not a value of type int"


# ------------------------------------------------------------------------------ credentials
#: (kind, value, refused): every case through the stack's rules and the pool provider.
CREDENTIAL_VALUES: list[tuple[str, str, bool]] = [
    ("api_key", KEY, False),
    ("api_key", "", True),
    ("api_key", "   ", True),
    ("api_key", "null", True),
    ("api_key", "None", True),
    ("api_key", KEY + "\n", True),
    ("api_key", " " + KEY, True),
    ("api_key", "pnu_abc def", True),
    ("api_key", "pnu_abc\tdef", True),
    ("api_key", "pnu_abc\x00def", True),
    ("api_key", "pnu_clé_0123", True),
    ("auth_string", "admin:pw", False),
    ("auth_string", "admin:p:w", False),
    ("auth_string", "", True),
    ("auth_string", "null", True),
    ("auth_string", "adminpw", True),
    ("auth_string", ":pw", True),
    ("auth_string", "admin:", True),
    ("auth_string", "admin:pw\n", True),
    ("auth_string", "ädmin:pw", True),
]
FIELD = {"api_key": "prefect_api_key", "auth_string": "prefect_auth_string"}


@pytest.mark.parametrize(("kind", "value", "refused"), CREDENTIAL_VALUES)
def test_stack_rules_and_pool_provider_agree_on_credentials(
    kind: str, value: str, refused: bool
) -> None:
    from prefect_ecs.work_pool.provider import WorkPoolProvider

    found = errors({FIELD[kind]: value})
    by_rules = [msg for f, msg in found if f == FIELD[kind]]
    check = WorkPoolProvider().check({}, {"name": "pool", "api_url": SELF, kind: value})
    by_provider = [f.reason for f in check.failures if f.property == kind]
    assert (bool(by_rules), bool(by_provider)) == (refused, refused), (by_rules, by_provider)
    if refused and len(value.strip()) > 4:  # a null word ("null") is named as what it is
        assert value.strip() not in str(found) + str(by_provider)
