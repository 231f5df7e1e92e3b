"""What tools need at run time, created once per server process by the server's lifespan.

`tool_state(ctx)` hands each request a view, made once per request, whose API client is bound to the caller: in
HTTP mode the Sync API key may arrive per request in the `X-Sync-Api-Key` header (falling back to SYNC_API_KEY),
so one deployment serves many users without sharing a key. The view also reports retries to the caller. The
process's one API client is made when a request first needs it (`SharedClient`): making it imports the HTTP
stack, which answering `initialize` and `tools/list` does not need.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context

from sync_mcp.api.retries import RetryNotice
from sync_mcp.config import Settings
from sync_mcp.logs import redactor
from sync_mcp.services.deliveries import Deliveries, DeliveryBoard
from sync_mcp.services.upload_links import InProcessEntries, UploadLinks

from .grants import granted_api_key
from .notify import notify_client
from .spend_memory import InProcessSpendMemory, SpendMemory
from .updates import GenerationUpdates

if TYPE_CHECKING:  # toolset -> registry -> results -> state: a type-only import keeps the cycle out
    from sync_mcp.api import ErrorCatalog, SyncClient

    from .toolset import Offered


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
    updates: GenerationUpdates
    """Where sightings of generations go, so subscribed clients hear of status changes."""
    offered: Offered
    """The toolsets this server offers now: results name only tools the agent has."""
    deliveries: Deliveries = field(default_factory=DeliveryBoard)
    """Verified webhook deliveries (HTTP mode), which end waits without polling."""
    spend_estimates: SpendMemory = field(default_factory=InProcessSpendMemory)
    """Cost estimates this server remembers for a while, by body (toolkit/spending.py)."""
    upload_links: UploadLinks = field(default_factory=lambda: UploadLinks(InProcessEntries()))
    """Upload links (HTTP mode): minted by upload_media, used through the page server/upload_pages.py serves."""
    started_by: dict[str, str] = field(default_factory=dict)
    """Which tool started a recent generation, by id, so later advice names it (tools/generations.py)."""
    bound_client: SyncClient | None = None
    """A request's own client, bound to its caller (`tool_state`); None in the server's state."""

    @property
    def client(self) -> SyncClient:
        """The API client: the request's own in a request's view, else the process's shared one."""
        return self.bound_client if self.bound_client is not None else self.shared_client.get()


API_KEY_HEADER = "X-Sync-Api-Key"
"""HTTP mode: the request header carrying the caller's own Sync API key."""
HTTP_MISSING_KEY_HINT = (
    f"Send your Sync API key in the {API_KEY_HEADER} header of each request to this server (or have its "
    "operator set SYNC_API_KEY). Keys: https://sync.so/keys"
)


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
        default_webhook_url=state.settings.webhook_url() if own_key else None,
        missing_key_hint=HTTP_MISSING_KEY_HINT if ctx.headers is not None else None,
        key_source=f"the {API_KEY_HEADER} header",
    )
    return replace(state, bound_client=client)
