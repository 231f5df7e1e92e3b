"""The upload link's page in a real browser (headless Chromium driven by Playwright): a file chosen in its real
file input is uploaded with a progress bar, becomes an asset the model then uses, and the link is spent."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY, data, deployment
from ..http_support import http_client, http_server
from ..tools.test_upload_links import VIDEO_BYTES, assets_registered
from .test_app_browser import SHOTS, browser

__all__ = ["browser"]  # fixtures

pytestmark = pytest.mark.anyio

WAIT_MS = 20_000


async def test_a_file_chosen_on_the_page_becomes_an_asset(api: SandboxServer, browser: Browser, tmp_path: Path) -> None:
    async with http_server(deployment(api, tmp_path)) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY) as client:
            link = data(await client.call_tool("upload_media", {}))
            page = await browser.new_page(viewport={"width": 640, "height": 520})
            await page.goto(link["uploadUrl"])
            await expect(page.get_by_text("Drop a video, audio or image file here")).to_be_visible()
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "upload-page.png"))
            await page.set_input_files("#file", {"name": "my talk.mp4", "mimeType": "video/mp4", "buffer": VIDEO_BYTES})
            await expect(page.locator("#status")).to_contain_text("Uploaded", timeout=WAIT_MS)
            assert await page.locator("#progress").evaluate("bar => bar.value") == 100
            await page.screenshot(path=str(SHOTS / "upload-page-done.png"))
            done = data(await client.call_tool("upload_media", {"uploadId": link["uploadId"], "wait": True}))
            await page.goto(link["uploadUrl"])
            await expect(page.get_by_text("This upload link was already used")).to_be_visible()
            assert not await page.locator("#file").is_visible(), "a used link offers no file picker"
            await page.close()
    assert done["state"] == "done" and done["type"] == "VIDEO" and done["bytesReceived"] == len(VIDEO_BYTES)
    assert [r.body["name"] for r in assets_registered(api)] == ["my talk.mp4"]
