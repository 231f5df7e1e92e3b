"""The one door to the `mcp` SDK's private parts (pinned to `mcp~=2.3.0`, the minor version this was written for).

MCPServer has no public way to do a few things this server needs: serve a request method it has no decorator
for (`resources/subscribe`, `logging/setLevel` on the handshake era) or put a check in front of one it serves
(`subscriptions/listen`), keep per-connection state (a subscription or a log level outlives the request that
set it), serve stdio over our own line streams and relay its messages in the SDK's own stream type, and let the
tasks extension run a tool with one argument changed, build a server without the SDK redoing the logging
set-up the CLI already did, and let a tool take its arguments as one Pydantic model whose fields are the tool's
parameters (`model_arguments`). Each access below is one function with a contract test
(tests/server/test_sdk_contract.py), and each fails loudly (`SDKContractError`) when an upgrade moves what it reaches
for, instead of silently doing nothing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any

from mcp.server import MCPServer
from mcp.server.lowlevel.server import Server
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.server.stdio import stdio_server
from mcp.types import CallToolRequestParams
from pydantic import BaseModel, create_model


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


def wrap_request_handler(
    server: MCPServer[Any], method: str, params_type: type[Any], wrap: Callable[[Any], Any]
) -> bool:
    """Serve `method` with `wrap(the handler the SDK registered for it)`, e.g. a check in front of the SDK's own
    `subscriptions/listen`. False when nothing serves `method` (then nothing is wrapped)."""
    entry = lowlevel_server(server).get_request_handler(method)
    if entry is None:
        return False
    handler = getattr(entry, "handler", None)
    if not callable(handler):
        raise SDKContractError(f"the SDK's handler entry for {method} has no handler: the mcp SDK changed")
    add_request_handler(server, method, params_type, wrap(handler))
    return True


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


def message_streams() -> tuple[Any, Any]:
    """A (send, receive) pair of the kind the SDK's transports hand the server (`mcp.shared._context_streams`:
    memory streams that carry each message's context), unbuffered, for relaying a transport's messages."""
    from mcp.shared._context_streams import create_context_streams
    from mcp.shared.message import SessionMessage

    return create_context_streams[SessionMessage | Exception](0)  # type: ignore[no-any-return]


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


@contextmanager
def logging_left_configured() -> Iterator[None]:
    """Construct an `MCPServer` within this block. Its constructor calls the SDK's `configure_logging` (a global of
    the module defining `MCPServer`), which imports rich when installed and builds a handler for
    `logging.basicConfig`, which drops it when the root logger already has one, as it has once the CLI set up
    logging. Then the call is skipped (same outcome, without the import); otherwise it runs as the SDK wrote it."""
    module = sys.modules[MCPServer.__module__]
    original = getattr(module, "configure_logging", None)
    if not callable(original):
        raise SDKContractError("mcp's MCPServer module has no configure_logging: the mcp SDK changed (~=2.3.0)")
    if not logging.getLogger().handlers:
        yield
        return
    module.configure_logging = lambda *args, **kwargs: None
    try:
        yield
    finally:
        module.configure_logging = original


MODEL_PARAMETER = "args"
"""The tool parameter that takes the tool's arguments as one model (see `model_arguments`)."""


def model_arguments(server: MCPServer[Any], name: str) -> bool:
    """Tool `name`, when it takes a Pydantic model as its parameter `args` (its other parameters being the context,
    resolved ones and any plain ones), publishes that model's fields as its own parameters, and the SDK validates
    a call's arguments with that model (its field rules and cross-field validators, once) and hands the tool and
    every resolver that asks for `args` by name the validated model. False when the tool has no `args` model.

    Reached: the registered `Tool` (`MCPServer._tool_manager.get_tool`), its published `parameters` and its
    `fn_metadata.arg_model`, the model `FuncMetadata.validate_arguments` validates with and whose
    `model_dump_one_level()` are the keyword arguments of the tool and of by-name resolver parameters."""
    manager = getattr(server, "_tool_manager", None)
    tool = manager.get_tool(name) if hasattr(manager, "get_tool") else None  # type: ignore[union-attr]
    metadata = getattr(tool, "fn_metadata", None)
    arg_model = getattr(metadata, "arg_model", None)
    if not (isinstance(arg_model, type) and issubclass(arg_model, ArgModelBase) and hasattr(tool, "parameters")):
        raise SDKContractError(f"tool {name!r} has no argument model where the mcp SDK kept it (pinned ~=2.3.0)")
    field = arg_model.model_fields.get(MODEL_PARAMETER)
    model = field.annotation if field is not None else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    others = {n: (f.annotation, f) for n, f in arg_model.model_fields.items() if n != MODEL_PARAMETER}
    bound = create_model(f"{name}Arguments", __base__=_bound_base(model), **others)  # type: ignore[call-overload]
    metadata.arg_model = bound  # type: ignore[union-attr]
    tool.parameters = bound.model_json_schema(by_alias=True)  # type: ignore[union-attr]
    return True


def _bound_base(model: type[BaseModel]) -> type[ArgModelBase]:
    """`model` as the SDK's argument model: validated as `model` is, and handed over as one `model` value."""
    names = set(model.model_fields)

    def model_dump_one_level(self: ArgModelBase) -> dict[str, Any]:
        own = {n: getattr(self, n) for n in names}
        value = model.model_construct(self.model_fields_set & names, **own)  # validated just now, as `model`
        fields = type(self).model_fields
        rest = {(f.alias or n): getattr(self, n) for n, f in fields.items() if n not in names}
        return {MODEL_PARAMETER: value, **rest}

    namespace = {"__module__": model.__module__, "__doc__": None, "model_dump_one_level": model_dump_one_level}
    return type(f"{model.__name__}Arguments", (model, ArgModelBase), namespace)
