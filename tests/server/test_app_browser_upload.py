"""The view's drop zone in Chromium, for a user reaching the server over HTTP: next to `upload_media` the view
takes a file from its real file input, sends it through the upload link the call returned (a second file
through a new link it asks the host to fetch from `upload_media`), lists the assets, and its button asks the
host, in a chat message, to call `lipsync` with them; lipsync then runs them to completion. The host renders the
view under the CSP of its metadata, whose `connectDomains` names this server's origin and nothing else."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from playwright.async_api import Browser, FrameLocator, expect

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server.apps import VIEW_URI

from ..conftest import TEST_KEY, data, deployment
from ..http_support import http_client, http_server
from ..tools.test_upload_links import AUDIO_BYTES, VIDEO_BYTES, assets_registered
from .test_app_browser import UI, WAIT_MS, Clock, Host, browser, host_page

__all__ = ["browser"]  # fixtures

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http_host(api: SandboxServer, browser: Browser, tmp_path: Path) -> AsyncIterator[tuple[Host, str]]:
    async with (
        http_server(deployment(api, tmp_path)) as srv,
        http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY, extensions=[UI]) as client,
        host_page(browser, client, api, Clock()) as host,
    ):
        yield host, srv.base_url


async def drop_zone(host: Host) -> tuple[FrameLocator, dict[str, Any]]:
    """The view next to a call of upload_media without path, ready for a file; and the call's result."""
    view = await host.load_view()
    link = await host.show_call("upload_media", {})
    await expect(view.locator("#upload-status")).to_have_text(re.compile("^Ready for your file"), timeout=WAIT_MS)
    await expect(view.locator("#use")).to_be_disabled()
    return view, link


async def drop_file(host: Host, name: str, mime_type: str, content: bytes) -> None:
    """Drop a file on the view's drop zone, as a file dragged from the desktop arrives (a `drop` event)."""
    frame = await (await host.page.locator("iframe").element_handle()).content_frame()
    assert frame is not None
    transfer = await frame.evaluate_handle(
        "([name, type, bytes]) => { const t = new DataTransfer();"
        " t.items.add(new File([new Uint8Array(bytes)], name, { type })); return t; }",
        [name, mime_type, list(content)],
    )
    await frame.locator("#drop").dispatch_event("drop", {"dataTransfer": transfer})


async def messages(host: Host) -> list[dict[str, Any]]:
    return list(await host.page.evaluate("() => syncHost.messages"))


async def test_files_dropped_in_the_view_become_assets_and_a_lipsync_request(
    http_host: tuple[Host, str], api: SandboxServer
) -> None:
    host, server_url = http_host
    with anyio.fail_after(120):
        (content,) = (await host.client.read_resource(VIEW_URI)).contents
        assert (content.meta or {})["ui"]["csp"]["connectDomains"] == [server_url], "it may send files here only"
        view, link = await drop_zone(host)

        # The first file goes through the link the call returned, and completes the model's own wait on it.
        video = {"name": "my talk.mp4", "mimeType": "video/mp4", "buffer": VIDEO_BYTES}
        await view.locator("#file").set_input_files(video)
        await expect(view.locator("#uploaded li")).to_have_count(1, timeout=WAIT_MS)
        await expect(view.locator("#upload-status")).to_have_text(re.compile("^Uploaded my talk.mp4"))
        assert await view.locator("#upload-progress").evaluate("(bar) => bar.value") == 100
        waited = data(await host.client.call_tool("upload_media", {"uploadId": link["uploadId"], "wait": True}))
        assert (waited["state"], waited["type"]) == ("done", "VIDEO")
        await expect(view.locator("#uploaded li").first).to_contain_text(waited["assetId"])
        assert await host.called("upload_media") == [], "the returned link was used, not a new one"

        # The second file, dropped on the zone, needs a new link: the view asks the host to call upload_media.
        await drop_file(host, "voice.wav", "audio/wav", AUDIO_BYTES)
        await expect(view.locator("#uploaded li")).to_have_count(2, timeout=WAIT_MS)
        assert await host.called("upload_media") == [{}]
        audio_id = (await view.locator("#uploaded li").nth(1).locator("code").text_content() or "").strip()
        await expect(view.locator("#uploaded li").nth(1)).to_contain_text("AUDIO")
        await host.shoot("upload")

        # "Lip-sync with these": the host is asked, in the chat, to call lipsync with both assets.
        await view.locator("#use").click()
        await expect(view.locator("#use-result")).to_have_text(re.compile("^Sent to the chat"), timeout=WAIT_MS)
        (message,) = await messages(host)
        text = message["content"][0]["text"]
        assert message["role"] == "user"
        assert f"call lipsync with video={waited['assetId']} and audio={audio_id}" in text
        await host.shoot("upload-sent")

        # What the model then does with it: lipsync takes the two assets to a finished video.
        done = data(await host.client.call_tool("lipsync", {"video": waited["assetId"], "audio": audio_id}))
    assert done["status"] == "COMPLETED", done
    assert [r.body["name"] for r in assets_registered(api)] == ["my talk.mp4", "voice.wav"]


async def test_a_refused_file_is_reported_in_the_view_and_nothing_is_stored(
    http_host: tuple[Host, str], api: SandboxServer
) -> None:
    host, _ = http_host
    with anyio.fail_after(120):
        view, _ = await drop_zone(host)
        notes = {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a video"}
        await view.locator("#file").set_input_files(notes)
        await expect(view.locator("#upload-status")).to_have_text(re.compile("^Not uploaded: "), timeout=WAIT_MS)
        await expect(view.locator("#uploaded li")).to_have_count(0)
        await expect(view.locator("#use")).to_be_disabled()
    assert assets_registered(api) == []


async def test_a_host_that_lets_the_view_connect_nowhere_gets_a_clear_refusal(
    http_host: tuple[Host, str], api: SandboxServer
) -> None:
    host, server_url = http_host
    with anyio.fail_after(120):
        (content,) = (await host.client.read_resource(VIEW_URI)).contents
        csp = {**(content.meta or {})["ui"]["csp"], "connectDomains": []}  # a host that grants no origin
        await host.page.evaluate(
            "([html, csp]) => syncHost.load(html, csp, {}, 560)",
            [content.text, csp],  # type: ignore[union-attr]
        )
        view = host.page.frame_locator("iframe")
        await host.show_call("upload_media", {})
        await view.locator("#file").set_input_files({"name": "a.mp4", "mimeType": "video/mp4", "buffer": VIDEO_BYTES})
        await expect(view.locator("#upload-status")).to_have_text(
            f"Not uploaded: could not reach {server_url}: the connection was lost, or this host does not let the "
            "view connect there",
            timeout=WAIT_MS,
        )
    assert assets_registered(api) == []
