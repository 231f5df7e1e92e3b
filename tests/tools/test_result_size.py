"""Lean results, over every tool: each result a model reads stays within 4 KB unless the call asked for a page of
items, and list results name what identifies an item while leaving signed URLs to the tools that read one item.

Every listed tool needs a call here (as in .ci/judges/sweep.mjs): a new tool fails this test until it has one."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import TextContent

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import AUDIO, VIDEO, make_settings

pytestmark = pytest.mark.anyio

LIMIT = 4096
"""Bytes of a result's text (what a model reads) for a call that asked for one thing."""
ITEM_LIMIT = 512
"""Bytes of one item of a page."""


class Sweep:
    """One client; each call's result text is measured, and kept for the calls after it."""

    def __init__(self, client: Client, folder: Path) -> None:
        self.client = client
        self.folder = folder
        self.state: dict[str, Any] = {}
        self.sizes: dict[str, int] = {}

    async def call(self, tool: str, arguments: dict[str, Any], *, page: str | None = None) -> dict[str, Any]:
        """Call `tool`; for a page, `page` names the list whose items are bounded instead of the whole."""
        result = await self.client.call_tool(tool, arguments)
        assert not result.is_error, (tool, result.content)
        first = result.content[0]
        assert isinstance(first, TextContent)
        size = len(first.text.encode("utf-8"))
        out = dict(result.structured_content or {})
        if page is None:
            assert size <= LIMIT, f"{tool} {arguments}: {size} B, over {LIMIT} B"
        else:
            for item in out[page]:
                assert len(json.dumps(item, ensure_ascii=False).encode()) <= ITEM_LIMIT, (tool, item)
        self.sizes[tool] = max(self.sizes.get(tool, 0), size)
        return out


Call = Callable[[Sweep], Awaitable[None]]


async def _generations(s: Sweep) -> None:
    created = await s.call("create_generation", {"model": "lipsync-2", "input": [_video(), _audio()]})
    s.state["generation"] = created["id"]
    await s.call("get_generation", {"id": created["id"], "wait": True, "timeout": 20})
    await s.call("get_generation_cost", {"id": created["id"]})
    await s.call("download_output", {"id": created["id"]})
    listed = await s.call("list_generations", {"limit": 100}, page="generations")
    for item in listed["generations"]:
        assert "outputUrl" not in item and not any("Signature" in str(v) for v in item.values()), item
        assert item["inputs"] and item["model"] and item["status"] and item["createdAt"], item


async def _lipsync(s: Sweep) -> None:
    await s.call("lipsync", {"video": VIDEO, "audio": "line.wav", "download": True})
    segments = [
        {"audio": "line.wav", "start": 0, "end": 3},
        {"script": "Hello there.", "voice_id": "voice-1", "start": 3, "end": 6},
    ]
    await s.call("lipsync", {"video": VIDEO, "segments": segments, "output_name": "two_speakers"})
    failed = await s.call("lipsync", {"video": VIDEO, "audio": AUDIO + "?sandbox_fail=generation_audio_rate_odd"})
    assert failed["closestErrors"], "the fullest failure explanation, measured too"


async def _errors(s: Sweep) -> None:
    await s.call("list_error_codes", {"code": "generation_input_audio_invalid"})
    await s.call("list_error_codes", {"code": "generation_audio_rate_odd"})
    await s.call("list_error_codes", {"search": "audio"}, page="entries")


async def _catalogs(s: Sweep) -> None:
    await s.call("list_models", {})
    voices = await s.call("list_voices", {}, page="voices")
    s.state["voice"] = voices["voices"][0]["id"]
    await s.call("estimate_cost", {"model": "lipsync-2", "duration": 30})


async def _projects_and_assets(s: Sweep) -> None:
    project = await s.call("create_project", {"name": "size check"})
    s.state["project"] = project["id"]
    await s.call("get_project", {"id": project["id"]})
    await s.call("list_projects", {}, page="projects")
    uploaded = await s.call("upload_media", {"path": "face.mp4"})
    s.state["asset"] = uploaded["assetId"]
    registered = await s.call("register_asset", {"url": f"{AUDIO}?{uuid.uuid4()}", "type": "AUDIO"})
    s.state["registered"] = registered["id"]
    await s.call("get_asset", {"id": uploaded["assetId"]})
    await s.call("list_assets", {"limit": 100}, page="items")


async def _voices_and_speech(s: Sweep) -> None:
    await s.call("create_speech", {"voiceId": s.state["voice"], "script": "Hello."})
    clone = await s.call("clone_voice", {"name": "Size", "url": "https://media.example.com/voices/size.wav"})
    await s.call("delete_voice", {"id": clone["id"]})


async def _batches(s: Sweep) -> None:
    rows = [
        {
            "request_id": f"r{n}",
            "endpoint": "/v2/generate",
            "payload": {"model": "lipsync-2", "input": [_video(), {"type": "audio", "url": f"{AUDIO}?row={n}"}]},
        }
        for n in range(20)
    ]
    await s.call("create_batch", {"rows": rows, "dry_run": True})
    batch = await s.call("create_batch", {"rows": rows})
    await s.call("get_batch", {"id": batch["batch"]["id"]})
    await s.call("list_batches", {}, page="batches")


async def _usage_and_updates(s: Sweep) -> None:
    await s.call("check_api", {})
    await s.call("count_generations", {})
    await s.call("count_assets", {})
    await s.call("get_usage", {}, page="items")
    await s.call("update_asset", {"id": s.state["asset"], "name": "size check, renamed"})
    await s.call("update_project", {"id": s.state["project"], "description": "size check"})
    job = await s.call("create_speech_job", {"voiceId": s.state["voice"], "script": "Hello."})
    await s.call("get_speech_job", {"id": job["id"]})


async def _dialogue(s: Sweep) -> None:
    heard = await s.call("transcribe", {"video": VIDEO, "words": True})
    new_text = heard["text"].replace("Tuesday", "Wednesday")
    await s.call("edit_dialogue", {"video": VIDEO, "transcription_id": heard["id"], "new_text": new_text})


async def _deletions(s: Sweep) -> None:
    await s.call("delete_generation", {"id": s.state["generation"]})
    await s.call("delete_asset", {"id": s.state["registered"]})
    await s.call("delete_project", {"id": s.state["project"]})


def _video() -> dict[str, str]:
    return {"type": "video", "url": VIDEO}


def _audio() -> dict[str, str]:
    return {"type": "audio", "url": AUDIO}


STEPS: list[Call] = [
    _catalogs,
    _errors,
    _projects_and_assets,
    _generations,
    _lipsync,
    _voices_and_speech,
    _batches,
    _usage_and_updates,
    _dialogue,
]


async def test_every_result_stays_lean(api: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.config, "dialogue_edit_enabled", True)
    (tmp_path / "line.wav").write_bytes(b"RIFF" + os.urandom(4000))
    (tmp_path / "face.mp4").write_bytes(os.urandom(4000))
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path), SYNC_MCP_OUTPUT_DIR=str(tmp_path / "out"))
    async with Client(build_server(settings)) as client:  # type: ignore[arg-type]
        listed = {tool.name for tool in (await client.list_tools()).tools}
        sweep = Sweep(client, tmp_path)
        for step in [*STEPS, _deletions]:
            await step(sweep)
    missed = sorted(listed - set(sweep.sizes))
    assert not missed, f"add a call of {missed} to tests/tools/test_result_size.py"
