"""``WorkPoolProvider``: the Pulumi dynamic provider that manages one Prefect work pool.

The Pulumi resource id is the pool NAME (the API addresses pools by name); the server's
UUID is the ``pool_id`` output. ``check`` and ``diff`` never touch the network. The
provider holds only plain numbers, so dill pickles it by reference to this importable,
side-effect-free module; HTTP clients are created inside each method.

Every method runs inside :func:`_scrubbed`: whatever it raises is re-raised as a
``PrefectApiError`` whose text has every form of the resource's credentials (api_key,
auth_string, a password in api_url) replaced, with no chained exception that could
still carry one. Each create, read, update or delete has one time budget, a hard
deadline for all its requests (``transport.py``).

Ownership: the pool's description on the server ends with a marker line naming the
``owner`` input (``[managed-by-pulumi: <org>/<project>/<stack>/<resource>]``). The
description and owner outputs are read back from it. A create that meets a pool of its
name with its own marker (a POST whose answer was lost, a cleanup that could not reach
the server) takes it back; any other pool still needs ``adopt_existing``.

Request counts per operation (no CSRF on the server): create 1 (+1 per queue, +1 to
read back when queues or adoption change the pool; when the name is taken, +1 to read
whose pool it is), read 1 (+1 when queues are managed),
update 2 (PATCH, GET; +1 to list queues and +1 per queue change when queues are
managed), delete 1.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pulumi import log as pulumi_log
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..credentials import credential_forms, credential_problem, scrub
from ..engine_values import whole_floats_to_ints
from . import transport as _transport
from .client import WorkPoolApi
from .fields import COMPUTED_OUTPUTS, INPUT_DEFAULTS, INPUT_KEYS, REPLACE_KEYS, UPDATE_KEYS
from .transport import (
    Connection,
    PrefectApiError,
    PrefectApiUnavailable,
    PrefectAuthError,
)
from .validation import display_url, is_unknown, normalize_api_url, validate_inputs

__all__ = [
    "COMPUTED_OUTPUTS",
    "DEFAULT_QUEUE_NAME",
    "INPUT_DEFAULTS",
    "REPLACE_KEYS",
    "UPDATE_KEYS",
    "WorkPoolProvider",
]

#: The queue the server creates with every pool; never deleted by this provider.
DEFAULT_QUEUE_NAME = "default"

#: The owner marker: the last line of the pool's description on the server.
OWNER_MARKER = "[managed-by-pulumi: {owner}]"
_MARKER_RE = re.compile(r"(?:\A|\n\n)\[managed-by-pulumi: ([^\[\]\n]+)\]\Z")

F = TypeVar("F", bound=Callable[..., Any])


def with_marker(description: str | None, owner: str | None) -> str | None:
    """The description the server keeps: the user's, then the owner marker line."""
    if not owner:
        return description
    marker = OWNER_MARKER.format(owner=owner)
    return marker if description is None else f"{description}\n\n{marker}"


def split_marker(text: str | None) -> tuple[str | None, str | None]:
    """(the user's description, the owner) from the description the server keeps."""
    if not isinstance(text, str):
        return text, None
    match = _MARKER_RE.search(text)
    if match is None:
        return text, None
    alone = not match.group(0).startswith("\n")  # the marker is the whole text
    return (None if alone else text[: match.start()]), match.group(1)


def _credential_forms(args: tuple[Any, ...]) -> set[str]:
    forms: set[str] = set()
    for arg in args:
        if isinstance(arg, Mapping):
            forms.update(
                credential_forms(
                    api_key=arg.get("api_key"),
                    auth_string=arg.get("auth_string"),
                    urls=[arg.get("api_url")],
                )
            )
    return forms


