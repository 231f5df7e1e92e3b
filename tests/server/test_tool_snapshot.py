"""The default configuration answers `tools/list` from a snapshot (server/tool_snapshot.py) until its tools are
built: the snapshot must be exactly what the live tools list, and a server serving it must behave as one that
built its tools at start."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.server.tool_snapshot import SNAPSHOT_FILE, dump

from ..conftest import data, make_settings

pytestmark = pytest.mark.anyio


def _default_settings(api: SandboxServer, **overrides: Any) -> Any:
    return make_settings(api, SYNC_MCP_TOOLSETS=None, **overrides)


async def test_the_snapshot_is_what_the_live_tools_list(api: SandboxServer) -> None:
    server = build_server(_default_settings(api))
    assert server.tools_key is not None
    live = dump(server.tools_key, await server.live_tools())
    stored = resources.files("sync_mcp.server").joinpath(SNAPSHOT_FILE).read_text(encoding="utf-8")
    assert stored == live, "the tool snapshot is stale: run python scripts/update_tool_snapshot.py"


async def test_a_server_listing_from_the_snapshot_answers_as_one_that_built_its_tools(
    api: SandboxServer, mode: str
) -> None:
    built = build_server(_default_settings(api))
    await built.live_tools()
    async with Client(build_server(_default_settings(api)), mode=mode) as fresh, Client(built, mode=mode) as ready:
        listed = (await fresh.list_tools()).model_dump(mode="json", by_alias=True, exclude_none=True)
        assert listed == (await ready.list_tools()).model_dump(mode="json", by_alias=True, exclude_none=True)
        assert "list_models" in {tool["name"] for tool in listed["tools"]}
        models = data(await fresh.call_tool("list_models", {}))  # the first call builds the tools
        assert models == data(await ready.call_tool("list_models", {}))
        enabled = data(await fresh.call_tool("enable_toolset", {"name": "usage"}))
        assert "check_api" in enabled["tools"]
        assert "check_api" in {tool.name for tool in (await fresh.list_tools()).tools}


async def test_another_configuration_lists_its_own_tools(api: SandboxServer) -> None:
    async with Client(build_server(_default_settings(api, SYNC_MCP_MAX_WAIT_SECONDS="30"))) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert tools["get_generation"].input_schema["properties"]["timeout"]["maximum"] == 30
