"""The server as a real stdio subprocess (`python -m sync_mcp`), on both protocol eras."""

from __future__ import annotations

import sys

import anyio
import pytest
from mcp import Client, StdioServerParameters

from sync_mcp.sandbox import SandboxServer

from ..conftest import BASIC, MODES, TEST_KEY

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", MODES)
async def test_stdio_session(api: SandboxServer, mode: str) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "sync_mcp"],
        env={"SYNC_API_KEY": TEST_KEY, "SYNC_BASE_URL": api.base_url},
    )
    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    with anyio.fail_after(60):
        async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
            names = [t.name for t in (await client.list_tools()).tools]
            created = await client.call_tool("create_generation", BASIC)
            done = await client.call_tool(
                "get_generation",
                {"id": created.structured_content["id"], "wait": True, "timeout": 20},
                progress_callback=on_progress,
            )
    assert {"create_generation", "get_generation", "list_error_codes"} <= set(names)
    assert done.structured_content["status"] == "COMPLETED"
    assert progress