def _scrubbed(method: F) -> F:
    """Re-raise whatever ``method`` raises with no form of a credential in its text.

    The new exception is raised outside the ``except`` block, so it has neither a cause
    nor a context: no traceback printer (the dynamic provider host prints one) can show
    the original. ``PrefectApiError`` keeps its class and status code; anything else
    becomes a ``PrefectApiError`` naming its type.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        try:
            return method(self, *args)
        except Exception as exc:
            forms = _credential_forms(args)
            if isinstance(exc, PrefectApiError):
                failure = type(exc)(scrub(str(exc), forms), exc.status_code)
            else:
                text = scrub(f"{type(exc).__name__}: {exc}", forms)
                failure = PrefectApiError(f"work pool {method.__name__} failed: {text}")
            del exc
        raise failure

    return wrapper  # type: ignore[return-value]


def _norm_queue(queue: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": queue.get("name"),
        "priority": whole_floats_to_ints(queue.get("priority")),
        "concurrency_limit": whole_floats_to_ints(queue.get("concurrency_limit")),
    }


def _normalize(props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs with defaults applied and numbers as ints; unknown keys dropped."""
    out: dict[str, Any] = {k: props.get(k) for k in INPUT_KEYS}
    for key, default in INPUT_DEFAULTS.items():
        if out[key] is None:
            out[key] = default
    # Numbers cross the engine as floats; the template's must reach the server as ints.
    out["concurrency_limit"] = whole_floats_to_ints(out["concurrency_limit"])
    out["base_job_template"] = whole_floats_to_ints(out["base_job_template"])
    queues = out["queues"]
    if isinstance(queues, list | tuple):
        out["queues"] = [
            _norm_queue(q) if isinstance(q, Mapping) else q for q in queues if q is not None
        ]
    out["api_key"] = out["api_key"] or None
    out["auth_string"] = out["auth_string"] or None
    out["owner"] = out["owner"] or None
    return out


def _same_api_url(new: Any, old: Any) -> bool:
    """Whether two api_url values address the same server (cosmetic differences aside)."""
    if isinstance(new, str) and isinstance(old, str):
        return normalize_api_url(new) == normalize_api_url(old)
    return bool(new == old)


def _queues_equal(desired: Any, current: Any) -> bool:
    """Order-insensitive; a desired priority of None accepts any server priority."""
    if desired is None:
        return True  # queues not managed
    if current is None or is_unknown(desired):
        return False
    want = {q["name"]: q for q in (_norm_queue(q) for q in desired)}
    have = {q["name"]: q for q in (_norm_queue(q) for q in current)}
    if set(want) != set(have):
        return False
    for name, q in want.items():
        h = have[name]
        if q["priority"] is not None and q["priority"] != h["priority"]:
            return False
        if q["concurrency_limit"] != h["concurrency_limit"]:
            return False
    return True


