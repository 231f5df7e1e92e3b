"""What tools need at run time, created once per server process by the server's lifespan.

`tool_state(ctx)` hands each request a view, made once per request, whose API client is bound to the caller: in
HTTP mode the Sync API key may arrive per request in the `X-Sync-Api-Key` header (falling back to SYNC_API_KEY),
so one deployment serves many users without sharing a key. The view also reports retries to the caller. The
process's one API client is made when a request first needs it (`SharedClient`): making it imports the HTTP
stack, which answering `initialize` and `tools/list` does not need.

Who is calling (`owner`, `caller_id`, `caller_folders`): one identity per user of an HTTP deployment, for what
must stay theirs. Over HTTP a caller is the verified bearer principal (if the server checks a token) together
with a digest of the Sync API key the request carries (`X-Sync-Api-Key`, or the key its OAuth grant holds:
`KeyBoundAccessToken`); requests without their own key use the deployment's key, and share its identity as they
share its account. Tasks are bound to this identity (`server/tasks.py`), and so are local folders
(services/paths.py). Over stdio and in memory there is one user: no identity is needed, and `caller_id` is
None. The operator of an HTTP deployment (a request acting with the deployment's own SYNC_API_KEY, with no key of
its own and no OAuth sign-in) is that one user too, and keeps the configured folders, as over stdio; every other
caller gets folders of its own, created on first use so that no message ever names a missing folder. The key
itself is never kept: only its SHA-256 (`api.client.key_digest`), and folder names are a digest of the whole
identity.

OAuth grants: in HTTP mode with `SYNC_MCP_AUTH=oauth`, a user signs in once with their own Sync API key and the
access tokens issued to their client are bound to it. The token verifier hands the request a
`KeyBoundAccessToken` (the SDK keeps it in its auth context for the duration of the request), and
`granted_api_key()` reads the key from it, so tools act with that user's key exactly as with a per-request
`X-Sync-Api-Key`.

The server supplies what only it knows through small protocols: where sightings of generations go
(`GenerationSightings`, server/updates.py) and which tools the current caller has (`OfferedTools`,
tools/toolsets.py; within a tool call, the tools the server listed for it as it accepted the call,
`TOOLS_LISTED`).

Wait bounds (the last section): how long one tool call may block while it follows a generation.

Hosts built on the TypeScript SDK end a request after 60 s unless they reset the clock on progress, so the
longest wait a call may ask for is a server setting (`SYNC_MCP_MAX_WAIT_SECONDS`, default 50). The `timeout`
argument's schema carries that maximum: its field is marked here, and the server writes the configured value
into `tools/list` (server/app.py). A larger `timeout` is refused before anything is sent; when the wait runs
out the call returns the id and status, and the agent calls again.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, principal_components
from mcp.server.mcpserver import Context
from pydantic import Field, PrivateAttr

from sync_mcp.api.retries import RetryNotice
from sync_mcp.backend.deliveries import Deliveries, DeliveryBoard
from sync_mcp.backend.entries import InProcessEntries
from sync_mcp.backend.spend_memory import InProcessSpendMemory, SpendMemory
from sync_mcp.backend.task_handles import Owner
from sync_mcp.config import Settings
from sync_mcp.guidance import refusals
from sync_mcp.guidance.errors import missing_key_fix
from sync_mcp.services.paths import Folders, folders_for
from sync_mcp.services.upload_links import UploadLinks
from sync_mcp.telemetry import redactor

from .notify import notify_client

if TYPE_CHECKING:  # sync_mcp.api resolves these names on first use (the wire models, the HTTP stack): types only
    from sync_mcp.api import Generation, SyncClient
    from sync_mcp.guidance.catalog import ErrorCatalog


class GenerationSightings(Protocol):
    """Where sightings of generations go (server/updates.py), so subscribed clients hear of status changes."""

    async def observe(self, generation: Generation) -> None: ...


class OfferedTools(Protocol):
    """The toolsets this server offers the current caller now (tools/toolsets.py `Offered`)."""

    def offers(self, tool_name: str) -> bool: ...


class SharedClient:
    """The process's one API client (one connection pool for every request), made by `make` when first needed."""

    def __init__(self, make: Callable[[], SyncClient]) -> None:
        self._make = make
        self._client: SyncClient | None = None

    def get(self) -> SyncClient:
        if self._client is None:
            self._client = self._make()
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


