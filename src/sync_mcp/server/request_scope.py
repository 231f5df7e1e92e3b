"""The current request's context for handlers the SDK calls without one.

`MCPServer` hands a `Context` to tools and resource templates, but not to static resources
(`sync://models`, ...) nor to completion handlers, which still need the request's API client (in HTTP
mode each request may carry its own key). A server middleware, the SDK's extension point that sees
every request, publishes the request context here for the duration of the request.

The same middleware holds the request's own API key (HTTP mode, `X-Sync-Api-Key`) in the log redactor for as
long as the request runs, so no other client's traffic can make it forget the key while it may be logged.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context
from starlette.requests import Request

from sync_mcp.telemetry import redactor
from sync_mcp.toolkit.state import caller_api_key

_current: ContextVar[ServerRequestContext[Any, Any] | None] = ContextVar("sync_mcp_request", default=None)


async def publish_request_context(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    token = _current.set(ctx)
    try:
        with redactor.holding(caller_api_key(Context(request_context=ctx))):
            return await call_next(ctx)
    finally:
        _current.reset(token)


def install(server: MCPServer[Any]) -> None:
    server.middleware.append(publish_request_context)


def current_context(server: MCPServer[Any]) -> Context[Any, Any]:
    """A tool-style `Context` for the request being handled (raises outside a request)."""
    ctx = _current.get()
    if ctx is None:  # pragma: no cover - a wiring bug: the middleware is installed by build_server
        raise RuntimeError("no MCP request is being handled")
    return Context(request_context=ctx, mcp_server=server)


def current_http_request() -> Request | None:
    """The HTTP request being handled (Streamable HTTP), or None on stdio, in memory, or outside a request."""
    ctx = _current.get()
    request = ctx.request if ctx is not None else None
    return request if isinstance(request, Request) else None
