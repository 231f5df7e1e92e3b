"""A local file swapped between its check and its upload, through an MCP client: what is sent is the file
that was checked and opened, or nothing, never the file swapped in, and the call never hangs.

The swaps happen on cue, while the upload is under way: a stand-in API (`fake_api`) in front of the sandbox
runs them when the server asks whether the file was uploaded before (after the file was checked, opened
and hashed, before its bytes are sent), then lets the request through.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from starlette.requests import Request
from starlette.responses import Response

from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.asset_store import AssetStore, asset_store
from sync_mcp.server import build_server
from sync_mcp.services.media_sources import DIRECT_MAX_BYTES

from ..conftest import data, make_settings, sent
from ..fake_api import FakeApi

pytestmark = [pytest.mark.anyio, pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file types")]

LOOKUP = "/v2/assets/uploaded"


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """root/ (allowed): clip.mp4 and voice.wav; outside/ (not allowed): secret.mp4."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "clip.mp4").write_bytes(b"\0\0\0\x18ftypisom" + os.urandom(200_000))
    (root / "voice.wav").write_bytes(b"RIFF" + os.urandom(50_000))
    (outside / "secret.mp4").write_bytes(b"\0\0\0\x18ftypisom SECRET " + os.urandom(1000))
    yield {"root": root, "outside": outside, "clip": root / "clip.mp4", "voice": root / "voice.wav"}
    for path in root.iterdir():  # a reader still waiting on a FIFO (the old behaviour) gets its end of file
        _release_fifo(path)


