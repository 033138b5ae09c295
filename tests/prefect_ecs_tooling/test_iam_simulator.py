"""The IAM simulator wrapper (prefect_ecs_tooling.iam_simulator) against the real evaluator.

Each test pairs an Allowed with a denial on the same policy, so a wrapper that answered
one way for everything fails.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from prefect_ecs_tooling import iam_simulator as sim

pytestmark = pytest.mark.pure

_REASON = sim.unavailable_reason()
if _REASON is not None:
    pytest.skip(f"IAM simulator unavailable: {_REASON}", allow_module_level=True)

ACCOUNT = "123456789012"
ECS = f"arn:aws:ecs:us-east-1:{ACCOUNT}"
CLUSTER = f"{ECS}:cluster/main"
OTHER_CLUSTER = f"{ECS}:cluster/other"


def td(family: str, revision: int = 1) -> str:
    return f"{ECS}:task-definition/{family}:{revision}"


def allow(resource: str | list[str], action: str = "ecs:RunTask", **extra: Any) -> dict[str, Any]:
    """A one-statement identity policy (Sid ``Grant``); ``extra``: e.g. ``Condition=...``."""
    statement = {"Sid": "Grant", "Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def decisions(policy: dict[str, Any], resources: list[str]) -> dict[str, str | None]:
    """``ecs:RunTask`` on each of ``resources`` under ``policy``, in one batch."""
    results = sim.simulate(sim.Request([policy], "ecs:RunTask", r) for r in resources)
    return {r.request.resource: r.result for r in results}


def test_allow_on_matching_arn_only() -> None:
    policy = allow(td("etl", 3))
    results = sim.simulate(
        [
            sim.Request([policy], "ecs:RunTask", td("etl", 3)),
            sim.Request([policy], "ecs:RunTask", td("etl", 4)),
            sim.Request([policy], "ecs:RunTask", td("etl2", 3)),
        ]
    )
    assert [r.result for r in results] == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]
    assert results[0].allow == ("Grant",) and results[0].allowed
    assert results[1].allow == () and not results[1].allowed


def test_question_mark_matches_exactly_one_character() -> None:
    got = decisions(
        allow(f"{ECS}:task-definition/fam_???:*"),
        [td("fam_abc"), td("fam_a-9"), td("fam_ab"), td("fam_abcd"), td("fam_"), td("fam_ab:")],
    )
    assert got == {
        td("fam_abc"): "Allowed",
        td("fam_a-9"): "Allowed",
        td("fam_ab"): "ImplicitlyDenied",
        td("fam_abcd"): "ImplicitlyDenied",
        td("fam_"): "ImplicitlyDenied",
        # '?' matches ':' too: one character, whatever it is
        td("fam_ab:"): "Allowed",
    }


def test_star_matches_any_run_of_characters() -> None:
    got = decisions(
        allow(f"{ECS}:task-definition/fam_*"),
        [td("fam_", 1), td("fam_x", 7), td("fam_a_b_c-d", 12), td("fa_x"), td("xfam_a")],
    )
    assert got == {
        td("fam_", 1): "Allowed",  # the empty run
        td("fam_x", 7): "Allowed",  # and across the ':' before the revision
        td("fam_a_b_c-d", 12): "Allowed",
        td("fa_x"): "ImplicitlyDenied",
        td("xfam_a"): "ImplicitlyDenied",  # anchored at the start
    }


def test_arn_equals_cluster_condition() -> None:
    policy = allow(f"{ECS}:task-definition/*", Condition={"ArnEquals": {"ecs:cluster": CLUSTER}})
    results = sim.simulate(
        [
            sim.Request([policy], "ecs:RunTask", td("etl"), {"ecs:cluster": CLUSTER}),
            sim.Request([policy], "ecs:RunTask", td("etl"), {"ecs:cluster": OTHER_CLUSTER}),
            sim.Request([policy], "ecs:RunTask", td("etl"), {}),
        ]
    )
    assert [r.result for r in results] == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_explicit_deny_wins_over_allow() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "All", "Effect": "Allow", "Action": "ecs:*", "Resource": "*"},
            {"Sid": "NotThis", "Effect": "Deny", "Action": "ecs:RunTask", "Resource": td("secret", 1)},
        ],
    }  # fmt: skip
    denied, allowed = sim.simulate(
        [
            sim.Request([policy], "ecs:RunTask", td("secret", 1)),
            sim.Request([policy], "ecs:RunTask", td("public", 1)),
        ]
    )
    assert denied.result == "ExplicitlyDenied" and denied.deny == ("NotThis",)
    assert denied.allow == ("All",)  # the Allow matched too, and lost
    assert allowed.result == "Allowed" and allowed.deny == ()


def test_deny_in_a_second_policy_document_wins() -> None:
    grant = allow("*")
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ecs:*", "Resource": "*"}]}  # fmt: skip
    assert sim.is_allowed(grant, "ecs:RunTask", td("etl"))
    assert not sim.is_allowed([grant, deny], "ecs:RunTask", td("etl"))


def test_results_keep_request_order() -> None:
    policy = allow(td("b"))
    families = ["a", "b", "c", "b", "a", "b"]
    results = sim.simulate(sim.Request([policy], "ecs:RunTask", td(f)) for f in families)
    assert [r.allowed for r in results] == [f == "b" for f in families]
    assert [r.request.resource for r in results] == [td(f) for f in families]


@pytest.mark.parametrize(
    ("policy", "action", "resource", "context", "message"),
    [
        pytest.param(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Action": "ecs:RunTask", "Resource": "*"}]},
            "ecs:RunTask", td("etl"), {}, "Effect", id="malformed-effect",
        ),
        pytest.param(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]},
            "ecs:RunTask", td("etl"), {}, "policy.errors", id="malformed-no-action",
        ),
        pytest.param(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:RunTsk", "Resource": "*"}]},
            "ecs:RunTask", td("etl"), {}, "ecs:RunTsk", id="policy-unknown-action",
        ),
        pytest.param(
            allow("*", Condition={"ArnEquals": {"ecs:clustr": CLUSTER}}),
            "ecs:RunTask", td("etl"), {}, "ecs:clustr", id="policy-unknown-condition-key",
        ),
        pytest.param(
            allow("*", Condition={"ArnEquals": {"ecs:cluster": "main"}}),
            "ecs:RunTask", td("etl"), {"ecs:cluster": CLUSTER}, "Invalid ARN", id="condition-value-not-an-arn",
        ),
        pytest.param(allow("*"), "ecs:RunTsk", td("etl"), {}, "invalid.action", id="request-unknown-action"),
        pytest.param(
            allow("*"), "ecs:RunTask", CLUSTER, {}, "no.resource.types", id="resource-of-wrong-type",
        ),
        pytest.param(
            allow("*"), "ecs:RunTask", td("etl"), {"ecs:CreateAction": "RunTask"},
            "ecs:CreateAction", id="context-key-not-for-action",
        ),
        pytest.param(
            allow("*"), "ecs:RunTask", td("etl"), {"ecs:cluster": "main"},
            "not a valid ARN", id="context-value-not-an-arn",
        ),
        pytest.param(
            allow("*"), "ecs:RunTask", td("etl"), {"ecs:cluster": [CLUSTER, OTHER_CLUSTER]},
            "takes one value", id="context-list-for-single-valued-key",
        ),
    ],
)  # fmt: skip
def test_invalid_requests_raise(
    policy: dict[str, Any], action: str, resource: str, context: dict[str, str], message: str
) -> None:
    request = sim.Request([policy], action, resource, context)
    with pytest.raises(sim.SimulationError) as caught:
        sim.simulate([request, sim.Request([allow("*")], "ecs:RunTask", td("ok"))])
    assert message in str(caught.value)
    assert "1 of 2 simulation requests are invalid" in str(caught.value)
    bad, good = caught.value.results
    assert bad.errors and good.errors == () and good.allowed


def test_check_false_returns_errors_instead_of_raising() -> None:
    (result,) = sim.simulate(
        [sim.Request([allow("*")], "ecs:RunTask", td("etl"), {"ecs:CreateAction": "RunTask"})],
        check=False,
    )
    assert result.errors and "ecs:CreateAction" in result.errors[0]


def test_unavailable_without_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.shutil, "which", lambda _name: None)
    with pytest.raises(sim.SimulatorUnavailable, match="node is not on PATH"):
        sim.simulate([sim.Request([allow("*")], "ecs:RunTask", td("etl"))])


def test_unavailable_without_node_modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shutil.copy(sim.HERE / "package.json", tmp_path / "package.json")
    monkeypatch.setattr(sim, "HERE", tmp_path)
    with pytest.raises(sim.SimulatorUnavailable) as caught:
        sim.is_allowed(allow("*"), "ecs:RunTask", td("etl"))
    assert "npm ci --prefix prefect_ecs_tooling/iam_simulator" in str(caught.value)


def test_installed_version_is_the_pinned_one() -> None:
    pinned = json.loads((sim.HERE / "package.json").read_text())["dependencies"][sim.PACKAGE]
    assert pinned[0].isdigit(), "package.json must pin an exact version"
    assert sim.installed_version() == pinned
