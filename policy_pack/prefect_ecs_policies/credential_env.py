"""Which environment variables hold a credential, by name and by value (pure, stdlib only).

One declaration used by the stack's rules (``worker_environment``, the ``env`` of
``work_pool_job_variables``) and by the policy pack's ``ecs-no-plaintext-credentials``
and work pool policies. The pack runs in its own virtual environment without this
package, so it ships a byte-for-byte copy of this file
(``policy_pack/prefect_ecs_policies/credential_env.py``); a test keeps the two equal.
Edit this one and copy it over.

Names are split into tokens on ``_``, ``-``, ``.`` and spaces, upper-cased. A name holds
a credential when one of its tokens is a credential word (``PASSWORD``, ``PASSWD``,
``TOKEN``, ``SECRET``, ``KEY``, ...), unless its last token says the value only points at
or describes one (``DB_PASSWORD_SECRET_ARN``, ``AWS_KMS_KEY_ID``, ``KEYCLOAK_URL``:
``_ARN``, ``_ID``, ``_URL``, ``_FILE``, ...). Whole tokens only, so
``TOKENIZERS_PARALLELISM`` and ``KEYCLOAK_URL`` are not credentials. A value holds a
credential, whatever the name, when it is a URL with a password
(``scheme://user:password@host``), a Prefect API key (``pnu_...``), or a JSON object
(``PREFECT_CLIENT_CUSTOM_HEADERS``) with a credential-named key or an ``Authorization``
header. Nothing here returns a value: only what kind of credential was found.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "ALWAYS_CREDENTIAL_NAMES",
    "CREDENTIAL_TOKENS",
    "NEVER_CREDENTIAL_NAMES",
    "POINTER_SUFFIXES",
    "credential_name",
    "credential_value",
    "env_credential",
    "name_tokens",
]

#: Whole name tokens that mark a credential.
CREDENTIAL_TOKENS = frozenset(
    {
        "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PWD", "PASSPHRASE",
        "SECRET", "SECRETS", "TOKEN", "TOKENS", "CREDENTIAL", "CREDENTIALS", "CREDS",
        "KEY", "APIKEY", "PRIVATEKEY", "AUTH", "AUTHORIZATION", "BEARER",
    }
)  # fmt: skip
#: A last token that makes the variable point at or describe a credential, not hold one.
POINTER_SUFFIXES = frozenset(
    {
        "ID", "IDS", "ARN", "ARNS", "URL", "URLS", "URI", "ENDPOINT", "HOST", "PORT",
        "NAME", "NAMES", "PATH", "FILE", "DIR", "REGION", "PARALLELISM", "ENABLED",
        "DISABLED", "ENABLE", "DISABLE", "MODE", "TYPE", "KIND", "VERSION", "ALGORITHM",
        "LENGTH", "SIZE", "TTL", "TIMEOUT", "SECONDS", "EXPIRY", "PREFIX", "FIELD",
        "COLUMN", "PROVIDER", "METHOD", "FORMAT", "COUNT", "LIMIT", "ALIAS",
    }
)  # fmt: skip
#: Names that hold a credential whatever the token rule says.
ALWAYS_CREDENTIAL_NAMES = frozenset({"AWS_ACCESS_KEY_ID"})
#: Names that never hold one (the shell's working directories).
NEVER_CREDENTIAL_NAMES = frozenset({"PWD", "OLDPWD"})

_TOKEN_SPLIT = re.compile(r"[_\-.\s]+")
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_PREFECT_KEY = re.compile(r"\bpnu_[A-Za-z0-9]{20,}")


def name_tokens(name: str) -> list[str]:
    """``db-password_FILE`` -> ``["DB", "PASSWORD", "FILE"]``."""
    return [t for t in _TOKEN_SPLIT.split(str(name).upper()) if t]


def credential_name(name: Any) -> str | None:
    """The credential word in ``name`` when it names a credential, else None."""
    upper = str(name).upper()
    if upper in NEVER_CREDENTIAL_NAMES:
        return None
    if upper in ALWAYS_CREDENTIAL_NAMES:
        return upper
    tokens = name_tokens(upper)
    if not tokens or tokens[-1] in POINTER_SUFFIXES:
        return None
    return next((t for t in tokens if t in CREDENTIAL_TOKENS), None)


def credential_value(value: Any) -> str | None:
    """What kind of credential ``value`` holds (a phrase for a message), else None."""
    if not isinstance(value, str):
        return None
    if _URL_WITH_PASSWORD.search(value):
        return "a URL with a password (scheme://user:password@host)"
    if _PREFECT_KEY.search(value):
        return "a Prefect API key"
    text = value.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        if isinstance(parsed, dict):
            for key, inner in parsed.items():
                if credential_name(key):
                    return f"a JSON object with a {key!r} entry (a credential header or field)"
                if found := credential_value(inner):
                    return f"a JSON object whose {key!r} entry is {found}"
    return None


def env_credential(name: Any, value: Any = None) -> str | None:
    """Why the variable ``name`` (with ``value``) holds a credential, else None."""
    if word := credential_name(name):
        return f"its name says it holds a credential ({word})"
    if found := credential_value(value):
        return f"its value is {found}"
    return None