def _release_fifo(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_fifo():
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.fixture
async def client(api: SandboxServer, fake: FakeApi, tree: dict[str, Path], mode: str) -> AsyncIterator[Client]:
    settings = make_settings(api, SYNC_BASE_URL=fake.base_url, SYNC_MCP_ALLOWED_DIRS=str(tree["root"]))
    async with Client(build_server(settings), mode=mode) as c:  # type: ignore[arg-type]
        yield c


def store(api: SandboxServer) -> AssetStore:
    return asset_store(api.state)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def then_forward(action: Callable[[], None]) -> Callable[[Request], Any]:
    async def step(request: Request) -> Response | None:
        action()
        return None

    return step


def replaced_by(path: Path, name: str, make: Callable[[Path], object]) -> Callable[[], None]:
    """A swap that makes the sibling `name` with `make`, then renames it over `path` (atomic, as an attacker would)."""

    def swap() -> None:
        sibling = path.with_name(name)
        make(sibling)
        os.replace(sibling, path)

    return swap


def symlink_over(path: Path, target: Path) -> Callable[[], None]:
    return replaced_by(path, ".swap-link", lambda link: link.symlink_to(target))


def fifo_over(path: Path) -> Callable[[], None]:
    return replaced_by(path, ".swap-fifo", os.mkfifo)


def other_file_over(path: Path) -> Callable[[], None]:
    return replaced_by(path, ".swap-file", lambda other: other.write_bytes(os.urandom(path.stat().st_size)))


def rewrite_in_place(path: Path) -> Callable[[], None]:
    def rewrite() -> None:
        with path.open("r+b") as f:  # same file, same size, other bytes
            f.seek(100)
            f.write(b"\xff" * 64)

    return rewrite


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    with anyio.fail_after(30):  # a guard against a hang (the old behaviour with a FIFO), not a timing claim
        return await client.call_tool(tool, arguments)


# ----------------------------------------------------------------------------------------------- upload_media


@pytest.mark.parametrize("swap", [symlink_over, fifo_over, other_file_over], ids=["symlink", "fifo", "other"])
async def test_a_file_swapped_during_the_upload_is_not_what_is_sent(
    client: Client, api: SandboxServer, fake: FakeApi, tree: dict[str, Path], swap: Any
) -> None:
    original = tree["clip"].read_bytes()
    secret = (tree["outside"] / "secret.mp4").read_bytes()
    action = swap(tree["clip"], tree["outside"] / "secret.mp4") if swap is symlink_over else swap(tree["clip"])
    fake.on("GET", LOOKUP, step=then_forward(action))
    result = await call(client, "upload_media", {"path": "clip.mp4"})
    out = data(result)
    assert not result.is_error, out
    assert out["sha256"] == sha256(original) and out["bytesSent"] == len(original)
    stored = [f.sha256 for f in store(api).files.values()]
    assert stored == [sha256(original)], "the storage got the file that was checked, and only it"
    assert sha256(secret) not in stored
    assert [r.asset.id for r in store(api).live()] == [out["assetId"]]


async def test_bytes_rewritten_after_hashing_are_not_uploaded(
    client: Client, api: SandboxServer, fake: FakeApi, tree: dict[str, Path]
) -> None:
    fake.on("GET", LOOKUP, step=then_forward(rewrite_in_place(tree["clip"])))
    result = await call(client, "upload_media", {"path": "clip.mp4"})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "upload_failed" and "changed while it was being uploaded" in err["message"]
    assert store(api).files == {}, "the PUT never completed"
    assert store(api).live() == [], "no asset was registered"


async def test_a_fifo_is_refused_at_once(client: Client, api: SandboxServer, tree: dict[str, Path]) -> None:
    os.mkfifo(tree["root"] / "pipe.mp4")
    result = await call(client, "upload_media", {"path": "pipe.mp4"})
    err = data(result)
    assert (err["errorCode"], err["field"]) == ("not_a_regular_file", "path")
    assert "named pipe" in err["message"]
    assert sent(api) == [] and store(api).receipts == []


# ----------------------------------------------------------------------------------------------- lipsync


SWAPS_BEFORE_OPEN = [
    ("symlink", "file_changed", "symbolic link"),
    ("fifo", "not_a_regular_file", "named pipe"),
    ("other", "file_changed", "replaced by another file"),
]


@pytest.mark.parametrize(("swap", "code", "text"), SWAPS_BEFORE_OPEN, ids=[s[0] for s in SWAPS_BEFORE_OPEN])
async def test_a_file_swapped_before_it_is_opened_is_refused(
    client: Client, api: SandboxServer, fake: FakeApi, tree: dict[str, Path], swap: str, code: str, text: str
) -> None:
    """lipsync checks both files, then uploads the video: the audio is swapped meanwhile (checked, not yet
    opened). What is opened is checked again, so the call ends in a structured error and sends nothing of it."""
    # A video too large to travel with the create: lipsync uploads each file first, and the video's upload is the
    # moment the audio is swapped. (Small files go with the create, opened the same checked way.)
    tree["clip"].write_bytes(b"\0\0\0\x18ftypisom" + os.urandom(DIRECT_MAX_BYTES))
    voice = tree["voice"]
    action = {
        "symlink": symlink_over(voice, tree["outside"] / "secret.mp4"),
        "fifo": fifo_over(voice),
        "other": other_file_over(voice),
    }[swap]
    fake.on("GET", LOOKUP, step=then_forward(action))
    result = await call(client, "lipsync", {"video": "clip.mp4", "audio": "voice.wav", "wait": False})
    err = data(result)
    assert result.is_error
    assert (err["errorCode"], err["field"]) == (code, "audio"), err
    assert text in err["message"]
    assert err["retryable"] is (code == "file_changed"), "a file that changed may be in place on the next call"
    assert len(fake.requests_to(LOOKUP, "GET")) == 1, "the audio was never hashed or looked up"
    assert len(store(api).files) == 1, "only the video reached the storage"
    assert not [r for r in sent(api) if r.path.startswith("/v2/generate")], "no generation was created"


async def test_a_link_out_of_the_folders_is_refused_on_the_direct_create_path(
    client: Client, api: SandboxServer, fake: FakeApi, tree: dict[str, Path]
) -> None:
    """Small files travel with a multipart create (opened once with `open_checked`, like an upload): an audio that
    is a link to a file outside the folders is refused, and nothing is created or sent of it."""
    outside = tree["outside"] / "secret.mp4"
    tree["voice"].unlink()
    tree["voice"].symlink_to(outside)
    result = await call(client, "lipsync", {"video": "clip.mp4", "audio": "voice.wav", "wait": False})
    err = data(result)
    assert result.is_error and err["field"] == "audio", err
    assert not [r for r in sent(api) if r.path.startswith("/v2/generate")], "no generation was created"
