"""MCP resources: one generation, the error catalog, the models, the voices; and legacy subscriptions.

Reading is protocol-level, so failures are JSON-RPC errors: an unknown generation is -32602 (resource not
found, `data.uri`); any other API failure is -32603 whose `data` carries the usual
`{errorCode, httpStatus, message, fix, retryable, requestId}` besides the `uri`.

Subscriptions: 2026-07-28 clients use `subscriptions/listen` (served by the SDK over the server's bus);
handshake-era clients use `resources/subscribe` / `resources/unsubscribe`, which `MCPServer` does not serve,
so low-level handlers are registered here. Both are fed by `GenerationUpdates` (server/updates.py).

On both eras a subscription to a generation is checked before anything is registered: the subscriber's own
API key must be able to read it (one deployment serves many users in HTTP mode, and a notification would
tell one user when another user's job changes). A generation the key cannot read is refused as reading it
would be (-32602, resource not found); a failure to check is -32603 with the usual error object. Every
text that leaves here is scrubbed of secrets by value.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    EmptyResult,
    SubscribeRequestParams,
    SubscriptionsListenRequestParams,
    UnsubscribeRequestParams,
)
from pydantic import BaseModel

from sync_mcp.api import SyncAPIError
from sync_mcp.guidance.errors import ErrorInfo, explain
from sync_mcp.sdk_internals import add_request_handler, connection, wrap_request_handler
from sync_mcp.telemetry import redactor
from sync_mcp.toolkit.results import generation_id_of, generation_uri
from sync_mcp.toolkit.state import ToolState, tool_state

from .request_scope import current_context
from .updates import GenerationUpdates

if TYPE_CHECKING:
    from types import ModuleType


def _documents() -> ModuleType:
    """The documents the resources serve, imported when one is first read: they import the tools' modules,
    which start-up does not need (server/tool_snapshot.py)."""
    from . import documents

    return documents


JSON = "application/json"
NOT_FOUND_CODES = frozenset({"generation_not_found", "invalid_generation_id", "not_found"})
MAX_WATCHED_GENERATIONS = 100
"""Generations one `subscriptions/listen` request may watch (each is checked with a read before the stream opens)."""


def _json(document: BaseModel) -> str:
    data = redactor.scrub_value(document.model_dump(mode="json", by_alias=True, exclude_none=True))
    return json.dumps(data, ensure_ascii=False)


def _not_found(exc: SyncAPIError) -> bool:
    return exc.http_status == 404 or exc.error_code in NOT_FOUND_CODES


def _failure(uri: str, info: ErrorInfo) -> MCPError:
    data = redactor.scrub_value({"uri": uri, **info.to_wire()})
    return MCPError(code=INTERNAL_ERROR, message=f"{uri}: {data['message']}", data=data)


async def _read(state: ToolState, uri: str, build: Callable[[], Awaitable[BaseModel]]) -> str:
    try:
        return _json(await build())
    except SyncAPIError as exc:
        info = await explain(exc, state.catalog)
        if _not_found(exc):
            raise ResourceNotFoundError(redactor.scrub(f"{uri}: {info.message}")) from exc
        raise _failure(uri, info) from exc


async def check_access(server: MCPServer[Any], ctx: ServerRequestContext[Any, Any], uris: Iterable[str]) -> None:
    """Raise unless the caller's own key can read every generation among `uris` (other resources need no check:
    the catalog, the models and the voices are the same for every subscriber and publish nothing)."""
    watched = [(uri, gid) for uri in uris if (gid := generation_id_of(uri)) is not None]
    if len(watched) > MAX_WATCHED_GENERATIONS:
        raise MCPError(
            code=INVALID_PARAMS,
            message=f"At most {MAX_WATCHED_GENERATIONS} generations can be watched by one subscription; "
            f"{len(watched)} were asked for.",
        )
    if not watched:
        return

    state = tool_state(Context(request_context=ctx, mcp_server=server))
    for uri, generation_id in watched:
        try:
            # A plain read, not a sighting: a status seen here must still be news to the next sighting, or a
            # subscriber registered just after would miss the very change it subscribed for.
            await state.client.generations.get(generation_id)
        except SyncAPIError as exc:
            info = await explain(exc, state.catalog)
            if _not_found(exc):
                raise MCPError(
                    code=INVALID_PARAMS,
                    message=redactor.scrub(
                        f"Resource not found: {uri} cannot be read with your Sync API key, so it cannot be "
                        f"watched either ({info.message})"
                    ),
                    data={"uri": uri},
                ) from exc
            raise _failure(uri, info) from exc


# The documents that are the same for every caller: (uri, name, title, description, how server/documents.py
# builds it).
_SHARED_DOCUMENTS: tuple[tuple[str, str, str, str, Callable[[ModuleType, ToolState], Awaitable[BaseModel]]], ...] = (
    (
        "sync://errors",
        "error-catalog",
        "Sync API error codes",
        "Every API error code with its message and fix (live catalog, or the bundled snapshot).",
        lambda documents, state: documents.error_catalog(state),
    ),
    (
        "sync://models",
        "models",
        "Sync models and what they accept",
        "Each model's inputs, honoured and ignored options, limits, typical processing time, indicative price, "
        "and whether this account can use it.",
        lambda documents, state: documents.model_capabilities(state),
    ),
    (
        "sync://voices",
        "voices",
        "Voices for text-to-speech",
        "Built-in and cloned voices; use an id as voiceId of a text input.",
        lambda documents, state: documents.voice_list(state),
    ),
)


def _serve_document(
    server: MCPServer[Any],
    uri: str,
    name: str,
    title: str,
    description: str,
    build: Callable[[ModuleType, ToolState], Awaitable[BaseModel]],
) -> None:
    @server.resource(uri, name=name, title=title, description=description, mime_type=JSON)
    async def document() -> str:
        state = tool_state(current_context(server))
        return await _read(state, uri, lambda: build(_documents(), state))


def register_resources(server: MCPServer[Any], updates: GenerationUpdates) -> None:
    @server.resource(
        "sync://generations/{generation_id}",
        name="generation",
        title="A generation",
        description="Status and result of one generation (as get_generation returns it). Subscribe to hear of "
        "status changes.",
        mime_type=JSON,
    )
    async def generation(generation_id: str, ctx: Context[Any, Any]) -> str:
        state = tool_state(ctx)
        uri = generation_uri(generation_id)
        return await _read(state, uri, lambda: _documents().read_generation(state, generation_id))

    for uri, name, title, description, build in _SHARED_DOCUMENTS:
        _serve_document(server, uri, name, title, description, build)

    _serve_legacy_subscriptions(server, updates)
    _check_listen_access(server)


def _serve_legacy_subscriptions(server: MCPServer[Any], updates: GenerationUpdates) -> None:
    async def subscribe(ctx: ServerRequestContext[Any, Any], params: SubscribeRequestParams) -> EmptyResult:
        uri = str(params.uri)
        await check_access(server, ctx, [uri])
        updates.subscribe_legacy(connection(ctx.session), uri)
        return EmptyResult()

    async def unsubscribe(ctx: ServerRequestContext[Any, Any], params: UnsubscribeRequestParams) -> EmptyResult:
        updates.unsubscribe_legacy(connection(ctx.session), str(params.uri))
        return EmptyResult()

    # `MCPServer` has no decorator for these; the 2026 wire never routes them here. A subscription belongs to
    # the client's connection, which outlives this request.
    add_request_handler(server, "resources/subscribe", SubscribeRequestParams, subscribe)
    add_request_handler(server, "resources/unsubscribe", UnsubscribeRequestParams, unsubscribe)


def _check_listen_access(server: MCPServer[Any]) -> None:
    """Put the access check in front of the SDK's own `subscriptions/listen` handler (which serves the stream
    over the server's bus): a listen naming a generation the caller cannot read is refused before the stream
    opens, so nothing is ever subscribed to the bus for it."""

    def guarded(serve: Any) -> Any:
        async def listen(ctx: ServerRequestContext[Any, Any], params: SubscriptionsListenRequestParams) -> Any:
            await check_access(server, ctx, params.notifications.resource_subscriptions or ())
            return await serve(ctx, params)

        return listen

    wrap_request_handler(server, "subscriptions/listen", SubscriptionsListenRequestParams, guarded)
