"""Toolsets: the default surface is core, SYNC_MCP_TOOLSETS chooses others (over stdio and HTTP alike), an
unknown name stops the server at start, and in a stdio-like session the model can enable a toolset and the
client hears of the new tools."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.subscriptions import ToolsListChanged

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.tools.toolsets import TOOLSETS, UnknownToolsetError

from ..conftest import TEST_KEY, data, make_settings
from ..http_support import http_client, http_server

pytestmark = pytest.mark.anyio

BY_NAME = {toolset.name: toolset for toolset in TOOLSETS}
CORE = set(BY_NAME["core"].tool_names)
EVERY = {name for toolset in TOOLSETS for name in toolset.tool_names}


async def names(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}


async def test_the_default_is_core_plus_the_switch(api: SandboxServer, mode: str) -> None:
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS=None)), mode=mode) as client:  # type: ignore[arg-type]
        assert await names(client) == CORE | {"enable_toolset"}


async def test_all_offers_every_tool_and_no_switch(client: Client) -> None:
    assert await names(client) == EVERY
    assert len(EVERY) == 36


async def test_a_single_toolset_offers_only_its_tools(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS="projects"))) as client:
        assert await names(client) == set(BY_NAME["projects"].tool_names) | {"enable_toolset"}
        created = data(await client.call_tool("create_project", {"name": "only projects"}))
    assert created["id"]


def test_an_unknown_toolset_is_refused_naming_the_valid_ones(api: SandboxServer) -> None:
    with pytest.raises(UnknownToolsetError) as caught:
        build_server(make_settings(api, SYNC_MCP_TOOLSETS="core,videos"))
    valid = "core, assets, voices, projects, batch, dialogue, usage, all"
    assert "videos" in str(caught.value) and valid in str(caught.value)


def test_an_unknown_toolset_stops_the_stdio_server_at_start(api: SandboxServer) -> None:
    env = {**os.environ, "SYNC_API_KEY": TEST_KEY, "SYNC_BASE_URL": api.base_url, "SYNC_MCP_TOOLSETS": "videos"}
    done = subprocess.run(
        [sys.executable, "-m", "sync_mcp"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode != 0
    assert "unknown toolset(s) videos" in done.stderr and "valid names" in done.stderr
    assert done.stdout == ""


async def test_stdio_serves_the_chosen_toolsets(api: SandboxServer) -> None:
    env = {"SYNC_API_KEY": TEST_KEY, "SYNC_BASE_URL": api.base_url, "SYNC_MCP_TOOLSETS": "core,voices"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "sync_mcp"], env=env)
    async with Client(params) as client:
        assert await names(client) == CORE | set(BY_NAME["voices"].tool_names) | {"enable_toolset"}


async def test_http_serves_the_chosen_toolsets_without_a_switch(api: SandboxServer, mode: str) -> None:
    # Over HTTP a connection that chooses nothing gets the operator's toolsets, and no switch.
    async with http_server(make_settings(api, SYNC_MCP_TOOLSETS="batch")) as srv:
        async with http_client(srv.mcp_url, mode=mode) as client:
            assert await names(client) == set(BY_NAME["batch"].tool_names)


async def test_enabling_a_toolset_adds_its_tools_and_tells_a_handshake_era_client(api: SandboxServer) -> None:
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            changed.set()

    server = build_server(make_settings(api, SYNC_MCP_TOOLSETS=None))
    async with Client(server, mode="legacy", message_handler=on_message) as client:  # type: ignore[arg-type]
        assert "create_project" not in await names(client)
        enabled = data(await client.call_tool("enable_toolset", {"name": "projects"}))
        with anyio.fail_after(10):
            await changed.wait()
        assert set(enabled["tools"]) == set(BY_NAME["projects"].tool_names) and enabled["alreadyEnabled"] is False
        assert await names(client) >= CORE | set(BY_NAME["projects"].tool_names)
        assert data(await client.call_tool("create_project", {"name": "after enabling"}))["id"]
        again = data(await client.call_tool("enable_toolset", {"name": "projects"}))
    assert again["alreadyEnabled"] is True


async def test_enabling_a_toolset_is_heard_on_a_listen_stream(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS=None))) as client:
        async with client.listen(tools_list_changed=True) as subscription:
            await client.call_tool("enable_toolset", {"name": "assets"})
            with anyio.fail_after(10):
                event = await anext(aiter(subscription))
        assert isinstance(event, ToolsListChanged)
        assert set(BY_NAME["assets"].tool_names) <= await names(client)


async def test_results_name_only_tools_the_agent_has(api: SandboxServer) -> None:
    # get_generation's nextStep for a finished job points at download_output only where that tool is offered.
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS=None))) as core_client:
        catalog = data(await core_client.call_tool("list_models", {}))
    assert "estimate_cost" in catalog["nextStep"]
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS="assets"))) as assets_client:
        prompt = await assets_client.get_prompt(
            "lipsync_video", {"video": "https://m.example.com/a.mp4", "audio": "https://m.example.com/a.wav"}
        )
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "core toolset, which is not enabled: call enable_toolset with name=core" in text
