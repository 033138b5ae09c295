"""resolve_settings: unknown keys, structural switches, kinds, every problem at once, and
values known only later checked before the resources that use them."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from prefect_ecs import PrefectEcsConfigError, PrefectEcsWorker
from prefect_ecs.documents.names import longest_component_name
from tests.support import SELF, ConsumerAws, config_error, problems_of, run

pytestmark = pytest.mark.mocks

TD = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"


def test_unknown_keys_are_refused_with_a_suggestion() -> None:
    found = problems_of({"prefect_api_url": SELF, "worker_memroy": 4096, "workerCpu": 512})
    assert ("worker_memroy", "unknown argument; did you mean 'worker_memory'?") in found
    assert ("workerCpu", "unknown argument; did you mean 'worker_cpu'?") in found


@pytest.mark.parametrize("value", ["false", 0, pulumi.Output.from_input(False)])
def test_structural_switches_must_be_plain_bools(value: Any) -> None:
    found = problems_of({"prefect_api_url": SELF, "create_work_pool": value})
    assert [f for f, _ in found] == ["create_work_pool"]
    assert "must be a plain True or False" in found[0][1]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("assign_public_ip", "false", "must be true or false, got 'false' (a str)"),
        ("worker_cpu", "512", "must be an integer, got '512' (a str)"),
        ("subnet_ids", "subnet-1", "must be a list of non-empty strings"),
        ("tags", {"team": 1}, "mapping of string to string"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(field: str, value: Any, fragment: str) -> None:
    args = {"prefect_api_url": SELF, field: value}
    if field == "subnet_ids":
        args["vpc_id"] = "vpc-1"
    found = problems_of(args)
    assert any(f == field and fragment in msg for f, msg in found), found


def test_every_problem_at_once_as_input_properties_error() -> None:
    with pytest.raises(PrefectEcsConfigError) as info:
        run(lambda: PrefectEcsWorker("w", {"prefect_api_url": "nope", "worker_desired_count": -2,
                                           "log_retention_days": 2, "bogus": 1}))  # type: ignore[typeddict-unknown-key]  # fmt: skip
    error = info.value
    assert isinstance(error, pulumi.InputPropertiesError)
    paths = [e["property_path"] for e in error.errors]
    assert paths == [f for f, _ in error.problems]
    assert set(paths) == {"bogus", "prefect_api_url", "worker_desired_count", "log_retention_days"}


def test_a_component_name_too_long_for_iam_says_the_longest_that_fits() -> None:
    longest = longest_component_name()
    assert longest == 37  # IAM's 64 - len("-flow-run-execution") - Pulumi's 8-character suffix
    run(lambda: PrefectEcsWorker("n" * longest, {"prefect_api_url": SELF}))
    found = problems_of({"prefect_api_url": SELF}, name="n" * (longest + 1))
    assert found[0][0] == "name"
    assert "over AWS's 64; use a component name of at most 37 characters" in found[0][1]


def test_a_component_named_prefect_gets_a_pool_name_the_server_accepts() -> None:
    """The stack program's component is named "prefect"; a stack without workPoolName
    must not be refused for a default the user never chose."""
    from prefect_ecs.settings import resolve_settings

    run(lambda: PrefectEcsWorker("prefect", {"prefect_api_url": SELF}))
    s = resolve_settings("prefect", {"prefect_api_url": SELF})
    assert s.values["work_pool_name"] == "ecs-prefect"
    assert resolve_settings("etl", {"prefect_api_url": SELF}).values["work_pool_name"] == "etl"


def test_an_output_value_is_checked_when_it_resolves_before_its_resources() -> None:
    fake = ConsumerAws()
    with pytest.raises(Exception) as info:
        run(
            lambda: PrefectEcsWorker(
                "w", {"prefect_api_url": SELF, "worker_memory": pulumi.Output.from_input(999)}
            ),
            fake,
        )
    assert config_error(info.value).problems == [
        ("worker_memory", "memory 999 is not valid with cpu 256; valid memory values for cpu "
         "256: 512, 1024, 2048")
    ]  # fmt: skip
    types = [r.type for r in fake.registered]
    assert TD not in types and SERVICE not in types  # the resources that use the value
    assert "aws:iam/role:Role" in types  # the others were declared before it resolved


def test_an_output_of_an_empty_subnet_list_fails_before_the_service() -> None:
    fake = ConsumerAws()
    with pytest.raises(Exception, match="resolved to an empty list"):
        run(
            lambda: PrefectEcsWorker(
                "w",
                {"prefect_api_url": SELF, "vpc_id": "vpc-1",
                 "subnet_ids": pulumi.Output.from_input([])},
            ),
            fake,
        )  # fmt: skip
    assert SERVICE not in [r.type for r in fake.registered]
