"""The offline analyzer: SDK servicer path, CLI config emulation, unknowns, secrets, reports."""

from __future__ import annotations

import ast
import asyncio
import io
import json

import pytest

from tests.fixtures.manual_guide import (
    MANUAL_GUIDE_ADVISORY,
    MANUAL_GUIDE_MANDATORY,
    good_stack_resources,
    manual_guide_resources,
    resource,
    secret,
)
from tests.fixtures.policy_helpers import POLICY_PACK_DIR, by_policy, container, task_definition

# isort: split
from prefect_ecs_policies import ALL_POLICIES, PACK_NAME, PACK_VERSION, POLICY_NAMES
from prefect_ecs_policies.analyzer import (
    UNKNOWN,
    PolicyConfigError,
    Violation,
    analyze_resources,
    build_servicer,
    enforce,
    format_report,
    load_config,
    reconcile_config,
)

pytestmark = pytest.mark.pure

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def log_group(days: object = None, name: str = "lg") -> dict:
    inputs = {"name": "/x"} if days is None else {"name": "/x", "retentionInDays": days}
    return resource(LOG_GROUP, name, inputs)


def test_manual_guide_is_flagged_with_exactly_the_expected_policies() -> None:
    violations = analyze_resources(manual_guide_resources())
    assert {v.policy_name for v in violations if v.mandatory} == MANUAL_GUIDE_MANDATORY
    assert {v.policy_name for v in violations if not v.mandatory} == MANUAL_GUIDE_ADVISORY
    assert enforce(manual_guide_resources(), stream=io.StringIO()) == 1


def test_manual_guide_worker_role_findings_name_each_defect() -> None:
    role = [
        v for v in analyze_resources(manual_guide_resources()) if v.resource_name == "ecsTaskRole"
    ]
    text = "\n".join(v.message for v in role)
    assert "iam:PassRole on every role" in text
    assert "iam:PassedToService" in text
    assert "'ecs:*'" in text and "ecs:cluster" in text
    assert all(
        v.resource_type == "aws:iam/role:Role" and v.urn.endswith("ecsTaskRole") for v in role
    )


def test_good_stack_passes_every_policy() -> None:
    violations = analyze_resources(good_stack_resources())
    assert violations == []
    assert enforce(good_stack_resources(), stream=io.StringIO()) == 0


def test_good_stack_with_required_tags_config() -> None:
    ok = analyze_resources(good_stack_resources(), {"required-tags": {"requiredTags": ["project"]}})
    assert ok == []
    bad = analyze_resources(good_stack_resources(), {"required-tags": {"requiredTags": ["owner"]}})
    tagged = {v.resource_name for v in bad}
    # Every taggable resource, and only those (no secret versions, role policies, work pool).
    assert "worker-task-def" in tagged and "prefect-api-key" in tagged
    assert not tagged & {"prefect-api-key-version", "worker-task-policy", "work-pool"}
    assert {v.policy_name for v in bad} == {"required-tags"}


def test_schema_defaults_are_applied_like_the_cli() -> None:
    reconciled = reconcile_config(build_servicer(), None)
    assert reconciled["log-group-retention"] == ["mandatory", {"minimumRetentionDays": 30}]
    assert reconciled["secretsmanager-customer-kms-key"] == ["advisory", None]
    assert reconciled["ecs-service-no-public-ip"][1] == {"allowPublicIp": False}
    assert set(reconciled) == set(POLICY_NAMES)


def test_config_threshold_and_enforcement_overrides() -> None:
    resources = [log_group(14)]
    assert [v.enforcement_level for v in analyze_resources(resources)] == ["mandatory"]
    assert analyze_resources(resources, {"log-group-retention": {"minimumRetentionDays": 7}}) == []
    relaxed = analyze_resources(resources, {"log-group-retention": "advisory"})
    assert [v.enforcement_level for v in relaxed] == ["advisory"]
    assert analyze_resources(resources, {"log-group-retention": "disabled"}) == []
    # "all" applies first, then per-policy levels win.
    everything_advisory = analyze_resources(manual_guide_resources(), {"all": "advisory"})
    assert everything_advisory and not any(v.mandatory for v in everything_advisory)
    mixed = analyze_resources(
        resources, {"all": "advisory", "log-group-retention": {"enforcementLevel": "mandatory"}}
    )
    assert [v.enforcement_level for v in mixed] == ["mandatory"]


@pytest.mark.parametrize(
    "config",
    [
        {"log-group-retention": {"minimumRetentionDays": "thirty"}},
        {"log-group-retention": {"minimumRetentionDays": 0}},
        {"ecs-image-pinned": {"allowedRegistries": "docker.io"}},
        {"log-group-retention": "strict"},
        {"log-group-retention": 3},
    ],
)
def test_invalid_config_is_rejected(config: dict) -> None:
    with pytest.raises(PolicyConfigError):
        analyze_resources([log_group(30)], config)
    assert enforce([log_group(30)], config, stream=io.StringIO()) == 2


