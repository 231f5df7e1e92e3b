"""The generation view for a remote user (here one calling through a proxy on loopback), in Chromium: Save asks
the host to call download_output, which answers a download link instead of writing the server's disk; the view
says the named file is ready and asks the host to open the link, which hands over the video."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from playwright.async_api import Browser, expect

from sync_mcp.sandbox import SandboxServer

from ..conftest import BASIC, TEST_KEY, data, deployment
from ..http_support import http_client, http_server
from .test_app_browser import UI, WAIT_MS, Clock, Host, browser, host_page

__all__ = ["browser"]  # fixtures

pytestmark = pytest.mark.anyio

PROXIED = {"X-Forwarded-For": "198.51.100.23"}


@pytest.fixture
async def remote_host(api: SandboxServer, browser: Browser, tmp_path: Path) -> AsyncIterator[Host]:
    settings = deployment(api, tmp_path, SYNC_API_KEY=TEST_KEY)
    async with (
        http_server(settings) as srv,
        http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY, headers=PROXIED, extensions=[UI]) as client,
        host_page(browser, client, api, Clock()) as host,
    ):
        yield host


async def test_save_hands_a_remote_user_a_named_download_link(remote_host: Host, tmp_path: Path) -> None:
    host = remote_host
    with anyio.fail_after(120):
        created = data(await host.client.call_tool("create_generation", {**BASIC, "outputFileName": "launch-final"}))
        done = data(await host.client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 30}))
        assert done["status"] == "COMPLETED"
        view = await host.load_view()
        await host.show_call("get_generation", {"id": created["id"]})
        await view.locator("#completed").wait_for(state="visible", timeout=WAIT_MS)
        await view.locator("#save").click()
        await expect(view.locator("#save-result")).to_have_text(
            "Download ready: launch-final.mp4, opened in your browser.", timeout=WAIT_MS
        )
    assert await host.called("download_output") == [{"id": created["id"]}]
    linked = data(await host.client.call_tool("download_output", {"id": created["id"]}))
    async with httpx.AsyncClient(timeout=30) as http:
        video = await http.get(linked["downloadUrl"])
    assert video.headers["content-disposition"] == 'attachment; filename="launch-final.mp4"'
    assert created["id"].encode() in video.content
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").iterdir()), "nothing on disk"
