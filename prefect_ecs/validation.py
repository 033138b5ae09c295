"""How arguments are checked: :class:`Rule`, the error listing what fails, shared checks.

A :class:`Rule` (the rules themselves are in :mod:`prefect_ecs.rules`) reads the values
of some arguments (its ``fields``) and yields problems, each ``(field, message)`` naming
the field and the fix. A problem yielded as a :class:`ConfigWarning` does not stop the
deployment: it is reported once with ``pulumi.log.warn`` (which the offline plan prints). :mod:`prefect_ecs.settings` runs a rule before anything is
declared when all its fields are known, and otherwise when the Outputs it reads resolve
(same rule, same message), before the resources that use those values are created.
Presence (was an argument given at all) is always known, so rules that only ask
``given(...)`` always run at once. Besides the rules, every argument gets the type check
of its kind (:func:`kind_problem`), derived from the argument table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlparse

import pulumi

from .args import Arg, Kind
from .credentials import REDACTED, url_without_userinfo
from .documents.names import name_length_problem

__all__ = [
    "ConfigWarning",
    "PrefectEcsConfigError",
    "Problem",
    "Rule",
    "RuleInput",
    "image_problem",
    "is_prefect_cloud",
    "kind_problem",
    "partition_of",
    "pool_name_problem",
    "shown_url",
    "unknown_key_problem",
]

Problem = tuple[str, str]


class ConfigWarning(NamedTuple):
    """A problem a rule yields that is reported, not raised: the deployment goes on.

    A tuple like every :data:`Problem` (``field, message``), so code that lists problems
    needs no change; :mod:`prefect_ecs.settings` separates the two by this type.
    """

    field: str
    message: str


#: Characters the Prefect server rejects in work pool names (HTTP 422). Prefect's own
#: list is ``prefect.types.names.BANNED_CHARACTERS`` (what the WorkPool provider's check
#: uses); importing prefect costs about a second of every plan, so it is repeated here
#: and a test keeps the two equal.
FORBIDDEN_POOL_NAME_CHARS = "/%&><"
#: prefect-aws builds task definition families as ``prefect_<pool>_<deployment id>``;
#: ECS families allow only these characters, and the worker's IAM policy is scoped to
#: that family pattern.
POOL_NAME_FAMILY_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
#: ECS cluster and service names allow only these; children are named from the
#: component's name.
COMPONENT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


class PrefectEcsConfigError(pulumi.InputPropertiesError, ValueError):
    """Bad input to the component or the stack. ``problems`` lists ``(field, message)``.

    A :class:`pulumi.InputPropertiesError`, so a component provider host reports each
    problem against its property path.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {field}: {message}" for field, message in problems)
        super().__init__(
            f"invalid prefect-ecs configuration:\n{lines}",
            [{"property_path": field, "reason": message} for field, message in problems],
        )


@dataclass(frozen=True)
class RuleInput:
    """What a rule sees: its fields' values (resolved), presence of any field, labels,
    and the region the stack deploys to (None when unknown: see
    :func:`prefect_ecs.settings.stack_region`)."""

    values: Mapping[str, Any]
    given: Callable[[str], bool]
    label: Callable[[str], str]
    region: str | None = None

    def __getitem__(self, field: str) -> Any:
        return self.values[field]


@dataclass(frozen=True)
class Rule:
    """A named check over the values of ``fields`` (empty: presence only)."""

    name: str
    fields: tuple[str, ...]
    check: Callable[[RuleInput], Iterable[Problem]]


# ----------------------------------------------------------------------- helpers
def is_prefect_cloud(url: str) -> bool:
    """True for Prefect Cloud API URLs."""
    try:
        host = urlparse(url).hostname or ""
    except ValueError:
        return False
    return host == "prefect.cloud" or host.endswith(".prefect.cloud")


def shown_url(url: Any) -> str:
    """``url`` as it may appear in a message: its userinfo (``user:password@``) masked."""
    return url_without_userinfo(str(url), mark=REDACTED + "@")


#: Region name prefixes of the partitions other than ``aws`` (longest first).
_PARTITION_PREFIXES = (
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
)


