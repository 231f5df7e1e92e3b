"""`logging/setLevel` for handshake-era clients, which `MCPServer` does not serve.

The level is kept per connection (toolkit/notify.py reads it); serving the method also advertises the
`logging` capability at `initialize`. 2026-07-28 removed the method, and the SDK answers it there with
"method not found" before this handler could run.
"""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from mcp.server.context import ServerRequestContext
from mcp.types import EmptyResult, SetLevelRequestParams

from sync_mcp.sdk_internals import add_request_handler
from sync_mcp.toolkit.notify import remember_log_level


async def _set_level(ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams) -> EmptyResult:
    remember_log_level(ctx.session, params.level)
    return EmptyResult()


def serve_log_levels(server: MCPServer[Any]) -> None:
    add_request_handler(server, "logging/setLevel", SetLevelRequestParams, _set_level)
