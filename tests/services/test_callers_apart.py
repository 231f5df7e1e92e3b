"""Two users of one HTTP deployment, each with their own Sync key: their files stay apart.

Each caller reads and writes only its own folders (under SYNC_MCP_ALLOWED_DIRS and SYNC_MCP_OUTPUT_DIR), so
no result, hint, error or completion of one names a file of the other, one cannot overwrite the other's
download, and the output quotas count per caller and for everyone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult, PromptReference

from sync_mcp.api import SyncClient
from sync_mcp.api.client import key_digest
from sync_mcp.config import Settings
from sync_mcp.sandbox import SandboxServer
from sync_mcp.services.paths import folders_for

from ..conftest import BASIC, OTHER_KEY, TEST_KEY, data, deployment
from ..http_support import http_client, http_server

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
LIPSYNC_PROMPT = PromptReference(type="ref/prompt", name="lipsync_video")


def text(item: CallToolResult | list[str]) -> str:
    if isinstance(item, list):
        return "\n".join(item)
    return json.dumps(item.structured_content) + "".join(getattr(c, "text", "") for c in item.content)


def read(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


async def completed(client: Client, name: str) -> str:
    created = data(await client.call_tool("create_generation", {**BASIC, "outputFileName": name}))
    with anyio.fail_after(20):
        done = data(await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15}))
    assert done["status"] == "COMPLETED"
    return str(done["id"])


async def complete(client: Client, value: str) -> list[str]:
    return list((await client.complete(LIPSYNC_PROMPT, {"name": "video", "value": value})).completion.values)


async def test_two_users_never_see_each_others_files(
    api: SandboxServer, two_keys: None, tmp_path: Path, mode: str
) -> None:
    settings = deployment(api, tmp_path)
    seen_by_b: list[Any] = []
    async with http_server(settings) as srv:
        async with http_client(srv.mcp_url, mode=mode, api_key=TEST_KEY) as a:
            a_gid = await completed(a, "ceo-q3-results")
            a_saved = data(await a.call_tool("download_output", {"id": a_gid}))
            a_output = Path(a_saved["path"]).parent
            a_caller = a_output.name
            write(tmp_path / "media" / a_caller / "board-meeting.mp4", b"\0\0\0\x18ftypisom A's own upload")
            a_upload = await a.call_tool("upload_media", {"path": "board-meeting.mp4"})
            a_reupload = await a.call_tool("upload_media", {"path": a_saved["path"]})  # its own output, back in
            a_completions = await complete(a, f"{a_output}/ceo")
        a_bytes = read(a_saved["path"])

        async with http_client(srv.mcp_url, mode=mode, api_key=OTHER_KEY) as b:
            typo = await b.call_tool("upload_media", {"path": "ceo-q3-result.mp4"})
            absolute = await b.call_tool("upload_media", {"path": a_saved["path"]})
            relative = await b.call_tool("upload_media", {"path": f"../../outputs/{a_caller}/ceo-q3-results.mp4"})
            same_name = await b.call_tool("upload_media", {"path": "board-meeting.mp4"})
            b_completions = [
                *await complete(b, ""),
                *await complete(b, "ceo"),
                *await complete(b, "/"),
                *await complete(b, f"{tmp_path}/outputs/"),
                *await complete(b, f"{a_output}/"),
            ]
            b_gid = await completed(b, "ceo-q3-results")
            b_saved = await b.call_tool("download_output", {"id": b_gid})
            seen_by_b += [typo, absolute, relative, same_name, b_completions, b_saved]

    # A works in its own folders: its upload folder, and its output folder read back.
    assert a_output.parent == (tmp_path / "outputs").resolve() and a_caller.startswith("caller-")
    assert not a_upload.is_error and not a_reupload.is_error, (a_upload.content, a_reupload.content)
    assert a_completions == [f"{a_output}/ceo-q3-results.mp4"], "completion lists A's own files to A"

    # B: the same mistakes as in the report, each refused without naming anything of A's.
    assert data(typo)["errorCode"] == "file_not_found" and "Did you mean" not in data(typo)["message"]
    assert data(absolute)["errorCode"] == "path_not_allowed"
    assert data(relative)["errorCode"] == "path_not_allowed"
    assert data(same_name)["errorCode"] == "file_not_found" and "Did you mean" not in data(same_name)["message"]
    for item in seen_by_b[:-1]:
        leaked = text(item)
        leaked = leaked.replace(a_saved["path"], "").replace(f"{a_caller}/ceo-q3-results.mp4", "")  # B's own input
        assert a_caller not in leaked and a_gid not in leaked, leaked
    b_caller = Path(data(b_saved)["path"]).parent.name
    assert set(b_completions) == {f"{(tmp_path / 'media').resolve()}/{b_caller}/", f"{tmp_path}/outputs/{b_caller}/"}

    # B's download of the same name goes to B's folder; A's file is untouched.
    saved = data(b_saved)
    assert not b_saved.is_error and saved["replaced"] is False
    assert Path(saved["path"]).parent != a_output and Path(saved["path"]).name == "ceo-q3-results.mp4"
    assert a_caller not in text(b_saved)
    assert read(a_saved["path"]) == a_bytes and a_gid.encode() in a_bytes
    assert b_gid.encode() in read(saved["path"])
    assert sorted(os.listdir(tmp_path / "outputs")) == sorted([a_caller, Path(saved["path"]).parent.name])


async def test_a_hint_still_names_the_callers_own_file(
    api: SandboxServer, two_keys: None, tmp_path: Path, mode: str
) -> None:
    settings = deployment(api, tmp_path)
    async with http_server(settings) as srv, http_client(srv.mcp_url, mode=mode, api_key=OTHER_KEY) as b:
        missing = await b.call_tool("upload_media", {"path": "nothing-here.mp4"})
        b_folder = Path(data(missing)["fix"].split("relative to ", 1)[1].rstrip(")."))
        write(b_folder / "interview.mp4", b"\0\0\0\x18ftypisom B's")
        typo = await b.call_tool("upload_media", {"path": "intervew.mp4"})
        listed = await complete(b, "inter")
    assert b_folder.parent == (tmp_path / "media").resolve() and b_folder.name.startswith("caller-")
    assert f"Did you mean '{b_folder / 'interview.mp4'}'" in data(typo)["message"]
    assert listed == ["interview.mp4"]


async def test_each_caller_has_an_output_quota(
    api: SandboxServer, two_keys: None, tmp_path: Path, output_size: Callable[[int], None]
) -> None:
    output_size(MIB)
    settings = deployment(api, tmp_path, SYNC_MCP_OUTPUT_QUOTA_BYTES=str(MIB + MIB // 2))  # one output each
    async with http_server(settings) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY) as a:
            first, second = await completed(a, "first"), await completed(a, "second")
            a_first = await a.call_tool("download_output", {"id": first})
            a_second = await a.call_tool("download_output", {"id": second})
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY) as b:
            b_first = await b.call_tool("download_output", {"id": await completed(b, "first")})
    assert not a_first.is_error and not b_first.is_error, "a full folder of A's does not stop B"
    err = data(a_second)
    assert a_second.is_error
    assert (err["errorCode"], err["retryable"]) == ("output_quota_exceeded", False)
    assert "SYNC_MCP_OUTPUT_QUOTA_BYTES" in err["fix"] and "your output folder" in err["message"]


async def test_the_output_budget_counts_every_caller(
    api: SandboxServer, two_keys: None, tmp_path: Path, output_size: Callable[[int], None]
) -> None:
    output_size(MIB)
    settings = deployment(api, tmp_path, SYNC_MCP_OUTPUT_BUDGET_BYTES=str(MIB + MIB // 2))  # one output in all
    async with http_server(settings) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY) as a:
            a_first = await a.call_tool("download_output", {"id": await completed(a, "first")})
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY) as b:
            b_first = await b.call_tool("download_output", {"id": await completed(b, "first")})
    assert not a_first.is_error
    err = data(b_first)
    assert (err["errorCode"], err["retryable"]) == ("output_quota_exceeded", False)
    assert "SYNC_MCP_OUTPUT_BUDGET_BYTES" in err["fix"] and "for all users" in err["message"]
    assert str(tmp_path) not in err["fix"], "the budget error names no folder of anyone's"


def test_folders_per_caller(tmp_path: Path) -> None:
    settings = Settings(SYNC_MCP_ALLOWED_DIRS=str(tmp_path / "in"), SYNC_MCP_OUTPUT_DIR=str(tmp_path / "out"))
    alone, caller = folders_for(settings), folders_for(settings, "caller-abc")
    assert alone.read == ((tmp_path / "in").resolve(),) and alone.output == tmp_path / "out"
    assert alone.quota is None, "no quota by default over stdio"
    assert caller.read == ((tmp_path / "in").resolve() / "caller-abc", tmp_path / "out" / "caller-abc")
    assert caller.output == tmp_path / "out" / "caller-abc" and caller.output_root == tmp_path / "out"
    assert caller.quota == 20 * 1024**3, "20 GiB per caller by default over HTTP"


async def test_the_operator_keeps_the_configured_folders(api: SandboxServer, two_keys: None, tmp_path: Path) -> None:
    """The deployment's own key, no key of the request's own: the folders of SYNC_MCP_ALLOWED_DIRS and
    SYNC_MCP_OUTPUT_DIR themselves, as over stdio. A caller with a key of its own gets a folder of its own,
    which exists as soon as a message names it."""
    settings = deployment(api, tmp_path, SYNC_API_KEY=TEST_KEY)
    write(tmp_path / "media" / "talk.mp4", b"\0\0\0\x18ftypisom the operator's own talk")
    async with http_server(settings) as srv:
        async with http_client(srv.mcp_url, mode="auto") as operator:
            uploaded = await operator.call_tool("upload_media", {"path": "talk.mp4"})
            saved = data(await operator.call_tool("download_output", {"id": await completed(operator, "keynote")}))
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY) as other:
            refused = data(await other.call_tool("upload_media", {"path": "talk.mp4"}))
    assert not uploaded.is_error, uploaded.content
    assert Path(saved["path"]) == (tmp_path / "outputs" / "keynote.mp4").resolve()
    assert refused["errorCode"] == "file_not_found" and "Did you mean" not in refused["message"]
    own = Path(refused["fix"].split("relative to ", 1)[1].rstrip(")."))
    assert own.parent == (tmp_path / "media").resolve() and own.name.startswith("caller-")
    assert own.name in os.listdir(tmp_path / "media"), "the folder a message names exists"


def test_a_key_digest_keeps_the_bytes_folders_and_shared_records_were_named_with() -> None:
    pinned = "f6e8021d62ef1bd1e93bcab8f7862772933fbd7942fcdc6f8367daea6ee7b140"
    assert key_digest("sk-live-example") == pinned
    assert key_digest(None) is None and key_digest("") is None
    assert SyncClient(api_key="sk-live-example").key_tag == pinned[:16]
