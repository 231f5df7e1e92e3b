"""Upload links: a user whose files are not on the server's disk hands one over through a page of this server.

`upload_media` without a path answers `{uploadId, uploadUrl, expiresAt}`; the URL takes one PUT of the raw bytes
(`curl -T`) or the page's upload, streamed to Sync storage; `upload_media` with `uploadId` reports the state and
the asset id, which `lipsync` then uses. Expired, used and other callers' links store nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from sync_mcp.backend.entries import InProcessEntries
from sync_mcp.sandbox import SandboxServer
from sync_mcp.services.upload_links import LinkRefused, UploadLinks

from ..conftest import OTHER_KEY, TEST_KEY, data, deployment, make_settings, sent
from ..http_support import TOKEN, http_client, http_server
from ..redis_support import RedisProcess, redis_server, replicas, shared
from ..server.test_replicas import assert_clean

__all__ = ["redis_server"]  # fixtures

pytestmark = pytest.mark.anyio

VIDEO_BYTES = b"\0\0\0\x18ftypisom" + bytes(range(256)) * 400
AUDIO_BYTES = b"RIFF\x24\0\0\0WAVEfmt " + bytes(range(256)) * 300


def assets_registered(api: SandboxServer) -> list[Any]:
    return [r for r in sent(api, "/v2/assets") if r.method == "POST" and r.path == "/v2/assets"]


async def put(url: str, content: bytes, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.put(url, content=content, headers=headers)


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(url)


async def test_a_put_through_the_link_makes_an_asset_lipsync_uses(
    api: SandboxServer, tmp_path: Path, mode: str
) -> None:
    async with http_server(deployment(api, tmp_path)) as srv:
        async with http_client(srv.mcp_url, mode=mode, api_key=TEST_KEY) as client:
            video_link = data(await client.call_tool("upload_media", {"name": "my talk"}))
            audio_link = data(await client.call_tool("upload_media", {}))
            waiting = data(await client.call_tool("upload_media", {"uploadId": video_link["uploadId"]}))
            page = await get(video_link["uploadUrl"])
            first = await put(video_link["uploadUrl"], VIDEO_BYTES)  # curl -T: no name, no type
            await put(audio_link["uploadUrl"], AUDIO_BYTES, **{"X-File-Name": "voice%20line.wav"})
            video = data(await client.call_tool("upload_media", {"uploadId": video_link["uploadId"], "wait": True}))
            audio = data(await client.call_tool("upload_media", {"uploadId": audio_link["uploadId"], "wait": True}))
            again = await put(video_link["uploadUrl"], VIDEO_BYTES)
            used_page = await get(video_link["uploadUrl"])
            with anyio.fail_after(30):
                done = data(await client.call_tool("lipsync", {"video": video["assetId"], "audio": audio["assetId"]}))
    assert video_link["uploadUrl"].startswith(srv.base_url + "/upload/")
    token = video_link["uploadUrl"].rsplit("/", 1)[1]
    assert len(token) >= 22 and video_link["expiresAt"].endswith("Z"), "a token of at least 128 bits"
    assert waiting["state"] == "waiting"
    assert page.status_code == 200 and 'type="file"' in page.text and "progress" in page.text
    assert first.status_code == 200, first.text
    assert (video["state"], video["type"], video["bytesReceived"]) == ("done", "VIDEO", len(VIDEO_BYTES))
    assert audio["state"] == "done" and audio["type"] == "AUDIO"
    names = [r.body["name"] for r in assets_registered(api)]
    assert names == ["my talk", "voice line.wav"], "the details asked for, and the file's own name"
    assert again.status_code == 409 and "already used" in again.json()["message"]
    assert used_page.status_code == 409 and "already used" in used_page.text
    assert len(assets_registered(api)) == 2, "a second use stores nothing"
    assert done["status"] == "COMPLETED", done


async def test_expired_foreign_and_refused_uploads_store_nothing(
    api: SandboxServer, two_keys: None, tmp_path: Path
) -> None:
    async with http_server(deployment(api, tmp_path)) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY) as a:
            link = data(await a.call_tool("upload_media", {}))
            text_file = await put(link["uploadUrl"], b"just some notes, not media", **{"X-File-Name": "notes.txt"})
            empty = await put(link["uploadUrl"], b"")
            still = data(await a.call_tool("upload_media", {"uploadId": link["uploadId"]}))
            expired_link = data(await a.call_tool("upload_media", {}))
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY) as b:
            foreign = await b.call_tool("upload_media", {"uploadId": link["uploadId"]})
        links = srv.server.upload_links
        real_clock = links.clock
        links.clock = lambda: real_clock() + 31 * 60
        try:
            expired_put = await put(expired_link["uploadUrl"], VIDEO_BYTES)
            expired_page = await get(expired_link["uploadUrl"])
        finally:
            links.clock = real_clock
        unknown_page = await get(srv.base_url + "/upload/" + "x" * 43)
    assert text_file.status_code == 415 and "not a media type" in text_file.json()["message"]
    assert empty.status_code == 400
    assert still["state"] == "waiting", "a refused file leaves the link usable"
    assert foreign.is_error and data(foreign)["errorCode"] == "upload_not_found"
    assert expired_put.status_code == 410 and expired_page.status_code == 410
    assert "expired" in expired_page.text and "Nothing was uploaded" in expired_page.text
    assert unknown_page.status_code == 404 and "not valid" in unknown_page.text
    assert sent(api, "/v2/assets") == [], "nothing reached the API"


async def test_a_remote_callers_path_becomes_a_link(api: SandboxServer, two_keys: None, tmp_path: Path) -> None:
    """A caller from beyond loopback (here through a proxy on loopback) has no files on this server."""
    settings = deployment(api, tmp_path, SYNC_MCP_PUBLIC_URL="https://mcp.example.invalid")
    async with http_server(settings) as srv:
        proxied = {"X-Forwarded-For": "203.0.113.7"}
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY, headers=proxied) as remote:
            linked = data(await remote.call_tool("upload_media", {"path": "/Users/me/Movies/talk.mp4"}))
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY) as local:
            missing = await local.call_tool("upload_media", {"path": "talk.mp4"})
    assert linked["state"] == "waiting" and "on your computer" in linked["nextStep"]
    assert linked["uploadUrl"].startswith("https://mcp.example.invalid/upload/")
    assert data(missing)["errorCode"] == "file_not_found", "a caller on loopback keeps the usual error"


async def test_over_stdio_the_path_is_needed(client: Any) -> None:
    refused = await client.call_tool("upload_media", {})
    assert refused.is_error and data(refused)["errorCode"] == "path_required"


async def test_a_link_keeps_the_callers_key_sealed() -> None:
    """What is stored (in Redis, behind replicas) opens nothing without the URL's token."""
    entries = InProcessEntries()
    links = UploadLinks(entries)
    minted = await links.mint("caller-a", "sk-test-SYNCMCP-sealed-5e1d", {"name": "x"}, 30)
    stored = " ".join(value for _, value in entries._entries.values())
    assert "sk-test-SYNCMCP-sealed-5e1d" not in stored and minted.token not in stored
    claimed = await links.claim(minted.token)
    assert (claimed.api_key, claimed.owner, claimed.details) == (
        "sk-test-SYNCMCP-sealed-5e1d",
        "caller-a",
        {"name": "x"},
    )
    with pytest.raises(LinkRefused) as used:
        await links.claim(minted.token)
    assert used.value.refusal == "used"
    assert await links.status(minted.upload_id, "caller-b") is None, "another caller's upload is not shown"