def test_unknown_values_give_a_preview_advisory_not_a_crash() -> None:
    resources = [log_group(UNKNOWN), task_definition(container(), name="td")]
    resources[1]["inputs"]["containerDefinitions"] = UNKNOWN
    violations = analyze_resources(resources)
    assert violations and all(v.enforcement_level == "advisory" for v in violations)
    assert all("during preview" in v.message for v in violations)
    assert {"log-group-retention", "ecs-image-pinned", "prefect-worker-pool-exists"} <= {
        v.policy_name for v in violations
    }


def test_secret_envelopes_are_unwrapped_as_the_sdk_does() -> None:
    resources = [
        log_group(secret(7)),
        resource(
            "aws:iam/role:Role",
            "r",
            {"inlinePolicies": [{"name": "p", "policy": secret('{"Statement": []}')}]},
        ),
    ]
    violations = analyze_resources(resources)
    assert [(v.policy_name, v.resource_name) for v in violations] == [("log-group-retention", "lg")]
    assert "retentionInDays is 7" in violations[0].message


def test_internal_inputs_are_not_sent_and_objects_are_accepted() -> None:
    class Recorded:
        def __init__(self, **kw: object) -> None:
            self.__dict__.update(kw)

    item = log_group(1)
    obj = Recorded(type=item["type"], name="obj", urn=item["urn"], inputs=item["inputs"])
    obj.inputs = {**obj.inputs, "__provider": "not-json-safe"}
    violations = analyze_resources([obj])
    assert [v.resource_name for v in violations] == ["obj"]


def test_provider_default_tags_count_as_tags() -> None:
    provider_urn = "urn:pulumi:dev::p::pulumi:providers:aws::tagged"
    provider = {
        "type": "pulumi:providers:aws",
        "name": "tagged",
        "urn": provider_urn,
        "inputs": {"region": "us-east-1", "defaultTags": json.dumps({"tags": {"owner": "x"}})},
    }
    group = {**log_group(30), "provider": f"{provider_urn}::abc-id"}
    config = {"required-tags": {"requiredTags": ["owner"]}}
    assert analyze_resources([provider, group], config) == []
    assert by_policy(analyze_resources([log_group(30)], config), "required-tags")


def test_works_inside_a_running_event_loop() -> None:
    async def main() -> list[Violation]:
        return analyze_resources([log_group(1)])

    assert [v.policy_name for v in asyncio.run(main())] == ["log-group-retention"]


def test_format_report_groups_by_resource() -> None:
    report = format_report(analyze_resources(manual_guide_resources()))
    assert "aws:iam/role:Role  ecsTaskRole" in report
    assert report.count("aws:ecs/taskDefinition:TaskDefinition  prefect-worker-task") == 1
    assert "[mandatory] iam-passrole-scoped" in report
    assert report.splitlines()[-1].startswith("Policy pack prefect-ecs: 10 mandatory, 3 advisory")
    assert format_report([]) == "Policy pack prefect-ecs: no violations."
    stack_level = Violation("p", "mandatory", "", "", "", "stack-wide")
    assert format_report([stack_level]).startswith("stack\n")


def test_load_config(tmp_path) -> None:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps({"log-group-retention": {"minimumRetentionDays": 7}}))
    assert analyze_resources([log_group(7)], load_config(path)) == []
    path.write_text("")
    assert load_config(path) == {}


def test_servicer_shape_is_pinned() -> None:
    """The private SDK API the analyzer relies on still exists with the same shape."""
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    for method in ("Analyze", "AnalyzeStack", "Configure", "GetAnalyzerInfo", "ConfigureStack"):
        assert callable(getattr(_PolicyAnalyzerServicer, method))
    info = build_servicer().GetAnalyzerInfo(None, None)
    assert info.name == PACK_NAME and info.version == PACK_VERSION
    assert [p.name for p in info.policies] == POLICY_NAMES


def test_every_policy_is_documented_and_unique() -> None:
    assert len(set(POLICY_NAMES)) == len(ALL_POLICIES) >= 15
    readme = (POLICY_PACK_DIR / "README.md").read_text()
    for policy in ALL_POLICIES:
        assert policy.description and policy.enforcement_level is not None
        assert f"`{policy.name}`" in readme, policy.name
        for key, prop in (policy.config_schema.properties if policy.config_schema else {}).items():
            assert "default" in prop, (policy.name, key)
            assert f"`{key}`" in readme, (policy.name, key)


def test_pack_files() -> None:
    yaml_text = (POLICY_PACK_DIR / "PulumiPolicy.yaml").read_text()
    assert f"version: {PACK_VERSION}" in yaml_text and "name: python" in yaml_text
    requirements = (POLICY_PACK_DIR / "requirements.txt").read_text()
    assert "pulumi-policy" in requirements
    main = ast.parse((POLICY_PACK_DIR / "__main__.py").read_text())
    assert not [n for n in main.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    calls = [n for n in ast.walk(main) if isinstance(n, ast.Call)]
    assert [c.func.id for c in calls if isinstance(c.func, ast.Name)] == ["PolicyPack"]
