"""What a Prefect credential may look like, and every form it takes in text.

One declaration shared by the stack's validation (``rules``), the work pool provider's
``check`` and its error scrubbing, and the ops entry points' redaction, so the three
agree on every case. Nothing here returns or formats a credential's value: messages say
what is wrong and how to fix it, never what the value is.

Forms a credential takes on the wire, each of which can end up in an error text (an
httpx header error, a server that echoes request headers, a URL in a traceback):

- the raw value, and the value URL-quoted;
- ``Bearer <api key>`` (Prefect's client, ``Authorization`` header);
- ``Basic <base64(auth string)>`` (Prefect's client for ``PREFECT_API_AUTH_STRING``);
- an auth string's password alone;
- a URL's userinfo (``https://user:password@host``): ``user:password``, the password,
  and their base64 (httpx turns userinfo into a Basic header).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "MIN_SECRET_FORM_LENGTH",
    "REDACTED",
    "CredentialKind",
    "credential_forms",
    "credential_problem",
    "scrub",
    "url_userinfo",
    "url_without_userinfo",
]

CredentialKind = Literal["api_key", "auth_string"]

#: What a scrubbed credential becomes.
REDACTED = "***"
#: Shorter fragments (a 3-letter password) are not scrubbed on their own: replacing
#: every occurrence of "abc" would mangle errors and tell a reader the password anyway.
MIN_SECRET_FORM_LENGTH = 4
#: Values people paste for "no credential" that would otherwise be sent as one.
_NULL_WORDS = frozenset({"null", "none", "~", "undefined", "nil"})
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def credential_problem(kind: CredentialKind, value: Any) -> str | None:
    """Why ``value`` can't be sent as a Prefect ``kind`` credential, or None.

    ``api_key`` goes into ``Authorization: Bearer``; ``auth_string`` (``user:password``,
    a self-hosted server's ``PREFECT_SERVER_API_AUTH_STRING``) into ``Authorization:
    Basic``. HTTP header values are ASCII without control characters, and a trailing
    newline (``echo key | pulumi config set --secret``) is the usual cause.
    """
    if not isinstance(value, str):
        return f"must be a string, got a {type(value).__name__}"
    if not value.strip():
        return "is empty; set the credential, or leave the key out"
    if value.strip().lower() in _NULL_WORDS:
        return (
            f"is the word {value.strip().lower()!r}, not a credential; leave the key out "
            "instead of setting it to null"
        )
    if match := _SPACE_OR_CONTROL.search(value):
        where = (
            "at its start or end (often a newline from `echo` or a file)"
            if value != value.strip() or match.start() in (0, len(value) - 1)
            else "inside it"
        )
        return (
            f"contains whitespace or a control character {where}; HTTP headers can't carry "
            'it. Set it again without it, e.g. `printf %s "$KEY" | pulumi config set '
            "--secret <key>`"
        )
    if not value.isascii():
        return (
            "contains a non-ASCII character, which HTTP headers can't carry; copy the "
            "credential again from its source"
        )
    if kind == "auth_string":
        user, sep, password = value.partition(":")
        if not sep:
            return (
                "must have the form <user>:<password> (the server's PREFECT_SERVER_API_AUTH_STRING)"
            )
        if not user or not password:
            return "must have a non-empty user and password on each side of ':'"
    return None


def url_userinfo(url: Any) -> tuple[str, ...]:
    """The userinfo of ``url`` (``user:password``, the password), decoded and as written."""
    if not isinstance(url, str):
        return ()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ()
    if "@" not in parts.netloc:
        return ()
    userinfo = parts.netloc.rsplit("@", 1)[0]
    out = [userinfo, unquote(userinfo)]
    if ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        out += [password, unquote(password)]
    return tuple(v for v in out if v)


def url_without_userinfo(url: str, *, mark: str = "") -> str:
    """``url`` without its userinfo (``user:password@``), for a message or a fix to
    suggest; ``mark`` (e.g. ``"***@"``) stands where it was."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.rsplit("@", 1)[-1] if "@" in url else url
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=mark + parts.netloc.rsplit("@", 1)[1]).geturl()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")


def credential_forms(
    *, api_key: Any = None, auth_string: Any = None, urls: Iterable[Any] = ()
) -> tuple[str, ...]:
    """Every text form of the given credentials (see the module doc), longest first.

    Forms shorter than :data:`MIN_SECRET_FORM_LENGTH` are left out. Values that are not
    strings (unknown at preview, None) contribute nothing.
    """
    found: set[str] = set()

    def add_secret(value: str) -> None:
        for v in {value, value.strip(), quote(value, safe=""), quote(value.strip(), safe="")}:
            found.add(v)
            # httpx and Prefect send the header from the raw value; a server echoing
            # it, or httpx's "Illegal header value b'...'" error, shows it with the
            # scheme in front, and Python's repr escapes control characters.
            found.add(repr(v)[1:-1])

    if isinstance(api_key, str) and api_key:
        add_secret(api_key)
        bearer = f"Bearer {api_key}"
        found.update({bearer, repr(bearer)[1:-1]})
    userinfos: list[str] = []
    if isinstance(auth_string, str) and auth_string:
        userinfos.append(auth_string)
    for url in urls:
        userinfos.extend(url_userinfo(url))
    for info in userinfos:
        add_secret(info)
        encoded = _b64(info)
        found.add(encoded)
        found.add(f"Basic {encoded}")
        if ":" in info:
            password = info.split(":", 1)[1]
            if password:
                add_secret(password)
    return tuple(
        sorted((f for f in found if len(f) >= MIN_SECRET_FORM_LENGTH), key=len, reverse=True)
    )


def scrub(text: str, forms: Iterable[str]) -> str:
    """``text`` with every form in ``forms`` replaced by :data:`REDACTED` (longest first,
    so a form containing another is replaced whole)."""
    for form in sorted(set(forms), key=len, reverse=True):
        if len(form) >= MIN_SECRET_FORM_LENGTH:
            text = text.replace(form, REDACTED)
    return text
