"""The argument table: the one declaration of every argument, and what is derived from it."""

from __future__ import annotations

import ast
import inspect
import json
import typing

import pytest
import yaml

from prefect_ecs import ARGS, PrefectEcsWorkerArgs
from prefect_ecs.args import Kind, arg_to_config_key, config_key_to_arg, config_words
from tests.support import ROOT

pytestmark = pytest.mark.pure

PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def test_names_and_config_keys_round_trip() -> None:
    assert len({a.name for a in ARGS}) == len(ARGS)
    for arg in ARGS:
        assert config_key_to_arg(arg.config_key) == arg.name
    assert arg_to_config_key("flow_run_task_role_policy_arns") == "flowRunTaskRolePolicyArns"


def test_docs_for_stack_users_name_config_keys() -> None:
    text = "Give ``vpc_id`` with ``subnet_ids``; ``api_key`` is a literal."
    assert config_words(text) == "Give vpcId with subnetIds; api_key is a literal."
    assert config_words(text, quote="`").startswith("Give `vpcId` with `subnetIds`")


def test_only_the_url_is_required_and_structural_switches_are_booleans() -> None:
    assert [a.name for a in ARGS if a.required] == ["prefect_api_url"]
    for arg in ARGS:
        assert not arg.structural or (arg.kind is Kind.BOOLEAN and isinstance(arg.default, bool))
        assert arg.required or arg.default is not None or arg.default_doc, arg.name


def test_type_hints_resolve_and_match_the_argument_table() -> None:
    hints = typing.get_type_hints(PrefectEcsWorkerArgs)
    assert list(hints) == [a.name for a in ARGS]
    assert PrefectEcsWorkerArgs.__required_keys__ == {"prefect_api_url"}
    for arg in ARGS:
        if arg.structural:
            assert hints[arg.name] is bool, arg.name


def test_every_argument_has_a_docstring_stating_its_default() -> None:

    from prefect_ecs import worker_args

    tree = ast.parse(inspect.getsource(worker_args))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    docs: dict[str, str] = {}
    for field, doc in zip(cls.body, cls.body[1:], strict=False):
        if isinstance(field, ast.AnnAssign) and isinstance(doc, ast.Expr):
            docs[field.target.id] = " ".join(doc.value.value.split())  # type: ignore[attr-defined]
    assert list(docs) == [a.name for a in ARGS]
    for arg in ARGS:
        assert docs[arg.name] == " ".join(arg.docstring().split())
        assert "Default:" in docs[arg.name] or docs[arg.name].endswith("Required.")


def test_pulumi_yaml_declares_every_argument_as_config() -> None:
    declared = PROJECT["config"]
    assert list(declared) == [a.config_key for a in ARGS]
    for arg in ARGS:
        decl = declared[arg.config_key]
        assert decl["type"] == arg.kind.config_type, arg.name
        assert decl["description"], arg.name
        assert decl.get("secret", False) is arg.secret, arg.name
        if arg.default is None:
            assert "default" not in decl, arg.name
        elif arg.kind.config_type == "string" and not isinstance(arg.default, str):
            assert json.loads(decl["default"]) == arg.default, arg.name
        else:
            assert decl["default"] == arg.default, arg.name


def test_generated_files_match_the_argument_table() -> None:
    from prefect_ecs_tooling.generate import stale

    assert stale() == [], "run `make generate`"
