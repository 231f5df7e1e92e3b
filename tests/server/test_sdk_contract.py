"""Contract tests for `sync_mcp.sdk_internals`, the one door to the mcp SDK's private parts: one test per access,
each failing loudly when an SDK upgrade moves what the server relies on, plus the loud failure itself."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension
from mcp.server.lowlevel.server import Server
from mcp.server.mcpserver import Context, Resolve
from mcp.types import CallToolRequestParams, TextContent
from pydantic import BaseModel, Field, model_validator

from sync_mcp import sdk_internals
from sync_mcp.sdk_internals import SDKContractError

pytestmark = pytest.mark.anyio


def test_lowlevel_server_is_reached_and_its_absence_is_loud() -> None:
    assert isinstance(sdk_internals.lowlevel_server(MCPServer("x")), Server)
    with pytest.raises(SDKContractError):
        sdk_internals.lowlevel_server(object())  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
async def test_an_added_request_handler_is_served() -> None:
    server = MCPServer("x")
    calls: list[str] = []

    async def set_level(ctx: ServerRequestContext[Any, Any], params: Any) -> Any:
        from mcp.types import EmptyResult

        calls.append(params.level)
        return EmptyResult()

    from mcp.types import SetLevelRequestParams

    sdk_internals.add_request_handler(server, "logging/setLevel", SetLevelRequestParams, set_level)
    async with Client(server, mode="legacy") as client:
        await client.set_logging_level("warning")
    assert calls == ["warning"]


async def test_a_served_request_handler_can_be_wrapped() -> None:
    server = MCPServer("x")
    seen: list[str] = []

    def wrap(serve: Any) -> Any:
        async def guarded(ctx: ServerRequestContext[Any, Any], params: Any) -> Any:
            seen.append("checked")
            return await serve(ctx, params)

        return guarded

    from mcp.types import PaginatedRequestParams

    assert sdk_internals.wrap_request_handler(server, "tools/list", PaginatedRequestParams, wrap)
    assert not sdk_internals.wrap_request_handler(server, "no/such/method", PaginatedRequestParams, wrap)
    async with Client(server) as client:
        await client.list_tools()
    assert seen == ["checked"]


async def test_connection_state_outlives_a_request_and_its_absence_is_loud() -> None:
    server = MCPServer("x")

    @server.tool()
    async def count(ctx: Context[Any, Any]) -> int:
        state = sdk_internals.connection_state(ctx.request_context.session)
        state["n"] = state.get("n", 0) + 1
        connection = sdk_internals.connection(ctx.request_context.session)
        assert callable(connection.exit_stack.callback) and callable(connection.send_resource_updated)
        return int(state["n"])

    async with Client(server, mode="legacy") as client:
        first = await client.call_tool("count", {})
        second = await client.call_tool("count", {})
    assert (first.structured_content, second.structured_content) == ({"result": 1}, {"result": 2})
    with pytest.raises(SDKContractError):
        sdk_internals.connection_state(object())


async def test_stdio_runs_over_our_own_line_streams() -> None:
    ping = {"jsonrpc": "2.0", "id": 7, "method": "ping"}

    async def lines() -> AsyncIterator[str]:
        yield json.dumps(ping) + "\n"

    class Writer:
        def __init__(self) -> None:
            self.text = ""
            self.flushed = anyio.Event()

        async def write(self, text: str) -> None:
            self.text += text

        async def flush(self) -> None:
            self.flushed.set()

    writer = Writer()
    async with sdk_internals.stdio_over(lines(), writer) as (read_stream, write_stream):
        with anyio.fail_after(5):
            received = await read_stream.receive()
        await write_stream.send(received)  # echo it back out through the transport's writer
        with anyio.fail_after(5):
            await writer.flushed.wait()
        await write_stream.aclose()  # as the server does when it stops: the transport's writer then ends
    assert json.loads(received.message.model_dump_json(by_alias=True, exclude_none=True))["method"] == "ping"
    assert json.loads(writer.text.splitlines()[0])["id"] == 7


class Doubler(Extension):
    """Runs every tool call with `x` doubled, through `tool_arguments`."""

    identifier = "test.sync-mcp/doubler"

    def __init__(self) -> None:
        self.seen_after: list[Any] = []

    async def intercept_tool_call(
        self, params: CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        arguments = params.arguments or {}
        with sdk_internals.tool_arguments(params, {**arguments, "x": arguments["x"] * 2}):
            result = await call_next(ctx)
        self.seen_after.append(params.arguments)
        return result


async def test_tool_arguments_reach_the_tool_and_are_restored() -> None:
    doubler = Doubler()
    server = MCPServer("x", extensions=[doubler])

    @server.tool()
    async def echo(x: int) -> str:
        return str(x)

    async with Client(server) as client:
        result = await client.call_tool("echo", {"x": 21})
    assert isinstance(result.content[0], TextContent) and result.content[0].text == "42"
    assert doubler.seen_after == [{"x": 21}]


async def test_message_streams_carry_messages_like_the_sdks() -> None:
    from mcp.shared.message import SessionMessage
    from mcp.types import JSONRPCNotification

    send, receive = sdk_internals.message_streams()
    note = SessionMessage(JSONRPCNotification(jsonrpc="2.0", method="notifications/initialized"))
    async with send, receive, anyio.create_task_group() as tg:
        tg.start_soon(send.send, note)
        with anyio.fail_after(5):
            assert await receive.receive() is note


def test_logging_set_up_by_the_cli_is_not_redone_by_the_sdk() -> None:
    """With a handler on the root logger, building a server leaves logging as it was (the SDK's own set-up, which
    would import rich for a handler `basicConfig` drops, is skipped); without one, the SDK's set-up runs."""
    module = __import__(MCPServer.__module__, fromlist=["configure_logging"])
    original = module.configure_logging
    root = logging.getLogger()
    saved = root.handlers[:]
    try:
        root.handlers = []
        with sdk_internals.logging_left_configured():
            assert module.configure_logging is original
        handler = logging.StreamHandler()
        root.handlers = [handler]
        with sdk_internals.logging_left_configured():
            assert module.configure_logging is not original
            MCPServer("x")
        assert module.configure_logging is original
        assert root.handlers == [handler]
    finally:
        root.handlers = saved


