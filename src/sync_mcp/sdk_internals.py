"""The one door to the `mcp` SDK's private parts (pinned to `mcp~=2.3.0`, the minor version this was written for).

MCPServer has no public way to do a few things this server needs: serve a request method it has no decorator
for (`resources/subscribe`, `logging/setLevel` on the handshake era), keep per-connection state (a subscription
or a log level outlives the request that set it), serve stdio over our own line streams, and let the tasks
extension run a tool with one argument changed. Each access below is one function with a contract test
(tests/test_sdk_contract.py), and each fails loudly (`SDKContractError`) when an upgrade moves what it reaches
for, instead of silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any

from mcp.server import MCPServer
from mcp.server.lowlevel.server import Server
from mcp.server.stdio import stdio_server
from mcp.types import CallToolRequestParams


class SDKContractError(RuntimeError):
    """The installed `mcp` no longer has a private part this server relies on (see the module docstring)."""


def lowlevel_server(server: MCPServer[Any]) -> Server[Any]:
    """The low-level `Server` behind an `MCPServer` (attribute `_lowlevel_server`)."""
    inner = getattr(server, "_lowlevel_server", None)
    if not isinstance(inner, Server):
        raise SDKContractError("MCPServer._lowlevel_server is missing: the mcp SDK changed (pinned to ~=2.3.0)")
    return inner


def add_request_handler(server: MCPServer[Any], method: str, params_type: type[Any], handler: Any) -> None:
    """Serve a request method that `MCPServer` has no decorator for."""
    lowlevel_server(server).add_request_handler(method, params_type, handler)


def connection(session: Any) -> Any:
    """The client connection behind a request's `ServerSession` (attribute `_connection`): what outlives the
    request, so subscriptions and per-connection settings are keyed by it."""
    found = getattr(session, "_connection", None)
    if not (
        isinstance(getattr(found, "state", None), dict)
        and hasattr(found, "exit_stack")
        and hasattr(found, "send_resource_updated")
    ):
        raise SDKContractError("ServerSession._connection is missing or changed: the mcp SDK moved (pinned ~=2.3.0)")
    return found


def connection_state(session: Any) -> dict[str, Any]:
    """The per-connection scratch dict (`Connection.state`) of the connection behind a request's session."""
    state: dict[str, Any] = connection(session).state
    return state


def stdio_over(lines: Any, writer: Any) -> AbstractAsyncContextManager[Any]:
    """The SDK's stdio transport fed our own streams: `lines` is an async iterator of text lines, `writer` has
    async `write(text)` and `flush()` — the only parts of `anyio.AsyncFile` the transport uses."""
    return stdio_server(lines, writer)


@contextmanager
def tool_arguments(params: CallToolRequestParams, arguments: Mapping[str, Any]) -> Iterator[None]:
    """Within the block, the tool handler reached through `call_next` sees `arguments` instead of the request's
    own (it reads the same `params` object the extension was handed); they are restored afterwards."""
    original = params.arguments
    params.arguments = dict(arguments)
    try:
        yield
    finally:
        params.arguments = original
