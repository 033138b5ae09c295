"""The user's ``tags``: what AWS accepts on every resource the component tags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..documents.tags import (
    ALLOWED_TAG_PUNCTUATION,
    MAX_TAG_KEY_LENGTH,
    MAX_TAG_VALUE_LENGTH,
    MAX_TAGS,
    component_tags,
    tag_text_problem,
)
from ..validation import Problem, RuleInput
from ._registry import rule

__all__ = ["tags"]


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


@rule("tags")
def tags(v: RuleInput) -> Iterator[Problem]:
    given = v["tags"]
    if not isinstance(given, Mapping):
        return  # the kind check says why
    added = component_tags("x")
    allowed = f"use letters, digits, spaces and {' '.join(ALLOWED_TAG_PUNCTUATION)}"
    for key, value in given.items():
        if not isinstance(key, str) or not isinstance(value, str):
            continue  # the kind check says why
        if not key:
            yield ("tags", "has an empty key; every tag needs a key")
            continue
        if key.lower().startswith("aws:"):
            yield ("tags", f"key {_short(key)} starts with 'aws:', a prefix AWS keeps for "
                   "its own tags; rename it")  # fmt: skip
        if key in added:
            yield ("tags", f"key {key!r} is the tag the component puts on every resource "
                   "(naming the component); rename yours")  # fmt: skip
        if len(key) > MAX_TAG_KEY_LENGTH:
            yield ("tags", f"key {_short(key)} has {len(key)} characters; AWS allows at "
                   f"most {MAX_TAG_KEY_LENGTH}")  # fmt: skip
        if len(value) > MAX_TAG_VALUE_LENGTH:
            yield ("tags", f"the value of {_short(key)} has {len(value)} characters; AWS "
                   f"allows at most {MAX_TAG_VALUE_LENGTH}")  # fmt: skip
        if msg := tag_text_problem(key):
            yield ("tags", f"key {_short(key)} {msg}; {allowed}")
        if msg := tag_text_problem(value):
            yield ("tags", f"the value of {_short(key)} {msg}; {allowed}")
    total = len(set(given) | set(added))
    if total > MAX_TAGS:
        yield (
            "tags",
            f"{len(given)} tags plus the {len(added)} the component adds "
            f"({', '.join(added)}) make {total}; AWS allows at most {MAX_TAGS} per "
            f"resource: remove {total - MAX_TAGS}",
        )