def partition_of(region: str) -> str:
    """The AWS partition of ``region`` (``aws-cn`` for ``cn-north-1``)."""
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    return f"{value!r} (a {type(value).__name__})"


def kind_problem(arg: Arg, value: Any) -> str | None:
    """Why ``value`` is not of ``arg``'s kind, or None (the check every argument gets)."""
    kind = arg.kind
    if kind is Kind.STRING and arg.secret:  # never shown
        return (
            None
            if isinstance(value, str)
            else f"must be a string, not a value of type {type(value).__name__}"
        )
    if kind is Kind.STRING:
        return None if isinstance(value, str) else f"must be a string, got {_shown(value)}"
    if kind is Kind.INTEGER:
        return None if _is_int(value) else f"must be an integer, got {_shown(value)}"
    if kind is Kind.BOOLEAN:
        if isinstance(value, bool):
            return None
        return f"must be true or false, got {_shown(value)}"
    if kind is Kind.STRING_LIST:
        if isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value):
            return None
        return f"must be a list of non-empty strings, got {value!r}"
    if kind is Kind.STRING_MAP:
        if isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return None
        return f'must be a mapping of string to string, e.g. {{"team": "data"}}; got {value!r}'
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return None
    return f"must be a mapping of name to value, got {value!r}"


def unknown_key_problem(key: str, valid: Iterable[str], *, config: bool = False) -> Problem:
    """``key`` is not an argument: say so and suggest the closest one."""
    names = list(valid)
    guess = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if not guess:
        lowered = {n.lower().replace("_", ""): n for n in names}
        hit = lowered.get(key.lower().replace("_", ""))
        guess = [hit] if hit else []
    what = "stack config key" if config else "argument"
    hint = f"; did you mean {guess[0]!r}?" if guess else f"; valid: {', '.join(sorted(names))}"
    return key, f"unknown {what}{hint}"


def pool_name_problem(name: Any) -> str | None:
    """Why ``name`` can't be this component's work pool name, or None."""
    if not isinstance(name, str) or not name.strip():
        return "must be a non-blank string; use e.g. 'my-ecs-pool'"
    bad = sorted({c for c in name if c in FORBIDDEN_POOL_NAME_CHARS})
    if bad:
        return (
            f"{name!r} contains {' '.join(bad)}, which the Prefect server rejects; "
            "use letters, digits, '-' and '_'"
        )
    if name.lower().startswith("prefect"):
        return f"{name!r} starts with 'prefect', a prefix Prefect reserves; rename it"
    if not POOL_NAME_FAMILY_SAFE.match(name):
        return (
            f"{name!r} can't be used in an ECS task definition family (prefect-aws names "
            "flow-run families 'prefect_<pool>_<deployment>'); use only letters, digits, "
            "'-' and '_' (at most 200)"
        )
    return None


#: An image digest: the only algorithm registries use for image references.
IMAGE_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def image_problem(image: Any) -> str | None:
    """Why ``image`` is not a pinned image reference, or None."""
    if not isinstance(image, str) or not image.strip():
        return "must be an image reference such as prefecthq/prefect-aws:<version>"
    if any(c.isspace() for c in image):
        return f"{image!r} contains whitespace; an image reference has none, remove it"
    if "@" in image:
        digest = image.split("@", 1)[1]
        if not IMAGE_DIGEST.match(digest):
            return (
                f"{image!r} has the digest {digest!r}, which is not sha256: followed by 64 "
                "lowercase hex digits; copy the digest again (docker buildx imagetools "
                "inspect <image>, or the registry's console)"
            )
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"{image!r} has no tag; pin an exact version (e.g. {image}:<version>) or a digest"
    tag = last.rsplit(":", 1)[1]
    if not tag:
        return f"{image!r} has an empty tag after ':'; pin an exact version or a digest"
    if tag == "latest" or tag.endswith("-latest") or tag.startswith("latest"):
        return f"{image!r} floats ({tag}); pin an exact version or a digest"
    return None


def component_name_problem(name: str) -> str | None:
    """Why ``name`` can't name the component's children, or None."""
    if not COMPONENT_NAME.match(name):
        return (
            f"{name!r} can't name ECS clusters and services (letters, digits, '-' and '_' "
            "only); rename the component"
        )
    return name_length_problem(name)
