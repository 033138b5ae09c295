"""The rehearsal's setups, offline: which stack file a name or path means, what a stack
expects to exist before it deploys, and what it authenticates with."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefect_ecs_tooling.runner import StackConfigError
from prefect_ecs_tooling.sandbox.setups import (
    EXAMPLES,
    Prerequisites,
    _secret_name,
    credential_kind,
    load_stack,
    stack_file,
)
from tests.support import ROOT

pytestmark = pytest.mark.pure

SETUPS = (
    "self-hosted",
    "existing-pool",
    "existing-network",
    "existing-secret",
    "existing-cluster",
    "spot-arm64",
)


def test_a_name_is_looked_up_at_the_root_then_in_the_examples() -> None:
    assert stack_file(ROOT, "dev") == ROOT / "Pulumi.dev.yaml"
    assert stack_file(ROOT, "self-hosted") == ROOT / EXAMPLES / "Pulumi.self-hosted.yaml"
    path = ROOT / EXAMPLES / "Pulumi.existing-cluster.yaml"
    assert stack_file(ROOT, str(path)) == path
    with pytest.raises(StackConfigError, match=r"no stack file Pulumi\.nope\.yaml"):
        stack_file(ROOT, "nope")
    with pytest.raises(StackConfigError, match="no stack file"):
        stack_file(ROOT, "missing/Pulumi.x.yaml")


def test_an_example_reads_with_the_projects_defaults(tmp_path: Path) -> None:
    config, path = load_stack(ROOT, "existing-network")
    assert path.parent == ROOT / EXAMPLES and config.stack == "existing-network"
    assert config.values["prefect-ecs:subnetIds"].startswith('["subnet-')
    assert config.values["prefect-ecs:readinessGate"] == "true"  # a Pulumi.yaml default
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config: [1\n")
    with pytest.raises(StackConfigError) as info:
        load_stack(ROOT, str(bad))
    assert str(bad) in str(info.value)  # the real file, not the copy it was read from


@pytest.mark.parametrize(
    ("stack", "kind", "made"),
    [
        ("dev", "api_key", set()),
        ("self-hosted", "auth_string", set()),
        ("existing-pool", "api_key", {"pool"}),
        ("existing-network", "api_key", {"vpc", "subnets", "groups"}),
        ("existing-secret", "api_key", {"secret"}),
        ("existing-cluster", "api_key", {"cluster"}),
    ],
)
def test_what_each_example_expects(stack: str, kind: str, made: set[str]) -> None:
    config, _ = load_stack(ROOT, stack)
    assert credential_kind(config) == kind
    needs = Prerequisites(config)
    given = {
        "pool": needs.external_pool,
        "vpc": bool(needs._given("vpcId")),
        "subnets": bool(needs._given("subnetIds")),
        "groups": bool(needs._given("securityGroupIds")),
        "secret": bool(needs._given("prefectApiSecretArn")),
        "cluster": bool(needs._given("clusterArn")),
    }
    assert {k for k, v in given.items() if v} == made
    assert needs.any == bool(made)
    # An auth string stack gets the local server's auth string, never the file's value.
    overrides = needs.secret_overrides()
    if kind == "auth_string":
        assert needs.auth_string is not None and needs.auth_string.startswith("rehearsal:")
        assert overrides == {"prefect-ecs:prefectAuthString": needs.auth_string}
    else:
        assert needs.auth_string is None and overrides == {}


def test_every_documented_setup_has_an_example() -> None:
    found = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (ROOT / EXAMPLES).glob("*.yaml"))
    assert found == sorted(SETUPS)
    readme = (ROOT / "README.md").read_text()
    for name in SETUPS:
        assert f"examples/stacks/Pulumi.{name}.yaml" in readme, name


def test_secret_names_from_arns() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prefect/api-key-Ab12Cd"
    assert _secret_name(arn) == "prefect/api-key"
    assert _secret_name("arn:aws:secretsmanager:us-east-1:1:secret:short") == "short"