class WorkPoolProvider(ResourceProvider):
    """Dynamic provider for a Prefect work pool (and, optionally, its work queues).

    ``retry_budget_seconds`` is each operation's time budget, a hard deadline for all its
    requests and their retries (connection failures, 429/502/503/504);
    ``request_timeout_seconds`` is the per-request timeout, capped by the time left.
    """

    serialize_as_secret_always = True

    def __init__(
        self,
        retry_budget_seconds: float | None = None,
        request_timeout_seconds: float | None = None,
    ) -> None:
        super().__init__()
        # None reads the module constants at construction time, so a program (or a
        # test) may change transport.DEFAULT_RETRY_BUDGET_SECONDS before building pools.
        # The values are stored on the instance and travel with the pickled provider.
        self.retry_budget_seconds = float(
            _transport.DEFAULT_RETRY_BUDGET_SECONDS
            if retry_budget_seconds is None
            else retry_budget_seconds
        )
        self.request_timeout_seconds = float(
            _transport.DEFAULT_REQUEST_TIMEOUT_SECONDS
            if request_timeout_seconds is None
            else request_timeout_seconds
        )

    # --- helpers -----------------------------------------------------------------

    def _api(self, props: Mapping[str, Any]) -> WorkPoolApi:
        """The API of one operation: its time budget starts now."""
        api_url = props.get("api_url")
        if not isinstance(api_url, str) or not api_url:
            raise PrefectApiError(
                "the work pool has no api_url in its state; set the api_url input "
                "(imports of dynamic resources cannot supply it, see pulumi/pulumi#16175)"
            )
        for kind in ("api_key", "auth_string"):
            value = props.get(kind) or None
            # check() refuses these; a state or a caller that skipped it must not send
            # them either (httpx would print the header, value included).
            if value is not None and (problem := credential_problem(kind, value)):
                raise PrefectApiError(f"{kind} {problem}")
        # The operation's time budget starts when WorkPoolApi is built (Connection.deadline).
        return WorkPoolApi(
            Connection(
                api_url=api_url,
                api_key=props.get("api_key") or None,
                auth_string=props.get("auth_string") or None,
                retry_budget_seconds=self.retry_budget_seconds,
                request_timeout_seconds=self.request_timeout_seconds,
            )
        )

    @staticmethod
    def _pool_body(inputs: Mapping[str, Any], *, for_create: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "description": with_marker(inputs.get("description"), inputs.get("owner")),
            "is_paused": bool(inputs.get("paused")),
            "concurrency_limit": inputs.get("concurrency_limit"),
        }
        if inputs.get("base_job_template") is not None:
            body["base_job_template"] = copy.deepcopy(inputs["base_job_template"])
        if for_create:
            body["name"] = inputs["name"]
            body["type"] = inputs["type"]
            if body["description"] is None:
                del body["description"]
            if body["concurrency_limit"] is None:
                del body["concurrency_limit"]
        return body

    @staticmethod
    def _outputs(
        inputs: Mapping[str, Any],
        pool: Mapping[str, Any],
        queues: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        description, owner = split_marker(pool.get("description"))
        return {
            "api_url": inputs.get("api_url"),
            # Same names as the secret inputs, so the engine keeps them secret; they
            # must stay in the state because read/update/delete only get the outputs.
            "api_key": inputs.get("api_key") or None,
            "auth_string": inputs.get("auth_string") or None,
            "adopt_existing": bool(inputs.get("adopt_existing")),
            "name": pool["name"],
            "type": pool["type"],
            "description": description,
            "owner": owner,
            "base_job_template": pool.get("base_job_template") or {},
            "concurrency_limit": pool.get("concurrency_limit"),
            "paused": bool(pool.get("is_paused")),
            "queues": queues,
            "pool_id": str(pool["id"]),
            "status": pool.get("status"),
            "default_queue_id": (
                str(pool["default_queue_id"]) if pool.get("default_queue_id") else None
            ),
            "created": pool.get("created"),
            "updated": pool.get("updated"),
        }

    @staticmethod
    def _queue_view(server_queues: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
        by_name = {q["name"]: q for q in server_queues}
        return [_norm_queue(by_name[n]) for n in names if n in by_name]

    def _sync_queues(
        self,
        api: WorkPoolApi,
        pool: Mapping[str, Any],
        desired: list[dict[str, Any]] | None,
        previous: list[dict[str, Any]] | None,
        server_queues: list[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]] | None:
        """Create missing, update changed, delete removed queues; return the queue view."""
        if desired is None and not previous:
            return None
        pool_name = pool["name"]
        if server_queues is None:
            server_queues = api.read_queues(pool_name)
        by_name = {q["name"]: dict(q) for q in server_queues}
        desired = desired or []
        for q in desired:
            current = by_name.get(q["name"])
            if current is None:
                by_name[q["name"]] = api.create_queue(
                    pool_name, q["name"], q["priority"], q["concurrency_limit"]
                )
                continue
            fields: dict[str, Any] = {}
            if q["priority"] is not None and q["priority"] != current.get("priority"):
                fields["priority"] = q["priority"]
            if q["concurrency_limit"] != current.get("concurrency_limit"):
                fields["concurrency_limit"] = q["concurrency_limit"]
            if fields:
                api.update_queue(str(current["id"]), **fields)
                current.update(fields)
        wanted = {q["name"] for q in desired}
        for q in previous or []:
            name = q.get("name")
            if name in wanted or name == DEFAULT_QUEUE_NAME or name not in by_name:
                continue
            api.delete_queue(str(by_name.pop(name)["id"]))
        return self._queue_view(list(by_name.values()), [q["name"] for q in desired])

    # --- provider protocol -----------------------------------------------------

    @_scrubbed
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate inputs offline and apply defaults."""
        inputs = dict(news)
        for key, default in INPUT_DEFAULTS.items():
            if inputs.get(key) is None:
                inputs[key] = default
        forms = _credential_forms((inputs,))
        failures = [
            CheckFailure(prop, scrub(reason, forms)) for prop, reason in validate_inputs(inputs)
        ]
        if not failures:
            normalized = _normalize(inputs)
            inputs["concurrency_limit"] = normalized["concurrency_limit"]
            inputs["queues"] = normalized["queues"]
        return CheckResult(inputs, failures)

    @_scrubbed
    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Compare new inputs with the old outputs; no network.

        ``api_url`` compares in its normalized form (``normalize_api_url``): a trailing
        ``/``, ``localhost`` for ``127.0.0.1``, a default port or the case of scheme and
        host is no change. A replace is announced as a warning (see ``_warn_replace``).
        """
        olds = _normalize(_olds)
        news = _normalize(_news)
        replaces = [
            k
            for k in REPLACE_KEYS
            if not (_same_api_url(news[k], olds[k]) if k == "api_url" else news[k] == olds[k])
        ]
        changes = list(replaces)
        for key in UPDATE_KEYS:
            new, old = news[key], olds[key]
            if key == "queues":
                differs = not _queues_equal(new, old)
            elif key == "base_job_template":
                differs = new is not None and new != (old or {})
            else:
                differs = new != old
            if differs:
                changes.append(key)
        if replaces:
            _warn_replace(_id or olds["name"], olds, news, replaces)
        return DiffResult(
            changes=bool(changes),
            replaces=replaces,
            stables=[k for k in REPLACE_KEYS if k not in replaces],
            delete_before_replace=True,
        )

    @_scrubbed
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the pool (take back its own, or adopt an existing one) and its queues."""
        inputs = _normalize(props)
        name = inputs["name"]
        with self._api(inputs) as api:
            pool = self._post_pool(api, inputs)
            server_queues: list[dict[str, Any]] | None = None
            ours = False  # a pool this resource created, before or now
            if pool is None:
                existing = api.read_pool(name)
                if existing is None:  # deleted between POST and GET
                    raise PrefectApiError(f"work pool {name!r} vanished while adopting it")
                ours = _owned_by(existing, inputs["owner"])
                if not ours and not inputs["adopt_existing"]:
                    raise PrefectApiError(
                        f"work pool {name!r} already exists at {api.conn.base_url}. To "
                        "manage it with Pulumi, set adopt_existing=True (the pool is then "
                        "updated to the declared state and deleted with the stack), or "
                        "choose another name. `pulumi import` does not work for dynamic "
                        "resources (pulumi/pulumi#16175).",
                        409,
                    )
                if existing["type"] != inputs["type"]:
                    raise PrefectApiError(
                        f"cannot adopt work pool {name!r}: it has type "
                        f"{existing['type']!r}, the inputs ask for {inputs['type']!r} and "
                        "the type of a pool cannot be changed"
                    )
                api.update_pool(name, self._pool_body(inputs, for_create=False))
                pool = None  # read back below
            else:
                ours = True
                # A new pool has exactly one queue: the default one.
                server_queues = [
                    {
                        "id": pool["default_queue_id"],
                        "name": DEFAULT_QUEUE_NAME,
                        "priority": 1,
                        "concurrency_limit": None,
                    }
                ]
            try:
                queues = self._sync_queues(
                    api, {"name": name}, inputs["queues"], None, server_queues
                )
            except Exception:
                if ours:
                    # A failed create records nothing in the state: remove the pool this
                    # resource created, so no unrecorded pool is left behind (an adopted
                    # pool was there before and stays). If this delete fails too, the
                    # marker lets the next create take the pool back.
                    with contextlib.suppress(Exception):
                        api.delete_pool(name)
                raise
            if pool is None:
                pool = api.read_pool(name)
                if pool is None:
                    raise PrefectApiError(f"work pool {name!r} vanished after adoption")
        return CreateResult(name, self._outputs(inputs, pool, queues))

    def _post_pool(self, api: WorkPoolApi, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """POST the pool: its JSON, or None when a pool of its name exists.

        When the POST may have reached the server but its answer did not come back (a
        dropped connection, 502/504), the pool is looked up: if it exists with this
        resource's marker, the POST did create it, and it is taken back (None).
        """
        try:
            return api.create_pool(self._pool_body(inputs, for_create=True))
        except (PrefectAuthError, PrefectApiUnavailable):
            raise
        except PrefectApiError as exc:
            if exc.status_code not in (None, 502, 504) or not inputs["owner"]:
                raise
            with contextlib.suppress(PrefectApiError):
                existing = api.read_pool(inputs["name"])
                if existing is not None and _owned_by(existing, inputs["owner"]):
                    return None
            raise

    @_scrubbed
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from the server; a pool that is gone reads as an empty id."""
        state = _normalize(props)
        name = id_ or state["name"]
        with self._api(state) as api:
            pool = api.read_pool(name)
            if pool is None:
                return ReadResult("", {})
            queues = None
            if state["queues"] is not None:
                names = [q["name"] for q in state["queues"] if isinstance(q, Mapping)]
                queues = self._queue_view(api.read_queues(name), names)
        return ReadResult(name, self._outputs(state, pool, queues))

    @_scrubbed
    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """PATCH the pool to the new inputs, sync queues, return the full server state."""
        olds = _normalize(_olds)
        news = _normalize(_news)
        name = _id or news["name"]
        with self._api(news) as api:
            if not api.update_pool(name, self._pool_body(news, for_create=False)):
                raise PrefectApiError(
                    f"work pool {name!r} no longer exists at {api.conn.base_url}; run "
                    "`pulumi refresh` so Pulumi recreates it",
                    404,
                )
            queues = self._sync_queues(api, {"name": name}, news["queues"], olds["queues"])
            pool = api.read_pool(name)
            if pool is None:
                raise PrefectApiError(f"work pool {name!r} vanished during the update", 404)
        return UpdateResult(self._outputs(news, pool, queues))

    @_scrubbed
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Delete the pool; a pool that is already gone counts as deleted."""
        state = _normalize(_props)
        with self._api(state) as api:
            api.delete_pool(_id or state["name"])


def _owned_by(pool: Mapping[str, Any], owner: str | None) -> bool:
    """Whether ``pool`` (server JSON) carries ``owner``'s marker."""
    return bool(owner) and split_marker(pool.get("description"))[1] == owner


#: What a replace does to the pool's deployments (the server's delete cascades).
REPLACE_CONSEQUENCE = (
    "Pulumi deletes the pool first, then creates it anew. Deleting a pool deletes its work "
    "queues: every deployment on it loses its work queue and its scheduled flow runs are "
    "no longer picked up by any worker, until the deployments are deployed again to the "
    "new pool (the stack's flow delivery does it for its own flows)."
)


def _warn_replace(
    name: Any, olds: Mapping[str, Any], news: Mapping[str, Any], replaces: list[str]
) -> None:
    """Say what a replace does, as a warning the Pulumi CLI shows.

    A DiffResult has no message. The dynamic provider host has no engine connection
    (``pulumi.log`` falls back to stderr), and the engine shows a dynamic provider's
    stderr lines in the update's output, at preview and at up.
    """
    what = []
    for key in replaces:
        if key == "api_url":
            what.append(
                f"api_url {display_url(olds['api_url'])} -> {display_url(news['api_url'])} "
                "(another Prefect server: the pool at the old one is deleted, its "
                "deployments are not moved)"
            )
        else:
            what.append(f"{key} {olds[key]!r} -> {_shown(news[key])}")
    pulumi_log.warn(
        f"work pool {name!r} will be REPLACED: {'; '.join(what)}. {REPLACE_CONSEQUENCE}"
    )


def _shown(value: Any) -> str:
    return "(not known yet)" if is_unknown(value) else repr(value)