async def test_a_link_minted_on_one_replica_works_on_the_other(
    api: SandboxServer, redis_server: RedisProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    settings = make_settings(api, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN, **shared(redis_server))
    async with replicas(settings) as (a, b):
        async with http_client(a.mcp_url, mode="auto", api_key=OTHER_KEY) as on_a:
            link = data(await on_a.call_tool("upload_media", {}))
        token = link["uploadUrl"].rsplit("/", 1)[1]
        on_b_url = f"{b.base_url}/upload/{token}"
        page = await get(on_b_url)
        taken = await put(on_b_url, VIDEO_BYTES)
        again = await put(link["uploadUrl"], VIDEO_BYTES)  # the first replica knows it was used
        async with http_client(b.mcp_url, mode="auto", api_key=OTHER_KEY) as on_b:
            done = data(await on_b.call_tool("upload_media", {"uploadId": link["uploadId"], "wait": True}))
    assert page.status_code == 200 and taken.status_code == 200, taken.text
    assert again.status_code == 409
    assert done["state"] == "done" and done["assetId"]
    registered = assets_registered(api)
    assert len(registered) == 1 and registered[0].has_api_key
    assert_clean(redis_server, [OTHER_KEY, token])


async def test_the_access_log_never_shows_a_link_token(
    api: SandboxServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with http_server(deployment(api, tmp_path, SYNC_API_KEY=TEST_KEY)) as srv:
        async with http_client(srv.mcp_url, mode="auto") as client:
            link = data(await client.call_tool("upload_media", {}))
    token = link["uploadUrl"].rsplit("/", 1)[1]
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "PUT", f"/upload/{token}?name=a.mp4", "1.1", 200)
    assert "PUT /upload/[REDACTED]" in caplog.text and token not in caplog.text
