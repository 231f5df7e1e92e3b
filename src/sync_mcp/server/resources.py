"""MCP resources: one generation, the error catalog, the models, the voices; and legacy subscriptions.

Reading is protocol-level, so failures are JSON-RPC errors: an unknown generation is -32602 (resource not
found, `data.uri`); any other API failure is -32603 whose `data` carries the usual
`{errorCode, httpStatus, message, fix, retryable, requestId}` besides the `uri`.

Subscriptions: 2026-07-28 clients use `subscriptions/listen` (served by the SDK over the server's bus);
handshake-era clients use `resources/subscribe` / `resources/unsubscribe`, which `MCPServer` does not serve,
so low-level handlers are registered here. Both are fed by `GenerationUpdates` (tools/updates.py).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, EmptyResult, SubscribeRequestParams, UnsubscribeRequestParams
from pydantic import BaseModel

from sync_mcp.api import SyncAPIError
from sync_mcp.sdk_internals import add_request_handler, connection
from sync_mcp.tools import documents
from sync_mcp.tools.state import ToolState, tool_state
from sync_mcp.tools.updates import GenerationUpdates, generation_uri

from .request_scope import current_context

JSON = "application/json"
NOT_FOUND_CODES = frozenset({"generation_not_found", "invalid_generation_id", "not_found"})


def _json(document: BaseModel) -> str:
    return json.dumps(document.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False)


async def _read(state: ToolState, uri: str, build: Callable[[], Awaitable[BaseModel]]) -> str:
    try:
        return _json(await build())
    except SyncAPIError as exc:
        info = await state.catalog.explain(exc)
        if exc.http_status == 404 or exc.error_code in NOT_FOUND_CODES:
            raise ResourceNotFoundError(f"{uri}: {info.message}") from exc
        data = {"uri": uri, **info.to_wire()}
        raise MCPError(code=INTERNAL_ERROR, message=f"{uri}: {info.message}", data=data) from exc


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
        return await _read(state, uri, lambda: documents.read_generation(state, generation_id))

    @server.resource(
        "sync://errors",
        name="error-catalog",
        title="Sync API error codes",
        description="Every API error code with its message and fix (live catalog, or the bundled snapshot).",
        mime_type=JSON,
    )
    async def errors() -> str:
        state = tool_state(current_context(server))
        return await _read(state, "sync://errors", lambda: documents.error_catalog(state))

    @server.resource(
        "sync://models",
        name="models",
        title="Sync models and what they accept",
        description="Each model's inputs, honoured and ignored options, limits, typical processing time, "
        "indicative price, and whether this account can use it.",
        mime_type=JSON,
    )
    async def models() -> str:
        state = tool_state(current_context(server))
        return await _read(state, "sync://models", lambda: documents.model_capabilities(state))

    @server.resource(
        "sync://voices",
        name="voices",
        title="Voices for text-to-speech",
        description="Built-in and cloned voices; use an id as voiceId of a text input.",
        mime_type=JSON,
    )
    async def voices() -> str:
        state = tool_state(current_context(server))
        return await _read(state, "sync://voices", lambda: documents.voice_list(state))

    _serve_legacy_subscriptions(server, updates)


def _serve_legacy_subscriptions(server: MCPServer[Any], updates: GenerationUpdates) -> None:
    async def subscribe(ctx: ServerRequestContext[Any, Any], params: SubscribeRequestParams) -> EmptyResult:
        updates.subscribe_legacy(connection(ctx.session), str(params.uri))
        return EmptyResult()

    async def unsubscribe(ctx: ServerRequestContext[Any, Any], params: UnsubscribeRequestParams) -> EmptyResult:
        updates.unsubscribe_legacy(connection(ctx.session), str(params.uri))
        return EmptyResult()

    # `MCPServer` has no decorator for these; the 2026 wire never routes them here. A subscription belongs to
    # the client's connection, which outlives this request.
    add_request_handler(server, "resources/subscribe", SubscribeRequestParams, subscribe)
    add_request_handler(server, "resources/unsubscribe", UnsubscribeRequestParams, unsubscribe)
