"""Chat attachments: ChatGPT hands `lipsync` and `upload_media` a file as `{download_url, file_id, ...}` in the
parameters their `_meta["openai/fileParams"]` names; the server fetches it through the download guard and
streams it to Sync storage. A file server on loopback stands in for the host's (allowed only because the sandbox
API is on loopback too); a private or plain-http public address is refused before any connection."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sync_mcp.sandbox import SandboxServer
from sync_mcp.services import fetch_guard

from ..conftest import data, error, sent
from ..http_support import serving
from .test_upload_links import AUDIO_BYTES, VIDEO_BYTES

pytestmark = pytest.mark.anyio

FILES = {"/files/talk.mp4": VIDEO_BYTES, "/files/voice": AUDIO_BYTES, "/files/notes.txt": b"plain notes"}


@asynccontextmanager
async def file_server() -> AsyncIterator[tuple[str, list[str]]]:
    """The chat host's file server, on loopback; yields its base URL and the paths it was asked for."""
    asked: list[str] = []

    async def serve(request: Request) -> Response:
        asked.append(request.url.path)
        body = FILES.get(request.url.path)
        return Response(body, 200, media_type="application/octet-stream") if body else Response(status_code=404)

    app = Starlette(routes=[Route("/files/{name}", serve)])
    async with serving(app) as base:
        yield base, asked


def attached(url: str, **extra: str) -> dict[str, str]:
    return {"download_url": url, "file_id": "file-" + url.rsplit("/", 1)[1], **extra}


async def test_attached_files_become_assets_that_lipsync_uses(api: SandboxServer, client: Client) -> None:
    async with file_server() as (base, asked):
        uploaded = data(await client.call_tool("upload_media", {"path": attached(f"{base}/files/talk.mp4")}))
        with anyio.fail_after(30):
            done = data(
                await client.call_tool(
                    "lipsync",
                    {
                        "video": attached(f"{base}/files/talk.mp4", file_name="talk.mp4"),
                        "audio": attached(f"{base}/files/voice", mime_type="audio/wav", file_name="voice"),
                    },
                )
            )
        wrong_kind = await client.call_tool("lipsync", {"video": attached(f"{base}/files/voice"), "audio": "x.wav"})
        not_media = await client.call_tool("upload_media", {"path": attached(f"{base}/files/notes.txt")})
    assert uploaded["state"] == "done" and uploaded["type"] == "VIDEO" and uploaded["bytesSent"] == len(VIDEO_BYTES)
    assert done["status"] == "COMPLETED", done
    created = next(r for r in sent(api, "/v2/generate") if r.method == "POST").body
    assert all("assetId" in item for item in created["input"]), created["input"]
    assert error(wrong_kind)["errorCode"] == "generation_input_asset_type_mismatch"
    assert error(not_media)["errorCode"] == "attachment_refused"
    assert asked.count("/files/talk.mp4") == 2


async def test_private_and_plain_http_addresses_are_refused_unvisited(
    api: SandboxServer, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names under .invalid resolve here only through the patched resolver: nothing is ever sent to them."""
    real = fetch_guard.resolve
    fake = {"files.corp.invalid": "10.20.30.40", "media.example.invalid": "8.8.4.4"}

    async def resolving(host: str) -> list[Any]:
        return [ipaddress.ip_address(fake[host])] if host in fake else await real(host)

    monkeypatch.setattr(fetch_guard, "resolve", resolving)
    private = await client.call_tool("upload_media", {"path": attached("https://files.corp.invalid/v.mp4")})
    plain = await client.call_tool(
        "lipsync", {"video": attached("http://media.example.invalid/v.mp4"), "audio": "a.wav"}
    )
    assert error(private)["errorCode"] == "unsafe_attachment_url" and "private" in error(private)["message"]
    assert error(plain)["errorCode"] == "unsafe_attachment_url" and "https" in error(plain)["message"]
    assert sent(api, "/v2/assets") == [] and sent(api, "/v2/generate") == [], "nothing reached the API"


async def test_the_media_parameters_are_declared_as_file_params(client: Client) -> None:
    """ChatGPT learns from `_meta` which parameters take its file object; every other client sees the plain
    string parameters it always had."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert (tools["lipsync"].meta or {}).get("openai/fileParams") == ["video", "image", "audio"]
    assert (tools["upload_media"].meta or {}).get("openai/fileParams") == ["path"]
    for name, field in (("lipsync", "video"), ("lipsync", "image"), ("lipsync", "audio"), ("upload_media", "path")):
        schema = tools[name].input_schema
        assert schema["properties"][field]["type"] == "string" and "ChatFile" not in str(schema), (name, field)
