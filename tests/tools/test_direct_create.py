"""Small local files sent with the create (multipart `POST /v2/generate`, reference §3.2) by `lipsync`: retried
safely with the same Idempotency-Key and files, and the upload path kept where an estimate must come first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.asset_store import asset_store
from sync_mcp.server import build_server

from ..conftest import data, make_settings, sent

pytestmark = pytest.mark.anyio

AUDIO_URL = "https://media.example.com/direct/line.wav"


def creates(api: SandboxServer) -> list:
    return [r for r in sent(api, "/v2/generate") if r.method == "POST" and r.path == "/v2/generate"]


async def test_a_lost_answer_is_retried_with_the_same_key_and_files(api: SandboxServer, tmp_path: Path) -> None:
    (tmp_path / "face.mp4").write_bytes(os.urandom(50_000))
    api.state.script_fault(status=503, method="POST", path="/v2/generate", after_handling=True)
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path), SYNC_MCP_RETRY_BASE_DELAY="0.01")
    async with Client(build_server(settings)) as client:
        out = data(await client.call_tool("lipsync", {"video": "face.mp4", "audio": AUDIO_URL, "wait": False}))
    first, second = creates(api)
    assert first.idempotency_key == second.idempotency_key == out["idempotencyKey"]
    assert api.state.generation_count() == 1, "the retry replayed the first create"
    (upload,) = out["uploads"]
    assets = asset_store(api.state).live()
    assert [a.asset.id for a in assets] == [upload["assetId"]], "the files of the replay were not kept"
    assert assets[0].asset.size == 50_000


async def test_with_a_spend_check_the_files_are_uploaded_first(api: SandboxServer, tmp_path: Path) -> None:
    """The estimate prices inputs by URL or asset, so a spend cap needs the files uploaded before it."""
    (tmp_path / "face.mp4").write_bytes(os.urandom(5_000))
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path), SYNC_MCP_MAX_COST_USD="100")
    async with Client(build_server(settings)) as client:
        out = data(await client.call_tool("lipsync", {"video": "face.mp4", "audio": AUDIO_URL, "wait": False}))
    (create,) = creates(api)
    assert create.body["input"][0] == {"type": "video", "assetId": out["uploads"][0]["assetId"]}
    assert "/v2/assets/upload" in [r.path for r in sent(api)]
    [estimate] = [r for r in sent(api) if r.path == "/v2/analyze/cost"]
    assert estimate.body["input"][0] == create.body["input"][0], "priced with the uploaded asset"
