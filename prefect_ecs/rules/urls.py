"""The Prefect API URL's shape: no credentials in it, Prefect Cloud's exact form, ``/api``.

:func:`~prefect_ecs.rules.general.api_url` says whether there is an http(s) URL at all;
these rules look at one that is. Messages show URLs without their userinfo
(:func:`~prefect_ecs.validation.shown_url`), never a password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import SplitResult, urlsplit

from ..credentials import url_without_userinfo
from ..validation import ConfigWarning, Problem, RuleInput, is_prefect_cloud
from ._registry import rule

__all__ = ["CLOUD_API_FORM", "CLOUD_API_HOST", "CLOUD_UI_HOST", "cloud_api_url"]

CLOUD_API_HOST = "api.prefect.cloud"
CLOUD_UI_HOST = "app.prefect.cloud"
CLOUD_API_FORM = f"https://{CLOUD_API_HOST}/api/accounts/<account id>/workspaces/<workspace id>"
#: Prefect Cloud's API path of one workspace, and the UI's address of the same workspace.
_CLOUD_API_PATH = re.compile(r"^/api/accounts/([^/]+)/workspaces/([^/]+)/?$")
_CLOUD_UI_PATH = re.compile(r"^/account/([^/]+)/workspace/([^/]+)(/.*)?$")


def cloud_api_url(account: str, workspace: str) -> str:
    """The Prefect Cloud API URL of a workspace."""
    return f"https://{CLOUD_API_HOST}/api/accounts/{account}/workspaces/{workspace}"


def _parts(url: object) -> SplitResult | None:
    """The URL's parts when it is an http(s) URL with a host (else the general rule says
    what is wrong), or None."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return parts


@rule("prefect_api_url")
def api_url_userinfo(v: RuleInput) -> Iterator[Problem]:
    parts = _parts(v["prefect_api_url"])
    if parts is None or "@" not in parts.netloc:
        return
    yield (
        "prefect_api_url",
        "has a user name or password before '@': the URL is shown by the plan and stored in "
        "plaintext in the task definition. Remove it (use "
        f"{url_without_userinfo(parts.geturl())!r}) and give the credential as a secret: "
        f"{v.label('prefect_auth_string')} for a self-hosted server's basic auth (pulumi "
        "config set --secret prefectAuthString <user:password>), "
        f"{v.label('prefect_api_key')} for Prefect Cloud",
    )


@rule("prefect_api_url")
def api_url_port(v: RuleInput) -> Iterator[Problem]:
    parts = _parts(v["prefect_api_url"])
    if parts is None:
        return
    try:
        parts.port  # noqa: B018  (raises for a port that is no number 0-65535)
    except ValueError:
        yield ("prefect_api_url", "has a port that is not a number from 1 to 65535; fix it")


@rule("prefect_api_url")
def cloud_api_url_form(v: RuleInput) -> Iterator[Problem]:
    parts = _parts(v["prefect_api_url"])
    if parts is None or not is_prefect_cloud(v["prefect_api_url"].strip()):
        return
    host = parts.hostname
    if host == CLOUD_UI_HOST:
        ui = _CLOUD_UI_PATH.match(parts.path)
        right = cloud_api_url(ui[1], ui[2]) if ui else CLOUD_API_FORM
        yield (
            "prefect_api_url",
            f"is the Prefect Cloud UI's address ({CLOUD_UI_HOST}), not the API's; use {right}"
            + ("" if ui else " (the UI's address shows both: /account/<id>/workspace/<id>)"),
        )
        return
    if host != CLOUD_API_HOST:
        yield ConfigWarning(
            "prefect_api_url",
            f"{host} is not Prefect Cloud's API host; Prefect Cloud's API is {CLOUD_API_FORM}",
        )
        return
    api = _CLOUD_API_PATH.match(parts.path)
    if parts.scheme == "http":
        right = cloud_api_url(api[1], api[2]) if api else CLOUD_API_FORM
        yield ("prefect_api_url", f"uses http://; Prefect Cloud only serves https: use {right}")
    if api is None:
        yield (
            "prefect_api_url",
            "is not a Prefect Cloud workspace's API URL: it needs the account and the "
            f"workspace, {CLOUD_API_FORM} (both ids are in the UI's address, "
            f"https://{CLOUD_UI_HOST}/account/<id>/workspace/<id>)",
        )


@rule("prefect_api_url")
def self_hosted_api_path(v: RuleInput) -> Iterator[Problem]:
    parts = _parts(v["prefect_api_url"])
    if parts is None or is_prefect_cloud(v["prefect_api_url"].strip()):
        return
    if not parts.path.rstrip("/").endswith("/api"):
        yield ConfigWarning(
            "prefect_api_url",
            "does not end with /api; a Prefect server serves its API under /api (e.g. "
            f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/api), so the worker would "
            "get 404s. Leave it if a proxy maps the API elsewhere",
        )
