"""How an upload hashes: a large file is sent while it is hashed (the lookup decides, before the PUT's last
bytes, whether to reuse), and an unchanged file uploaded again is not hashed again before its lookup."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from sync_mcp.api import file_hashes
from sync_mcp.api import uploads as uploads_api
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.asset_store import asset_store
from sync_mcp.server import build_server

from ..conftest import data, make_settings, sent

pytestmark = pytest.mark.anyio

LARGE = uploads_api.SPECULATE_FROM + 3 * 1024 * 1024 + 17


@pytest.fixture
async def media(api: SandboxServer, mode: str, tmp_path: Path) -> AsyncIterator[Client]:
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path))
    async with Client(build_server(settings), mode=mode) as c:  # type: ignore[arg-type]
        yield c


def large_file(path: Path) -> Path:
    with path.open("wb") as f:
        f.write(os.urandom(1024 * 1024))
        f.truncate(LARGE)
    return path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes read by the hashing pass (`os.preadv` in api/uploads.py), one entry per read."""
    counted: list[int] = []
    real: Callable[..., int] = os.preadv

    def preadv(fd: int, buffers: Any, offset: int) -> int:
        n = real(fd, buffers, offset)
        counted.append(n)
        return n

    monkeypatch.setattr(uploads_api.os, "preadv", preadv)
    return counted


async def test_a_large_file_is_sent_while_it_is_hashed(media: Client, api: SandboxServer, tmp_path: Path) -> None:
    path = large_file(tmp_path / "long_take.mp4")
    out = data(await media.call_tool("upload_media", {"path": "long_take.mp4"}))
    assert out["reused"] is False and out["bytesSent"] == LARGE
    assert out["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    calls = [(r.method, r.path) for r in sent(api)]
    assert sorted(calls[:2]) == [("GET", "/v2/assets/uploaded"), ("POST", "/v2/assets/upload")]
    assert calls[2:] == [("POST", "/v2/assets")]
    assert [f.sha256 for f in asset_store(api.state).files.values()] == [out["sha256"]]


async def test_a_large_copy_of_an_uploaded_file_reuses_its_asset(
    media: Client, api: SandboxServer, tmp_path: Path
) -> None:
    first = data(await media.call_tool("upload_media", {"path": str(large_file(tmp_path / "take.mp4"))}))
    shutil.copyfile(tmp_path / "take.mp4", tmp_path / "copy.mp4")  # another file: nothing remembered of it
    again = data(await media.call_tool("upload_media", {"path": "copy.mp4"}))
    assert again["reused"] is True and again["bytesSent"] == 0
    assert again["assetId"] == first["assetId"] and again["sha256"] == first["sha256"]
    assert len(asset_store(api.state).files) == 1, "the PUT begun while hashing was abandoned, never completed"
    assert [r.path for r in sent(api)].count("/v2/assets") == 1, "nothing registered twice"


async def test_an_unchanged_file_is_not_hashed_again(
    media: Client, api: SandboxServer, tmp_path: Path, reads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_hashes, "SETTLED_NS", 0)  # the file was just written; count it as settled
    path = tmp_path / "voice.wav"
    path.write_bytes(os.urandom(300_000))
    first = data(await media.call_tool("upload_media", {"path": "voice.wav"}))
    assert sum(reads) >= path.stat().st_size
    reads.clear()
    again = data(await media.call_tool("upload_media", {"path": "voice.wav"}))
    assert again["reused"] is True and again["assetId"] == first["assetId"]
    assert reads == [], "the remembered hash was used"
    os.utime(path)  # touched: its change time moves, so it is hashed again
    data(await media.call_tool("upload_media", {"path": "voice.wav"}))
    assert sum(reads) >= path.stat().st_size


async def test_a_file_changed_just_before_it_was_hashed_is_hashed_again(
    media: Client, api: SandboxServer, tmp_path: Path, reads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_hashes, "SETTLED_NS", 10**18)  # however slow the machine, the file counts as fresh
    path = tmp_path / "voice.wav"
    path.write_bytes(os.urandom(300_000))  # just written: its change time might not move on the next write
    data(await media.call_tool("upload_media", {"path": "voice.wav"}))
    reads.clear()
    assert data(await media.call_tool("upload_media", {"path": "voice.wav"}))["reused"] is True
    assert sum(reads) >= path.stat().st_size