def test_the_sdks_logging_set_up_missing_is_loud(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(__import__(MCPServer.__module__, fromlist=["configure_logging"]), "configure_logging")
    with pytest.raises(SDKContractError), sdk_internals.logging_left_configured():
        pass


class Shape(BaseModel):
    width: int = Field(ge=1, description="Across.")
    height: int = Field(default=1, ge=1, description="Up.")
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _wide(self) -> Shape:
        if self.width < self.height:
            raise ValueError("taller than wide")
        return self


SEEN: list[Any] = []


async def area(args: Shape) -> int:
    SEEN.append(args)
    return args.width * args.height


async def shape(ctx: Context[Any, Any], args: Shape, size: Annotated[int, Resolve(area)], unit: str = "m") -> str:
    SEEN.append(args)
    return f"{size} {unit} {','.join(args.tags)}"


async def test_a_tool_takes_its_arguments_as_one_model_and_its_resolver_gets_the_same() -> None:
    server = MCPServer("x")
    server.add_tool(shape)
    assert sdk_internals.model_arguments(server, "shape")
    listed = {t.name: t for t in await server.list_tools()}["shape"].input_schema
    assert listed["properties"]["width"] == {
        "description": "Across.",
        "minimum": 1,
        "title": "Width",
        "type": "integer",
    }
    assert set(listed["properties"]) == {"width", "height", "tags", "unit"} and listed["required"] == ["width"]
    async with Client(server) as client:
        # A list sent as JSON text (as some clients do) is read as the list, as for any tool's own parameter.
        result = await client.call_tool("shape", {"width": "3", "height": 2, "unit": "cm", "tags": '["a", "b"]'})
        refused = await client.call_tool("shape", {"width": 1, "height": 2})
    assert isinstance(result.content[0], TextContent) and result.content[0].text == "6 cm a,b"
    assert [type(s) for s in SEEN] == [Shape, Shape] and SEEN[0] == SEEN[1] == Shape(width=3, height=2, tags=["a", "b"])
    assert refused.is_error and "taller than wide" in str(refused.content[0])


async def test_a_tool_without_an_argument_model_is_left_alone_and_a_missing_tool_is_loud() -> None:
    server = MCPServer("x")

    @server.tool()
    async def echo(x: int) -> str:
        return str(x)

    assert not sdk_internals.model_arguments(server, "echo")
    with pytest.raises(SDKContractError):
        sdk_internals.model_arguments(server, "nothing")
