"""Local file confinement: only files inside the allowed folders are read, whatever the path looks like.

Checked twice: through `readable_file` (the one place the rule lives) and through the upload_media tool,
where a refused path must cost nothing (no request to the API, no upload).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.types import PromptReference

from sync_mcp.config import Settings
from sync_mcp.guidance.errors import InputError
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.asset_store import asset_store
from sync_mcp.server import build_server
from sync_mcp.services.paths import folders_for, readable_file

from ..conftest import data, make_settings, sent

pytestmark = pytest.mark.anyio


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    """root/ (allowed) holding media/clip.mp4 and links; outside/ (not allowed) holding secret.mp4."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "media").mkdir(parents=True)
    outside.mkdir()
    (root / "media" / "clip.mp4").write_bytes(b"\0\0\0\x18ftypisom" + os.urandom(500))
    (outside / "secret.mp4").write_bytes(b"not yours")
    (root / "escape.mp4").symlink_to(outside / "secret.mp4")
    (root / "elsewhere").symlink_to(outside, target_is_directory=True)
    (root / "alias.mp4").symlink_to(root / "media" / "clip.mp4")
    return {"root": root, "outside": outside, "clip": root / "media" / "clip.mp4"}


REFUSED: list[tuple[str, str, str]] = [
    # (path as typed, errorCode, text the message must contain)
    ("../outside/secret.mp4", "path_not_allowed", "outside the folders"),
    ("media/../../outside/secret.mp4", "path_not_allowed", "outside the folders"),
    ("{outside}/secret.mp4", "path_not_allowed", "outside the folders"),
    ("/etc/passwd", "path_not_allowed", "outside the folders"),
    ("escape.mp4", "path_not_allowed", "outside the folders"),  # symlink to a file outside
    ("elsewhere/secret.mp4", "path_not_allowed", "outside the folders"),  # symlinked folder
    ("media/clip\u202e4pm.mp4", "invalid_path", "U+202E"),  # right-to-left override
    ("media/cl\u200bip.mp4", "invalid_path", "U+200B"),  # zero-width space
    ("media/clip.mp4\x00.txt", "invalid_path", "U+0000"),
    ("   ", "invalid_path", "empty"),
    ("C:\\Users\\me\\clip.mp4", "invalid_path", "Windows-style"),
    ("media\\clip.mp4", "invalid_path", "Windows-style"),
    ("\\\\server\\share\\clip.mp4", "invalid_path", "Windows-style"),
    ("media/clpi.mp4", "file_not_found", "Did you mean"),
    ("media", "file_not_found", "no file"),  # a folder is not a file
]


def typed(value: str, tree: dict[str, Path]) -> str:
    return value.format(outside=tree["outside"])


@pytest.mark.parametrize(("value", "code", "text"), REFUSED)
def test_readable_file_refuses(
    api: SandboxServer, tree: dict[str, Path], value: str, code: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree["outside"])  # relative paths are resolved against the root, not the cwd
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tree["root"]))
    with pytest.raises(InputError) as caught:
        readable_file(typed(value, tree), folders_for(settings))
    info = caught.value.info
    assert info.error_code == code
    assert text in info.message
    assert info.field == "path"
    assert info.fix


def test_a_missing_file_gets_a_did_you_mean(api: SandboxServer, tree: dict[str, Path]) -> None:
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tree["root"]))
    with pytest.raises(InputError) as caught:
        readable_file("media/clip.mp3", folders_for(settings))
    assert str(tree["clip"]) in caught.value.info.message
    with pytest.raises(InputError) as unrelated:
        readable_file("media/zzzzzz.wav", folders_for(settings))
    assert "Did you mean" not in unrelated.value.info.message


@pytest.mark.parametrize("value", ["media/clip.mp4", "alias.mp4", "./media/../media/clip.mp4", "{root}/media/clip.mp4"])
def test_readable_file_allows_paths_that_stay_inside(
    api: SandboxServer, tree: dict[str, Path], value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree["outside"])
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tree["root"]))
    assert readable_file(value.format(root=tree["root"]), folders_for(settings)) == tree["clip"].resolve()


def test_tilde_is_the_home_folder_and_is_confined_too(
    api: SandboxServer, tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tree["root"]))
    monkeypatch.setenv("HOME", str(tree["root"]))
    assert readable_file("~/media/clip.mp4", folders_for(settings)) == tree["clip"].resolve()
    monkeypatch.setenv("HOME", str(tree["outside"]))
    with pytest.raises(InputError) as caught:
        readable_file("~/secret.mp4", folders_for(settings))
    assert caught.value.info.error_code == "path_not_allowed"