@dataclass
class ToolState:
    settings: Settings
    shared_client: SharedClient
    catalog: ErrorCatalog
    updates: GenerationSightings
    """Where sightings of generations go, so subscribed clients hear of status changes."""
    offered: OfferedTools
    """The toolsets this server offers now: results name only tools the agent has."""
    operator_folders: Folders
    """The folders of the operator (stdio, in memory, HTTP with the deployment's key): worked out from the settings
    once, when the server starts, rather than on every call (`caller_folders`)."""
    webhook_url: str | None
    """Where the API should deliver completions of jobs made with the deployment's own key (the settings' one)."""
    deliveries: Deliveries = field(default_factory=DeliveryBoard)
    """Verified webhook deliveries (HTTP mode), which end waits without polling."""
    spend_estimates: SpendMemory = field(default_factory=InProcessSpendMemory)
    """Cost estimates this server remembers for a while, by body (toolkit/spending.py)."""
    upload_links: UploadLinks = field(default_factory=lambda: UploadLinks(InProcessEntries()))
    """Upload links (HTTP mode): minted by upload_media, used through the page server/upload_pages.py serves."""
    started_by: dict[str, str] = field(default_factory=dict)
    """Which tool started a recent generation, by id, so later advice names it (toolkit/generations.py)."""
    bound_client: SyncClient | None = None
    """A request's own client, bound to its caller (`tool_state`); None in the server's state."""

    @property
    def client(self) -> SyncClient:
        """The API client: the request's own in a request's view, else the process's shared one."""
        return self.bound_client if self.bound_client is not None else self.shared_client.get()

    def offers(self, tool_name: str) -> bool:
        """Whether the current caller has `tool_name`: within a tool call, among the tools the server listed for
        it when it accepted the call (`TOOLS_LISTED`); elsewhere (a resource read, a task), by its toolsets."""
        listed = TOOLS_LISTED.get()
        return tool_name in listed if listed is not None else self.offered.offers(tool_name)


TOOLS_LISTED: ContextVar[frozenset[str] | None] = ContextVar("sync_mcp_tools_listed", default=None)
"""The names of the tools the caller of the current tool call sees, set by the server as it accepts the call
(server/app.py): advice in a result names only tools among them, without working out the toolsets again."""


API_KEY_HEADER = "X-Sync-Api-Key"
"""HTTP mode: the request header carrying the caller's own Sync API key."""


def caller_api_key(ctx: Context[Any, Any]) -> str | None:
    """The key this request acts with (HTTP mode): the one its OAuth grant holds, else the one sent in the
    header; None on stdio, in memory, or without either."""
    granted = granted_api_key()
    if granted is not None:
        return granted
    headers = ctx.headers
    value = headers.get(API_KEY_HEADER) if headers is not None else None
    return (value.strip() or None) if value else None


async def _tell_retry(ctx: Context[Any, Any], notice: RetryNotice) -> None:
    reason = notice.error.error_code or notice.error.http_status or "network error"
    message = f"{notice.method} {notice.path} failed ({reason}); retry {notice.attempt} in {notice.delay:.1f}s"
    await notify_client(ctx, "warning", message)


_views: ContextVar[tuple[Any, ToolState] | None] = ContextVar("sync_mcp_tool_state", default=None)
"""The view made for the request being handled (each request runs in a task, and so a context, of its own)."""


def tool_state(ctx: Context[Any, Any]) -> ToolState:
    """The server's state as this request sees it: its API client bound to the caller's key, made once per
    request (a tool, its argument resolvers and the helpers they call all get the same view)."""
    made = _views.get()
    if made is not None and made[0] is ctx.request_context:
        return made[1]
    view = _view(ctx)
    _views.set((ctx.request_context, view))
    return view


def _view(ctx: Context[Any, Any]) -> ToolState:
    state = ctx.request_context.lifespan_context
    if not isinstance(state, ToolState):  # pragma: no cover - a wiring bug, not a user error
        raise RuntimeError("sync-mcp tools need the sync-mcp server lifespan")
    key = caller_api_key(ctx)
    redactor.add_per_request(key)  # held while its request runs (server/request_scope.py); remembered after
    own_key = key is None or key == state.settings.secret_key()
    client = state.shared_client.get().bound(
        api_key=key,
        on_retry=partial(_tell_retry, ctx),
        # One webhook secret verifies one organisation's deliveries: the deployment's own key only.
        default_webhook_url=state.webhook_url if own_key else None,
        missing_key_hint=missing_key_fix(API_KEY_HEADER) if ctx.headers is not None else None,
        key_source=f"the {API_KEY_HEADER} header",
    )
    return replace(state, bound_client=client)


# ------------------------------------------------------------------------------------------ OAuth grants


class KeyBoundAccessToken(AccessToken):
    """An access token this server issued, with the Sync API key of the grant it belongs to.

    The key is a private attribute: it is never part of a dump, a JSON rendering or the repr (which also
    leaves the token out)."""

    grant_id: str
    _api_key: str = PrivateAttr(default="")

    @classmethod
    def bound(cls, api_key: str, **fields: Any) -> KeyBoundAccessToken:
        token = cls(**fields)
        token._api_key = api_key
        return token

    @property
    def api_key(self) -> str:
        return self._api_key

    def __repr_args__(self) -> Any:
        return [(name, value) for name, value in super().__repr_args__() if name != "token"]


