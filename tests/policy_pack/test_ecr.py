"""The flow image's ECR repository policy: immutable tags and scan on push."""

from __future__ import annotations

import pytest

from tests.fixtures.manual_guide import resource, secret
from tests.fixtures.policy_helpers import by_policy, validate

# isort: split
from prefect_ecs_policies import ecr
from prefect_ecs_policies.analyzer import UNKNOWN, analyze_resources

pytestmark = pytest.mark.pure

REPO = "aws:ecr/repository:Repository"
POLICY = "prefect-ecr-repository-hardened"


def repo(**props: object) -> dict:
    good: dict = {
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "forceDelete": True,
    }
    good.update(props)
    return {k: v for k, v in good.items() if v is not None}


def check(props: dict) -> list[str]:
    return validate(ecr.prefect_ecr_repository_hardened, REPO, props)


@pytest.mark.parametrize(
    "props",
    [
        repo(),
        repo(imageTagMutability="IMMUTABLE_WITH_EXCLUSION"),
        repo(imageScanningConfiguration=secret({"scanOnPush": True})),
    ],
)
def test_hardened_repository_passes(props: dict) -> None:
    assert check(props) == []


@pytest.mark.parametrize("mutability", ["MUTABLE", "MUTABLE_WITH_EXCLUSION", None])
def test_mutable_tags_are_flagged(mutability: str | None) -> None:
    (message,) = check(repo(imageTagMutability=mutability))
    assert message.startswith("imageTagMutability ")
    assert ("unset (ECR's default: MUTABLE)" if mutability is None else mutability) in message


def test_no_scan_on_push_is_flagged() -> None:
    (message,) = check(repo(imageScanningConfiguration={"scanOnPush": False}))
    assert "has scanOnPush false" in message and "scanOnPush to true" in message
    (message,) = check(repo(imageScanningConfiguration={}))
    assert "scanOnPush" in message


def test_missing_configuration_reports_both() -> None:
    messages = check({})
    assert len(messages) == 2
    assert "imageTagMutability is unset" in messages[0]
    assert "imageScanningConfiguration is unset" in messages[1]


def test_through_the_analyzer_mandatory_and_only_for_repositories() -> None:
    resources = [
        resource(REPO, "good", repo()),
        resource(REPO, "mutable", repo(imageTagMutability="MUTABLE")),
        resource(REPO, "bare", {}),
        # Other types are not this policy's business, even with the same props.
        resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lp", {"repository": "x"}),
    ]
    found = by_policy(analyze_resources(resources), POLICY)
    assert sorted((v.resource_name, v.enforcement_level) for v in found) == [
        ("bare", "mandatory"),
        ("bare", "mandatory"),
        ("mutable", "mandatory"),
    ]
    assert by_policy(analyze_resources(resources, {POLICY: "disabled"}), POLICY) == []


def test_unknown_at_preview_is_not_a_verdict() -> None:
    found = by_policy(
        analyze_resources([resource(REPO, "r", repo(imageTagMutability=UNKNOWN))]), POLICY
    )
    assert [v.enforcement_level for v in found] == ["advisory"]
    assert "can't run policy" in found[0].message