def test_several_roots(api: SandboxServer, tree: dict[str, Path]) -> None:
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=f"{tree['root']}{os.pathsep}{tree['outside']}")
    assert (
        readable_file(str(tree["outside"] / "secret.mp4"), folders_for(settings))
        == (tree["outside"] / "secret.mp4").resolve()
    )
    assert readable_file("escape.mp4", folders_for(settings)) == (tree["outside"] / "secret.mp4").resolve()
    assert readable_file("media/clip.mp4", folders_for(settings)) == tree["clip"].resolve(), (
        "relative to the first root"
    )


# ----------------------------------------------------------------------------------------------- through the tool


@pytest.fixture
async def confined(api: SandboxServer, mode: str, tree: dict[str, Path]) -> AsyncIterator[Client]:
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tree["root"]))
    async with Client(build_server(settings), mode=mode) as c:  # type: ignore[arg-type]
        yield c


async def test_upload_media_refuses_paths_outside_and_sends_nothing(
    confined: Client, api: SandboxServer, tree: dict[str, Path]
) -> None:
    for value, code, text in REFUSED:  # one session for all cases: each is a separate call
        result = await confined.call_tool("upload_media", {"path": typed(value, tree)})
        err = data(result)
        assert result.is_error, value
        assert (err["errorCode"], err["field"], err["retryable"]) == (code, "path", False), value
        assert text in err["message"], value
    assert sent(api) == [] and asset_store(api.state).receipts == []


async def test_upload_media_follows_a_symlink_that_stays_inside(
    confined: Client, api: SandboxServer, tree: dict[str, Path]
) -> None:
    result = await confined.call_tool("upload_media", {"path": "alias.mp4"})
    out = data(result)
    assert not result.is_error, out
    assert out["type"] == "VIDEO"
    assert out["bytesSent"] == tree["clip"].stat().st_size


async def test_upload_media_expands_tilde(
    confined: Client, api: SandboxServer, tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tree["root"] / "media"))
    result = await confined.call_tool("upload_media", {"path": "~/clip.mp4"})
    assert not result.is_error, result.content
    monkeypatch.setenv("HOME", str(tree["outside"]))
    refused = await confined.call_tool("upload_media", {"path": "~/secret.mp4"})
    assert data(refused)["errorCode"] == "path_not_allowed"


def test_file_names_are_found_in_either_unicode_form(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "café.mp4")
    (tmp_path / decomposed).write_bytes(b"x")
    settings = Settings(SYNC_MCP_ALLOWED_DIRS=str(tmp_path))
    assert readable_file(decomposed, folders_for(settings)).name == decomposed  # stored decomposed, asked decomposed
    composed_file = tmp_path / unicodedata.normalize("NFC", "thé.mp4")
    composed_file.write_bytes(b"x")
    assert readable_file(unicodedata.normalize("NFD", "thé.mp4"), folders_for(settings)) == composed_file.resolve()


def test_a_name_too_long_for_the_file_system_is_a_missing_file(tmp_path: Path) -> None:
    settings = Settings(SYNC_MCP_ALLOWED_DIRS=str(tmp_path))
    with pytest.raises(InputError) as caught:
        readable_file("x" * 5000, folders_for(settings))
    assert caught.value.info.error_code == "file_not_found"


def test_a_symlink_loop_is_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "loop.mp4").symlink_to(tmp_path / "loop.mp4")
    settings = Settings(SYNC_MCP_ALLOWED_DIRS=str(tmp_path))
    with pytest.raises(InputError) as caught:
        readable_file("loop.mp4", folders_for(settings))
    assert caught.value.info.error_code in ("invalid_path", "file_not_found")


# ----------------------------------------------------------------------------------------------- completion


async def test_media_arguments_complete_local_files_inside_the_folders(
    api: SandboxServer, tree: dict[str, Path], mode: str
) -> None:
    (tree["root"] / "voice.wav").write_bytes(b"RIFF")
    (tree["root"] / ".hidden.mp4").write_bytes(b"x")
    (tree["root"] / "notes.txt").write_bytes(b"x")
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tree["root"]))
    lipsync = PromptReference(type="ref/prompt", name="lipsync_video")

    async with Client(build_server(settings), mode=mode) as client:  # type: ignore[arg-type]

        async def complete(name: str, value: str) -> list[str]:
            return list((await client.complete(lipsync, {"name": name, "value": value})).completion.values)

        videos = await complete("video", "")
        audios = await complete("audio", "")
        nested = await complete("video", "media/c")
        hidden = await complete("video", ".")
        absolute = await complete("video", f"{tree['root']}/med")
        refused = [await complete("video", v) for v in ("../", f"{tree['outside']}/", "elsewhere/", "https://e.com/")]
    # alias.mp4 stays inside; escape.mp4 and elsewhere/ lead outside and are never offered.
    assert videos == ["alias.mp4", "media/"]
    assert audios == ["media/", "voice.wav"]
    assert nested == ["media/clip.mp4"]
    assert hidden == [".hidden.mp4"]
    assert absolute == [f"{tree['root']}/media/"]
    assert refused == [[], [], [], []]