def granted_api_key() -> str | None:
    """The Sync API key of the OAuth grant behind the current request, or None (no OAuth token)."""
    token = get_access_token()
    if isinstance(token, KeyBoundAccessToken) and token.api_key:
        return token.api_key
    return None


def granted_token() -> KeyBoundAccessToken | None:
    """The current request's OAuth access token, when it is one this server issued."""
    token = get_access_token()
    return token if isinstance(token, KeyBoundAccessToken) else None


# ---------------------------------------------------------------------------------------- who is calling


def owner(ctx: Context[Any, Any]) -> Owner:
    """The caller of this request: verified principal and key digest (see the module docstring)."""
    from sync_mcp.api.client import key_digest  # here, not at the top: the server starts without the HTTP stack

    token = get_access_token()
    return (principal_components(token) if token is not None else None), key_digest(caller_api_key(ctx))


def is_http(ctx: Context[Any, Any]) -> bool:
    """True when the request came over HTTP (the transport that serves many users)."""
    return ctx.headers is not None


def caller_id(ctx: Context[Any, Any]) -> str | None:
    """A short, stable, file-name-safe name for the HTTP caller (None over stdio and in memory)."""
    if not is_http(ctx):
        return None
    digest = hashlib.sha256(json.dumps(owner(ctx)).encode("utf-8")).hexdigest()
    return f"caller-{digest[:24]}"


def is_operator(ctx: Context[Any, Any], settings: Settings) -> bool:
    """True when the request acts with the deployment's own key: stdio, in memory, or HTTP with no key of its own
    (no `X-Sync-Api-Key`, no OAuth grant) on a deployment that has SYNC_API_KEY."""
    if not is_http(ctx):
        return True
    return caller_api_key(ctx) is None and bool(settings.secret_key())


def is_remote(ctx: Context[Any, Any], settings: Settings) -> bool:
    """True for a caller who cannot have files on this server's disk: not the operator, and signed in with OAuth
    or calling from beyond loopback (as the connection, or a proxy on loopback, says). Its videos come and go
    through links (upload_media, download_output) rather than the server's folders."""
    if is_operator(ctx, settings):
        return False
    if granted_api_key() is not None:
        return True
    client = getattr(ctx.request_context.request, "client", None)
    host = getattr(client, "host", None) or ""
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host != "localhost"


def caller_folders(ctx: Context[Any, Any]) -> Folders:
    """The folders of the caller of this request (services/paths.py): the configured ones for the operator,
    the caller's own (created now if missing) for anyone else."""
    state = tool_state(ctx)
    if is_operator(ctx, state.settings):
        return state.operator_folders
    folders = folders_for(state.settings, caller_id(ctx))
    folders.create()
    return folders


# --------------------------------------------------------------------------------------------------- wait bounds

DEFAULT_WAIT_SECONDS = 45.0
"""The wait when the caller gives no `timeout` (or the server maximum, if that is lower)."""
WAIT_BOUND_MARK = "x-sync-mcp-wait-bound"
"""Schema key marking a `timeout` property; `tools/list` replaces it with `maximum: <server setting>`."""


def _bounded(description: str) -> Any:
    """A `timeout` field: at least 1 s, marked so `tools/list` states the server's maximum."""
    return Field(ge=1, description=description, json_schema_extra={WAIT_BOUND_MARK: True})


WaitTimeout = Annotated[
    float | None,
    _bounded(
        f"Seconds to wait (default {DEFAULT_WAIT_SECONDS:.0f}, or the maximum if lower); then call get_generation "
        "again."
    ),
]
JobWait = Annotated[
    float | None,
    _bounded(
        f"Seconds to wait (default {DEFAULT_WAIT_SECONDS:.0f}). On expiry the job's id returns: call again with it."
    ),
]
"""`WaitTimeout` for tools that follow their own jobs (transcriptions, dialogue edits), not a generation."""


def wait_seconds(timeout: float | None, maximum: float) -> float:
    """The wait to use for a call's `timeout`, refused (nothing sent) when it exceeds the server's maximum."""
    if timeout is None:
        return min(DEFAULT_WAIT_SECONDS, maximum)
    if timeout > maximum:
        raise refusals.wait_too_long(timeout, maximum)
    return timeout


def bound_waits(schema: dict[str, object], maximum: float) -> dict[str, object]:
    """`schema` with every marked `timeout` property given `maximum` (and the mark removed)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not any(
        isinstance(p, dict) and p.get(WAIT_BOUND_MARK) for p in properties.values()
    ):
        return schema
    bounded = {
        name: (
            {**{k: v for k, v in prop.items() if k != WAIT_BOUND_MARK}, "maximum": maximum}
            if isinstance(prop, dict) and prop.get(WAIT_BOUND_MARK)
            else prop
        )
        for name, prop in properties.items()
    }
    return {**schema, "properties": bounded}
