"""Asset tools (upload_media, register_asset, list_assets, get_asset, delete_asset) through a real MCP
client, against the sandbox over HTTP; and the sandbox's asset replies as the official SDK reads them."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from sync import Sync
from sync.common.types import Asset as SdkAsset
from sync.common.types import PaginatedAssetsResponse
from sync.core.pydantic_utilities import parse_obj_as

from sync_mcp.api import SyncClient
from sync_mcp.api import uploads as uploads_api
from sync_mcp.api.errors import SyncAPIError
from sync_mcp.api.types.assets import AssetDetails
from sync_mcp.api.types.shared import format_of
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.asset_store import AssetStore, asset_store
from sync_mcp.server import build_server

from ..conftest import CATALOG, TEST_KEY, data, make_settings, new_project, sent

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
PUBLIC_VIDEO = "https://media.example.com/library/speaker.mp4"


def store(api: SandboxServer) -> AssetStore:
    return asset_store(api.state)


def nothing_sent(api: SandboxServer) -> bool:
    return sent(api) == [] and store(api).receipts == []


@pytest.fixture
async def media(api: SandboxServer, mode: str, tmp_path: Path) -> AsyncIterator[Client]:
    """An MCP client whose server may read files under tmp_path."""
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path))
    async with Client(build_server(settings), mode=mode) as c:  # type: ignore[arg-type]
        yield c


def write(folder: Path, name: str, size: int = 3000) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


# ----------------------------------------------------------------------------------------------- upload_media


async def test_upload_streams_the_file_and_registers_it(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    path = write(tmp_path, "speaker.mp4", 2 * MIB + 123)
    result = await media.call_tool("upload_media", {"path": "speaker.mp4", "name": "Speaker take 1"})
    out = data(result)
    assert not result.is_error
    assert uuid.UUID(out["assetId"])
    assert out["type"] == "VIDEO"
    assert out["reused"] is False
    assert out["bytesSent"] == path.stat().st_size
    assert out["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert out["assetId"] in out["nextStep"]
    asset = data(await media.call_tool("get_asset", {"id": out["assetId"]}))
    assert asset["name"] == "Speaker take 1"
    assert asset["size"] == path.stat().st_size
    assert asset["inputType"] == "UPLOAD"
    assert asset["url"] == out["url"]

    calls = [(r.method, r.path) for r in sent(api)][:3]
    assert calls == [("GET", "/v2/assets/uploaded"), ("POST", "/v2/assets/upload"), ("POST", "/v2/assets")]
    lookup, announce, register = sent(api)[:3]
    assert f"contentSha256={out['sha256']}" in lookup.query and "type=VIDEO" in lookup.query
    assert announce.body == {"fileName": "speaker.mp4", "contentType": "video/mp4", "size": path.stat().st_size}
    assert register.body["type"] == "VIDEO" and register.body["url"] == out["url"]

    (put,) = store(api).receipts
    assert put.status == 200
    assert put.content_type == "video/mp4", "the PUT carries the Content-Type announced for the upload URL"
    assert put.has_api_key is False, "the upload URL is presigned: the API key must not go there"
    assert put.received == path.stat().st_size
    # The stored bytes are the file's bytes.
    assert httpx.get(out["url"]).content == path.read_bytes()


async def test_the_same_file_is_never_uploaded_twice(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    write(tmp_path, "voice.wav")
    first = data(await media.call_tool("upload_media", {"path": "voice.wav"}))
    api.state.requests.clear()
    receipts_before = len(store(api).receipts)

    again = await media.call_tool("upload_media", {"path": str(tmp_path / "voice.wav")})
    second = data(again)
    assert not again.is_error
    assert second["reused"] is True
    assert second["bytesSent"] == 0
    assert second["assetId"] == first["assetId"]
    assert "nothing was sent" in second["nextStep"]
    assert [(r.method, r.path) for r in sent(api)] == [("GET", "/v2/assets/uploaded")]
    assert len(store(api).receipts) == receipts_before, "no PUT for a file already uploaded"


async def test_a_changed_file_is_uploaded_again(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    path = write(tmp_path, "voice.wav")
    first = data(await media.call_tool("upload_media", {"path": "voice.wav"}))
    path.write_bytes(os.urandom(3000))
    second = data(await media.call_tool("upload_media", {"path": "voice.wav"}))
    assert second["reused"] is False
    assert second["assetId"] != first["assetId"]
    assert len(store(api).receipts) == 2


async def test_upload_progress_counts_percent_up_to_the_size(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    write(tmp_path, "line.mp3", 3 * MIB + 5)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    await media.call_tool("upload_media", {"path": "line.mp3"}, progress_callback=on_progress)
    values = [v for v, _, _ in progress]
    assert len(values) >= 3
    assert values == sorted(set(values)), "progress must strictly increase"
    assert values[-1] == 100 and {t for _, t, _ in progress} == {100}, "percent of the upload"
    assert all(m and m.startswith("upload line.mp3: ") for _, _, m in progress)
    assert progress[-1][2] == "upload line.mp3: 100 % (3.0 MiB of 3.0 MiB)"


async def test_a_large_file_streams_in_bounded_chunks(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    size = 64 * MIB
    path = tmp_path / "long_take.mov"
    with path.open("wb") as f:  # sparse: no disk blocks, no memory
        f.truncate(size)
    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    result = await media.call_tool("upload_media", {"path": "long_take.mov"}, progress_callback=on_progress)
    out = data(result)
    assert not result.is_error, out
    assert out["bytesSent"] == size
    assert out["sha256"] == hashlib.sha256(b"\0" * size).hexdigest()
    # The client read and sent the file a bounded chunk at a time: every progress step (a percent) is one chunk.
    sent = [round(percent * size / 100) for percent in progress]
    steps = [b - a for a, b in zip([0, *sent], sent, strict=False)]
    assert sent[-1] == size
    assert len(steps) >= size // uploads_api.CHUNK_SIZE
    assert max(steps) <= uploads_api.CHUNK_SIZE
    # The storage side received it as a stream of pieces, never as one body.
    (put,) = store(api).receipts
    assert put.received == size
    assert len(put.chunks) >= size // MIB
    assert max(put.chunks) <= uploads_api.CHUNK_SIZE


async def test_the_reader_yields_bounded_chunks(tmp_path: Path) -> None:
    path = write(tmp_path, "clip.webm", 5 * 1000 + 7)
    with path.open("rb", buffering=0) as f:
        source = uploads_api.FileSource(f, path.name, path.stat().st_size)
        chunks = [len(c) async for c in uploads_api.file_chunks(source, chunk_size=1000)]
    assert chunks == [1000] * 5 + [7]


async def test_a_file_that_changes_during_upload_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "clip.webm", 4000)
    received: list[int] = []
    with path.open("rb", buffering=0) as f, pytest.raises(SyncAPIError) as caught:
        async for chunk in uploads_api.file_chunks(uploads_api.FileSource(f, path.name, 5000), chunk_size=1000):
            received.append(len(chunk))
    assert caught.value.error_code == "upload_failed"
    assert sum(received) < 4000, "the last chunk is held back, so a receiver never gets a whole body"


async def test_bytes_that_no_longer_hash_as_checked_are_not_sent_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "clip.webm", 4000)
    with path.open("rb", buffering=0) as f:
        source = uploads_api.FileSource(f, path.name, 4000)
        digest = await uploads_api.sha256_file(source, chunk_size=1000)
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
        with path.open("r+b") as writer:  # rewritten in place after the hash: same size, other bytes
            writer.seek(3500)
            writer.write(b"\0" * 10)
        received: list[int] = []
        with pytest.raises(SyncAPIError) as caught:
            async for chunk in uploads_api.file_chunks(source, chunk_size=1000, sha256=digest):
                received.append(len(chunk))
    assert caught.value.error_code == "upload_failed"
    assert sum(received) < 4000


UNUSABLE = [
    ("notes.txt", 100, "unsupported_media_type"),
    ("clip.mkv", 100, "unsupported_media_type"),
    ("empty.mp4", 0, "file_empty"),
]
BAD_DETAILS = [
    ({"projectId": "not-a-uuid"}, "projectId"),
    ({"visibility": "PUBLIC"}, "visibility"),
    ({"name": ""}, "name"),
]


async def test_unusable_files_and_details_are_refused_before_any_request(
    media: Client, api: SandboxServer, tmp_path: Path
) -> None:
    for name, size, code in UNUSABLE:  # one session for all cases: each is a separate call
        write(tmp_path, name, size)
        result = await media.call_tool("upload_media", {"path": name})
        err = data(result)
        assert result.is_error, name
        assert (err["errorCode"], err["field"]) == (code, "path"), name
        assert name in err["message"]
        if code == "unsupported_media_type":
            assert ".mp4" in err["fix"] and ".wav" in err["fix"] and ".png" in err["fix"]

    huge = tmp_path / "huge.mp4"
    with huge.open("wb") as f:
        f.truncate(5_000_000_001)  # sparse
    err = data(await media.call_tool("upload_media", {"path": "huge.mp4"}))
    assert err["errorCode"] == "file_too_large"
    assert "5 GB" in err["message"]

    write(tmp_path, "clip.mp4")
    for arguments, field in BAD_DETAILS:
        result = await media.call_tool("upload_media", {"path": "clip.mp4", **arguments})
        err = data(result)
        assert result.is_error, arguments
        assert field in err["message"], arguments
        assert err["httpStatus"] is None, "nothing was sent, so there is no HTTP status"
    assert nothing_sent(api)


async def test_over_the_plan_limit_the_api_refuses_the_registration(
    media: Client, api: SandboxServer, tmp_path: Path
) -> None:
    write(tmp_path, "clip.mp4", 3000)
    store(api).plan_file_size_limit = 1000
    result = await media.call_tool("upload_media", {"path": "clip.mp4"})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "file_size_exceeds_plan_limit"
    assert err["httpStatus"] == 422
    assert err["fix"] == CATALOG["file_size_exceeds_plan_limit"].fix
    assert store(api).live() == []


async def test_an_expired_upload_url_is_reported_with_a_fix(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    write(tmp_path, "clip.mp4", 3000)
    store(api).upload_ttl_seconds = -1
    result = await media.call_tool("upload_media", {"path": "clip.mp4"})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "upload_failed"
    assert err["httpStatus"] == 403
    assert "expired" in err["message"]
    assert "upload_media again" in err["fix"]
    assert [r.path for r in sent(api)] == ["/v2/assets/uploaded", "/v2/assets/upload"], "nothing registered"


# ----------------------------------------------------------------------------------------------- register_asset


async def test_register_a_public_url(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("register_asset", {"url": PUBLIC_VIDEO, "type": "VIDEO", "name": "Speaker"})
    asset = data(result)
    assert not result.is_error
    assert asset["type"] == "VIDEO"
    assert asset["url"] == PUBLIC_VIDEO
    assert asset["inputType"] == "URL"
    assert asset["visibility"] == "USER"
    assert asset["name"] == "Speaker"
    assert asset["id"] in asset["nextStep"]
    (request,) = sent(api)
    assert request.body == {"url": PUBLIC_VIDEO, "type": "VIDEO", "name": "Speaker"}


BAD_REGISTRATIONS = [
    ({"url": "ftp://media.example.com/a.mp4", "type": "VIDEO"}, "url"),
    ({"url": "https://user:pw@media.example.com/a.mp4", "type": "VIDEO"}, "url"),
    ({"url": PUBLIC_VIDEO, "type": "video"}, "type"),
    ({"url": PUBLIC_VIDEO, "type": "VIDEO", "projectId": "p1"}, "projectId"),
    ({"type": "VIDEO"}, "url"),
]


async def test_register_asset_refuses_bad_input_before_any_request(client: Client, api: SandboxServer) -> None:
    for arguments, field in BAD_REGISTRATIONS:
        result = await client.call_tool("register_asset", arguments)
        err = data(result)
        assert result.is_error, arguments
        assert field in err["message"], arguments
        assert err["fix"]
    assert sent(api) == []


async def test_registering_a_url_that_was_never_uploaded(client: Client, api: SandboxServer) -> None:
    announced = httpx.post(
        f"{api.base_url}/v2/assets/upload",
        json={"fileName": "a.wav", "contentType": "audio/wav", "size": 10},
        headers={"x-api-key": TEST_KEY},
    ).json()
    result = await client.call_tool("register_asset", {"url": announced["url"], "type": "AUDIO"})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "uploaded_file_not_found"
    assert err["httpStatus"] == 422
    assert err["fix"] == CATALOG["uploaded_file_not_found"].fix


# ----------------------------------------------------------------------------------------------- list / get / delete


async def register(client: Client, name: str, kind: str = "VIDEO", **extra: Any) -> dict[str, Any]:
    ext = {"VIDEO": "mp4", "AUDIO": "wav", "IMAGE": "png"}[kind]
    url = f"https://media.example.com/{name}.{ext}"
    return data(await client.call_tool("register_asset", {"url": url, "type": kind, "name": name, **extra}))


async def test_list_assets_pages_with_next_cursor(client: Client, api: SandboxServer) -> None:
    made = [await register(client, f"take-{n}") for n in range(3)]
    first = data(await client.call_tool("list_assets", {"limit": 2}))
    assert [a["id"] for a in first["items"]] == [made[2]["id"], made[1]["id"]], "newest first"
    assert first["totalCount"] == 3
    assert first["nextCursor"]
    assert first["nextCursor"] in first["nextStep"]
    second = data(await client.call_tool("list_assets", {"limit": 2, "cursor": first["nextCursor"]}))
    assert [a["id"] for a in second["items"]] == [made[0]["id"]]
    assert "nextCursor" not in second
    listed = [r for r in sent(api) if r.path == "/v2/assets"]
    assert "limit=2" in listed[-1].query and f"cursor={first['nextCursor']}" in listed[-1].query


async def test_list_assets_filters(client: Client, api: SandboxServer) -> None:
    project = await new_project(client)
    await register(client, "intro", "VIDEO")
    voice = await register(client, "voice-over", "AUDIO", projectId=project)
    await register(client, "portrait", "IMAGE")
    by_type = data(await client.call_tool("list_assets", {"types": ["AUDIO", "IMAGE"], "sortBy": "nameAsc"}))
    assert [a["name"] for a in by_type["items"]] == ["portrait", "voice-over"]
    assert "types=AUDIO%2CIMAGE" in sent(api)[-1].query
    by_name = data(await client.call_tool("list_assets", {"searchQuery": "VOICE"}))
    assert [a["id"] for a in by_name["items"]] == [voice["id"]]
    by_project = data(await client.call_tool("list_assets", {"projectId": project}))
    assert [a["id"] for a in by_project["items"]] == [voice["id"]]
    empty = data(await client.call_tool("list_assets", {"searchQuery": "nothing-like-this"}))
    assert empty["items"] == [] and "upload_media" in empty["nextStep"]


async def test_list_assets_refuses_bad_queries_before_any_request(client: Client, api: SandboxServer) -> None:
    for arguments in ({"limit": 0}, {"limit": 101}, {"types": ["MOVIE"]}, {"sortBy": "newest"}, {"projectId": "x"}):
        result = await client.call_tool("list_assets", arguments)
        assert result.is_error, arguments
        assert next(iter(arguments)) in data(result)["message"], arguments
    assert sent(api) == []


async def test_get_asset(client: Client, api: SandboxServer) -> None:
    made = await register(client, "intro")
    got = data(await client.call_tool("get_asset", {"id": made["id"]}))
    assert got["id"] == made["id"] and got["url"] == made["url"]
    missing = await client.call_tool("get_asset", {"id": str(uuid.uuid4())})
    err = data(missing)
    assert missing.is_error
    assert err["errorCode"] == "asset_not_found"
    assert err["httpStatus"] == 404
    assert err["fix"] == CATALOG["asset_not_found"].fix


async def test_malformed_asset_ids_are_refused_before_any_request(client: Client, api: SandboxServer) -> None:
    for tool in ("get_asset", "delete_asset"):
        for bad in ("asset-1", "../generations", ""):
            result = await client.call_tool(tool, {"id": bad})
            assert result.is_error, (tool, bad)
            assert data(result)["field"] == "id"
    assert sent(api) == []


async def test_delete_asset(client: Client, api: SandboxServer) -> None:
    made = await register(client, "intro")
    result = await client.call_tool("delete_asset", {"id": made["id"]})
    assert not result.is_error
    assert data(result) == {"id": made["id"], "deleted": True}
    gone = await client.call_tool("get_asset", {"id": made["id"]})
    assert data(gone)["errorCode"] == "asset_not_found"
    again = await client.call_tool("delete_asset", {"id": made["id"]})
    assert data(again)["errorCode"] == "asset_not_found"


async def test_deleting_an_organisation_asset_is_forbidden_for_a_key(client: Client, api: SandboxServer) -> None:
    shared = await register(client, "brand-intro", visibility="ORGANIZATION")
    result = await client.call_tool("delete_asset", {"id": shared["id"]})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "asset_forbidden"
    assert err["httpStatus"] == 403
    assert err["retryable"] is False
    assert err["fix"] == CATALOG["asset_forbidden"].fix
    assert data(await client.call_tool("get_asset", {"id": shared["id"]}))["id"] == shared["id"]


async def test_delete_asset_is_annotated_destructive(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert tools["delete_asset"].annotations.destructive_hint is True
    assert tools["get_asset"].annotations.read_only_hint is True
    assert tools["list_assets"].annotations.read_only_hint is True
    assert tools["upload_media"].annotations.destructive_hint is False


# ----------------------------------------------------------------------------------------------- generations


async def test_a_generation_with_an_unknown_asset_id_is_refused(client: Client, api: SandboxServer) -> None:
    body = {
        "model": "lipsync-2",
        "input": [{"type": "video", "assetId": str(uuid.uuid4())}, {"type": "audio", "url": "https://e.com/a.wav"}],
    }
    result = await client.call_tool("create_generation", body)
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "asset_not_found"
    assert err["httpStatus"] == 404
    assert api.state.generation_count() == 0


async def test_an_uploaded_asset_drives_a_generation(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    write(tmp_path, "face.mp4")
    video = data(await media.call_tool("upload_media", {"path": "face.mp4"}))
    body = {
        "model": "lipsync-2",
        "input": [{"type": "video", "assetId": video["assetId"]}, {"type": "audio", "url": "https://e.com/a.wav"}],
    }
    result = await media.call_tool("create_generation", body)
    assert not result.is_error, result.content
    assert data(result)["input"][0]["assetId"] == video["assetId"]


# ----------------------------------------------------------------------------------------------- API layer and SDK


async def test_download_url_is_plain_text_and_fetched_without_the_key(api: SandboxServer, tmp_path: Path) -> None:
    path = write(tmp_path, "voice.wav", 4000)
    wav = format_of(path.name)
    assert wav is not None
    async with SyncClient(TEST_KEY, base_url=api.base_url) as sync_client:
        with path.open("rb", buffering=0) as f:
            source = uploads_api.FileSource(f, path.name, path.stat().st_size)
            outcome = await sync_client.uploads.file(source, wav, AssetDetails())
        url = await sync_client.assets.download_url(outcome.asset.id)
    raw = httpx.get(f"{api.base_url}/v2/assets/{outcome.asset.id}/download", headers={"x-api-key": TEST_KEY})
    assert raw.headers["content-type"].startswith("text/plain")
    assert raw.text == url
    assert httpx.get(url).content == path.read_bytes()


async def test_the_official_sdk_parses_the_sandbox_assets(client: Client, api: SandboxServer, tmp_path: Path) -> None:
    await register(client, "intro")
    await register(client, "voice", "AUDIO")
    headers = {"x-api-key": TEST_KEY}
    listed = httpx.get(f"{api.base_url}/v2/assets", params={"limit": 1}, headers=headers).json()
    page = parse_obj_as(PaginatedAssetsResponse, listed)
    assert len(page.items) == 1 and page.next_cursor and page.total_count == 2
    one = httpx.get(f"{api.base_url}/v2/assets/{page.items[0].id}", headers=headers).json()
    asset = parse_obj_as(SdkAsset, one)
    assert asset.type == "AUDIO" and asset.visibility == "USER" and asset.created_at is not None
    uploaded = httpx.get(
        f"{api.base_url}/v2/assets/uploaded", params={"contentSha256": "0" * 64, "type": "VIDEO"}, headers=headers
    )
    assert uploaded.json() == {"asset": None}

    sdk = Sync(base_url=api.base_url, api_key=TEST_KEY)
    sdk_page = sdk.assets.list(limit=10, types=["VIDEO", "AUDIO"], sort_by="nameAsc")
    assert [a.name for a in sdk_page.items] == ["intro", "voice"]
    assert sdk.assets.get(asset.id).id == asset.id
