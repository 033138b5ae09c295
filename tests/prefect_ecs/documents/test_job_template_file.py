"""The shipped prefect-aws template file: a copy that is not JSON, or JSON of another
shape, is detected and rebuilt from prefect-aws (not a KeyError in every plan); without
prefect-aws the error names the file and the fix."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prefect_ecs.documents import job_template
from prefect_ecs.documents.job_template import (
    TemplateSnapshotError,
    default_ecs_base_job_template,
    ecs_job_variable_names,
)

pytestmark = pytest.mark.pure


@pytest.fixture
def template_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The loader pointed at a copy of the shipped file, its cache cleared around."""
    path = tmp_path / job_template.TEMPLATE_RESOURCE
    path.write_text(job_template._template_file().read_text())
    monkeypatch.setattr(job_template, "_template_file", lambda: path)
    job_template._snapshot.cache_clear()
    yield path
    job_template._snapshot.cache_clear()


SHIPPED = json.loads(job_template._template_file().read_text())


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        json.dumps({"prefect_aws_version": "0.7.12"}),
        json.dumps({**SHIPPED, "template": {"variables": {}}}),
        json.dumps({**SHIPPED, "template": {**SHIPPED["template"], "job_configuration": {}}}),
        '{"prefect_aws_version": "0.7',
    ],
    ids=["list", "no-template", "no-properties", "no-task-run-request", "truncated"],
)
def test_a_file_of_the_wrong_shape_is_rebuilt(
    template_file: Path, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilds: list[int] = []

    def rebuilt() -> dict[str, Any]:  # what prefect-aws builds (the real one: below)
        rebuilds.append(1)
        return copy.deepcopy(SHIPPED)

    monkeypatch.setattr(job_template, "_rebuilt", rebuilt)
    template_file.write_text(text)
    assert "cluster" in ecs_job_variable_names()
    assert default_ecs_base_job_template() == SHIPPED["template"]
    assert rebuilds == [1]
    assert json.loads(template_file.read_text()) == SHIPPED  # written back


def test_the_rebuild_is_prefect_aws_own_template(template_file: Path) -> None:
    template_file.write_text("{}")
    assert default_ecs_base_job_template() == SHIPPED["template"]


def test_without_prefect_aws_the_error_names_the_file_and_the_fix(
    template_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template_file.write_text(json.dumps({"prefect_aws_version": "0.7.12", "template": []}))
    monkeypatch.setattr(job_template, "_rebuilt", lambda: None)
    with pytest.raises(TemplateSnapshotError) as info:
        default_ecs_base_job_template()
    assert str(info.value) == (
        f"{template_file}: 'template' is missing or not an object. Reinstall prefect-ecs, "
        "or in a checkout run `make generate` (it rewrites the file from the pinned prefect-aws)"
    )
