"""MCP log notifications: only for handshake-era clients that asked with logging/setLevel, never on
2026-07-28 (where protocol logging is deprecated), and without leaking the SDK's deprecation warning."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import LoggingMessageNotificationParams

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import make_settings

pytestmark = [
    pytest.mark.anyio,
    # The client side of logging/setLevel is deprecated too; what is checked here is the server's own.
    pytest.mark.filterwarnings("ignore:The logging capability is deprecated"),
]

VIDEO = {"type": "video", "url": "https://media.example.com/talk.mp4"}
AUDIO = {"type": "audio", "url": "https://media.example.com/voice.wav"}


@asynccontextmanager
async def connected(api: SandboxServer, mode: str, **options: Any) -> AsyncIterator[tuple[Client, list[str]]]:
    received: list[str] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        received.append(f"{params.level}: {params.data}")

    settings = make_settings(api, SYNC_MCP_RETRY_BASE_DELAY="0.05")
    async with Client(build_server(settings), mode=mode, logging_callback=on_log, **options) as client:  # type: ignore[arg-type]
        yield client, received


async def follow_a_job(client: Client) -> str:
    created = await client.call_tool("create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO]})
    generation_id = str(created.structured_content["id"])
    done = await client.call_tool("get_generation", {"id": generation_id, "wait": True, "timeout": 30})
    assert done.structured_content["status"] == "COMPLETED"
    return generation_id


async def test_a_legacy_client_that_asked_hears_about_the_wait(api: SandboxServer) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with connected(api, "legacy") as (client, received):
            assert client.server_capabilities is not None and client.server_capabilities.logging is not None
            await client.set_logging_level("info")
            generation_id = await follow_a_job(client)
    assert any(m.startswith("info: ") and generation_id in m and "COMPLETED" in m for m in received), received
    ours = [w for w in caught if issubclass(w.category, MCPDeprecationWarning) and "sync_mcp" in w.filename]
    assert ours == []


async def test_a_legacy_client_that_did_not_ask_hears_nothing(api: SandboxServer) -> None:
    async with connected(api, "legacy") as (client, received):
        await follow_a_job(client)
    assert received == []


async def test_the_level_asked_for_filters(api: SandboxServer) -> None:
    async with connected(api, "legacy") as (client, received):
        await client.set_logging_level("warning")
        await follow_a_job(client)  # wait updates are info
    assert received == []


async def test_a_2026_client_hears_nothing_even_when_opted_in(api: SandboxServer) -> None:
    api.state.script_fault(status=503, method="GET", path="/v2/generate/")
    async with connected(api, "auto", log_level="debug") as (client, received):
        assert client.protocol_version == "2026-07-28"
        await follow_a_job(client)
    assert received == []


@pytest.mark.parametrize(("mode", "heard"), [("legacy", True), ("auto", False)])
async def test_retries_are_told_only_on_legacy(api: SandboxServer, mode: str, heard: bool) -> None:
    async with connected(api, mode) as (client, received):
        if mode == "legacy":
            await client.set_logging_level("info")
        created = await client.call_tool("create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO]})
        api.state.script_fault(status=503, method="GET", path="/v2/generate/")
        got = await client.call_tool("get_generation", {"id": created.structured_content["id"]})
    assert not got.is_error  # the retry succeeded
    retries = [m for m in received if m.startswith("warning: GET /v2/generate/") and "retry 2" in m]
    assert bool(retries) is heard, received
