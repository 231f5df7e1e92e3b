"""Named downloads: `download_output` saves as the name asked for; a user whose computer is not the server's
gets a download link of this server instead, which hands over the video as an attachment of that name."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import httpx
import pytest
import srt
from mcp import Client

from sync_mcp.sandbox import SandboxServer

from ..conftest import AUDIO, BASIC, OTHER_KEY, TEST_KEY, VIDEO, data, deployment, error
from ..http_support import http_client, http_server
from ..oauth_support import Browser, oauth_client, oauth_server
from .test_upload_links import VIDEO_BYTES

pytestmark = pytest.mark.anyio

PROXIED = {"X-Forwarded-For": "198.51.100.23"}
LIPSYNC = {"video": VIDEO, "audio": AUDIO, "timeout": 20}


async def completed(client: Client) -> str:
    created = data(await client.call_tool("create_generation", BASIC))
    with anyio.fail_after(20):
        done = data(await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15}))
    assert done["status"] == "COMPLETED"
    return str(done["id"])


async def test_a_download_is_saved_under_the_name_asked_for(client: Client) -> None:
    gid = await completed(client)
    saved = data(await client.call_tool("download_output", {"id": gid, "name": "launch-final"}))
    bad = await client.call_tool("download_output", {"id": gid, "name": "../launch final.mov"})
    assert Path(saved["path"]).name == "launch-final.mp4" and saved["fileName"] == "launch-final.mp4"
    assert gid.encode() in await anyio.Path(saved["path"]).read_bytes()
    assert bad.is_error and error(bad)["field"] == "name"


async def test_a_remote_user_gets_a_download_link_named_as_asked(
    api: SandboxServer, two_keys: None, tmp_path: Path
) -> None:
    async with http_server(deployment(api, tmp_path)) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY, headers=PROXIED) as remote:
            gid = await completed(remote)
            linked = data(await remote.call_tool("download_output", {"id": gid, "name": "launch-final"}))
        async with httpx.AsyncClient(timeout=30) as http:
            video = await http.get(linked["downloadUrl"])
            again = await http.get(linked["downloadUrl"])
            wrong = await http.get(linked["downloadUrl"].replace("/download/", "/upload/"))
            forged = await http.get(srv.base_url + "/download/" + "A" * 43)
        async with http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY) as local:
            on_disk = data(await local.call_tool("download_output", {"id": await completed(local), "name": "mine"}))
    assert linked["downloadUrl"].startswith(srv.base_url + "/download/") and "path" not in linked
    assert linked["fileName"] == "launch-final.mp4" and linked["expiresAt"].endswith("Z")
    assert video.status_code == 200, video.text
    assert video.headers["content-disposition"] == 'attachment; filename="launch-final.mp4"'
    assert video.headers["content-type"] == "video/mp4" and gid.encode() in video.content
    assert again.status_code == 200, "a download link works until it expires"
    assert wrong.status_code == 404 and forged.status_code == 404, "a download link uploads nothing"
    assert os.listdir(tmp_path / "outputs") == [Path(on_disk["path"]).parent.name], "the link wrote no file"


async def test_a_signed_in_user_brings_and_takes_their_video_through_links(api: SandboxServer) -> None:
    """An OAuth sign-in is a remote user, even on loopback: their files come and go through links, with their key."""
    async with oauth_server(api) as srv, oauth_client(srv.mcp_url, Browser(TEST_KEY), mode="auto") as (client, _):
        linked = data(await client.call_tool("upload_media", {"path": "talk.mp4"}))
        async with httpx.AsyncClient(timeout=30) as http:
            put = await http.put(linked["uploadUrl"], content=VIDEO_BYTES)
            done = data(await client.call_tool("upload_media", {"uploadId": linked["uploadId"], "wait": True}))
            gid = await completed(client)
            saved = data(await client.call_tool("download_output", {"id": gid, "name": "take-home"}))
            video = await http.get(saved["downloadUrl"])
    assert linked["state"] == "waiting" and put.status_code == 200
    assert done["state"] == "done" and done["type"] == "VIDEO"
    assert video.status_code == 200 and video.headers["content-disposition"].endswith('filename="take-home.mp4"')
    assert gid.encode() in video.content


async def test_lipsync_hands_a_remote_user_a_download_link_instead_of_saving_on_the_server(
    api: SandboxServer, two_keys: None, tmp_path: Path
) -> None:
    async with http_server(deployment(api, tmp_path)) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY, headers=PROXIED) as remote:
            arguments = {**LIPSYNC, "output_name": "launch-final", "download": True}
            done = data(await remote.call_tool("lipsync", arguments))
        async with httpx.AsyncClient(timeout=30) as http:
            video = await http.get(done["downloadUrl"])
    assert done["status"] == "COMPLETED" and "savedPath" not in done
    assert done["downloadUrl"] in done["nextStep"]
    assert video.status_code == 200 and video.headers["content-disposition"].endswith('filename="launch-final.mp4"')
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").rglob("*.mp4")), "nothing saved"


async def test_subtitles_reach_a_remote_user_as_a_download_link(
    api: SandboxServer, two_keys: None, tmp_path: Path
) -> None:
    async with http_server(deployment(api, tmp_path, SYNC_MCP_TOOLSETS="core,dialogue")) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY, headers=PROXIED) as remote:
            heard = data(await remote.call_tool("transcribe", {"video": VIDEO, "format": "srt"}))
        async with httpx.AsyncClient(timeout=30) as http:
            got = await http.get(heard["subtitleUrl"])
    assert heard["status"] == "COMPLETED" and "subtitlePath" not in heard
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/x-subrip")
    assert got.headers["content-disposition"] == f'attachment; filename="transcript-{heard["id"]}.srt"'
    cues = list(srt.parse(got.text))
    assert cues and " ".join(c.content.replace("\n", " ") for c in cues) == heard["text"]
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").rglob("*.srt")), "nothing saved"
