"""Toolsets chosen per connection over Streamable HTTP: the URL path `/mcp/x/{toolsets}` or the header
`X-MCP-Toolsets`, within SYNC_MCP_ALLOWED_TOOLSETS; SYNC_MCP_TOOLSETS for connections that choose nothing.
Through the SDK's own client on both protocol eras, behind the same Origin checks and OAuth as `/mcp`."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mcp import Client, MCPError

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.server.http import build_http_app
from sync_mcp.tools.toolsets import TOOLSETS, UnknownToolsetError

from ..conftest import TEST_KEY, data, make_settings
from ..http_support import MCP_HEADERS, TOOLS_LIST, http_client, http_server
from ..oauth_support import Browser, oauth_client, oauth_server

pytestmark = pytest.mark.anyio

BY_NAME = {toolset.name: set(toolset.tool_names) for toolset in TOOLSETS}
CORE, USAGE = BY_NAME["core"], BY_NAME["usage"]


async def names(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}


async def test_the_url_chooses_the_toolsets_and_plain_mcp_keeps_the_default(api: SandboxServer, mode: str) -> None:
    async with http_server(make_settings(api, SYNC_MCP_TOOLSETS=None)) as srv:
        async with http_client(f"{srv.mcp_url}/x/core,usage", mode=mode) as chosen:
            assert await names(chosen) == CORE | USAGE
            usage = data(await chosen.call_tool("get_usage", {}))
            assert usage["knownTotalUsd"] == "0"
        async with http_client(srv.mcp_url, mode=mode) as plain:
            assert await names(plain) == CORE
            with pytest.raises(MCPError) as caught:
                await plain.call_tool("get_usage", {})
    # The model learns how its user gets the tool: the URL to connect with.
    assert f"{srv.mcp_url}/x/core,usage " in str(caught.value)
    assert "X-MCP-Toolsets: core,usage" in str(caught.value)


async def test_the_header_chooses_the_toolsets(api: SandboxServer, mode: str) -> None:
    async with http_server(make_settings(api, SYNC_MCP_TOOLSETS=None)) as srv:
        async with http_client(srv.mcp_url, mode=mode, headers={"X-MCP-Toolsets": "usage, projects"}) as client:
            assert await names(client) == USAGE | BY_NAME["projects"]
            assert data(await client.call_tool("count_generations", {}))["count"] == 0


async def test_all_gives_every_allowed_toolset(api: SandboxServer) -> None:
    settings = make_settings(api, SYNC_MCP_TOOLSETS=None, SYNC_MCP_ALLOWED_TOOLSETS="core,usage,voices")
    async with http_server(settings) as srv, http_client(f"{srv.mcp_url}/x/all", mode="auto") as client:
        assert await names(client) == CORE | USAGE | BY_NAME["voices"]


async def test_a_toolset_beyond_the_allowed_is_refused_naming_it(api: SandboxServer) -> None:
    settings = make_settings(api, SYNC_MCP_TOOLSETS=None, SYNC_MCP_ALLOWED_TOOLSETS="core,usage")
    async with http_server(settings) as srv, httpx.AsyncClient() as http:
        by_url = await http.post(f"{srv.mcp_url}/x/core,projects", json=TOOLS_LIST, headers=MCP_HEADERS)
        by_header = await http.post(srv.mcp_url, json=TOOLS_LIST, headers={**MCP_HEADERS, "X-MCP-Toolsets": "batch"})
        unknown = await http.post(f"{srv.mcp_url}/x/core,videos", json=TOOLS_LIST, headers=MCP_HEADERS)
        allowed = await http.post(f"{srv.mcp_url}/x/usage", json=TOOLS_LIST, headers=MCP_HEADERS)
        with pytest.raises(BaseException) as caught:  # the SDK's client raises the refusal as an MCPError
            async with http_client(f"{srv.mcp_url}/x/projects", mode="auto") as client:
                await client.list_tools()
    assert by_url.status_code == by_header.status_code == 403
    assert "projects" in by_url.json()["error"]["message"] and "batch" in by_header.json()["error"]["message"]
    assert "Choose among core, usage" in by_url.json()["error"]["message"]
    assert by_url.json()["error"]["data"]["errorCode"] == "toolset_not_allowed"
    assert unknown.status_code == 400 and "unknown toolset(s) videos" in unknown.json()["error"]["message"]
    assert allowed.status_code == 200
    assert caught.group_contains(MCPError, match="projects not offered by this server", depth=None)


def test_a_default_beyond_the_allowed_stops_the_server(api: SandboxServer) -> None:
    with pytest.raises(UnknownToolsetError) as caught:
        build_http_app(make_settings(api, SYNC_MCP_TOOLSETS="core,batch", SYNC_MCP_ALLOWED_TOOLSETS="core"))
    assert "batch" in str(caught.value) and "SYNC_MCP_ALLOWED_TOOLSETS" in str(caught.value)


async def test_origin_checks_hold_on_a_chosen_path(api: SandboxServer) -> None:
    async with http_server(make_settings(api)) as srv, httpx.AsyncClient() as http:
        headers = {**MCP_HEADERS, "Origin": "https://attacker.invalid"}
        refused = await http.post(f"{srv.mcp_url}/x/core,usage", json=TOOLS_LIST, headers=headers)
    assert refused.status_code == 403


async def test_oauth_discovery_and_tokens_work_on_a_chosen_path(api: SandboxServer, mode: str) -> None:
    async with oauth_server(api, SYNC_MCP_TOOLSETS=None) as srv:
        url = f"{srv.mcp_url}/x/core,usage"
        async with httpx.AsyncClient() as http:
            refused = await http.post(url, json=TOOLS_LIST, headers=MCP_HEADERS)
            metadata_url = f"{srv.base_url}/.well-known/oauth-protected-resource/mcp/x/core,usage"
            metadata = (await http.get(metadata_url)).json()
        assert refused.status_code == 401
        assert f'resource_metadata="{metadata_url}"' in refused.headers["www-authenticate"]
        assert metadata["resource"] == url and metadata["authorization_servers"] == [srv.base_url]
        # A host that knows only this URL signs in and gets the chosen tools.
        async with oauth_client(url, Browser(TEST_KEY), mode=mode) as (client, _):
            assert await names(client) == CORE | USAGE
            assert data(await client.call_tool("count_generations", {}))["count"] == 0


async def toolsets_resource(client: Client) -> dict[str, dict[str, Any]]:
    (content,) = (await client.read_resource("sync://toolsets")).contents
    return {entry["name"]: entry for entry in json.loads(content.text)["toolsets"]}  # type: ignore[union-attr]


async def test_the_model_is_told_which_toolsets_exist_and_how_to_get_one(api: SandboxServer, mode: str) -> None:
    async with http_server(make_settings(api, SYNC_MCP_TOOLSETS=None)) as srv:
        async with http_client(srv.mcp_url, mode=mode) as plain:
            instructions = plain.instructions or ""
            default = await toolsets_resource(plain)
        async with http_client(f"{srv.mcp_url}/x/core,usage", mode=mode) as chosen:
            widened = await toolsets_resource(chosen)
    assert "usage (what generations cost" in instructions and "/mcp/x/core,usage" in instructions
    assert default["core"]["enabled"] is True and default["usage"]["enabled"] is False
    assert f"{srv.mcp_url}/x/core,usage " in default["usage"]["howToGet"]
    assert set(default["usage"]["tools"]) == USAGE
    assert widened["usage"]["enabled"] is True and "howToGet" not in widened["usage"]
    assert f"{srv.mcp_url}/x/core,projects,usage " in widened["projects"]["howToGet"]


async def test_over_stdio_the_switch_is_the_way(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS=None))) as client:
        assert "enable_toolset" in (client.instructions or "")
        usage = (await toolsets_resource(client))["usage"]
    assert usage["enabled"] is False and "enable_toolset with name=usage" in usage["howToGet"]
