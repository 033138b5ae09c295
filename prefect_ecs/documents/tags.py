"""The tags the component adds to every resource it creates, and AWS's limits on tags.

One declaration: :mod:`prefect_ecs.worker.context` puts :func:`component_tags` on every
child, and the ``tags`` rule counts them against :data:`MAX_TAGS` and refuses a user tag
with one of their keys.
"""

from __future__ import annotations

__all__ = [
    "ALLOWED_TAG_PUNCTUATION",
    "COMPONENT_TAG",
    "MAX_TAGS",
    "MAX_TAG_KEY_LENGTH",
    "MAX_TAG_VALUE_LENGTH",
    "component_tags",
    "tag_text_problem",
]

#: Tag on every resource the component creates, naming the component.
COMPONENT_TAG = "prefect-ecs:component"

#: AWS's limits (Tagging AWS resources, "Tag naming limits and requirements"): 50 user
#: tags per resource, keys of 1-128 and values of 0-256 Unicode characters, made of
#: letters, digits, spaces and ``_ . : / = + - @``; the ``aws:`` prefix, in any case, is
#: AWS's own.
MAX_TAGS = 50
MAX_TAG_KEY_LENGTH = 128
MAX_TAG_VALUE_LENGTH = 256
ALLOWED_TAG_PUNCTUATION = "_.:/=+-@"


def component_tags(name: str) -> dict[str, str]:
    """The tags the component named ``name`` adds to every resource (besides the user's)."""
    return {COMPONENT_TAG: name}


def tag_text_problem(text: str) -> str | None:
    """Which characters of a tag key or value AWS refuses, or None."""
    bad = sorted({c for c in text if not (c.isalnum() or c == " " or c in ALLOWED_TAG_PUNCTUATION)})
    if not bad:
        return None
    return "contains " + " ".join(repr(c) for c in bad) + ", which AWS refuses in tags"
