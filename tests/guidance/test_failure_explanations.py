"""Failed generations explained through a real MCP client: the live catalog's fix for a code only the live
catalog has, and the honest fallback for a code no catalog has (said plainly, the API's words quoted, the
nearest entries offered). list_error_codes answers an unknown code the same way."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from mcp import Client

from sync_mcp.api.catalog import load_bundled_catalog
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.errors import LIVE_ONLY
from sync_mcp.server import build_server

from ..conftest import AUDIO, VIDEO, data, make_settings

pytestmark = pytest.mark.anyio

BUNDLED = {e.code for e in load_bundled_catalog()}
LIVE = {e.code: e for e in LIVE_ONLY}
NO_SPEECH = LIVE["generation_audio_no_speech"]
UNKNOWN = "generation_audio_sample_rate_unsupported"
API_WORDS = "Audio sample rate 8000 Hz is below the 16000 Hz minimum."
AUDIO_NEIGHBOURS = ["generation_audio_length_exceeded", "generation_audio_missing"]
"""The catalog's generation_audio_* entries: nearest to UNKNOWN."""


def failing(code: str, error: str | None = None) -> str:
    extra = f"&sandbox_error={quote(error)}" if error else ""
    return f"{AUDIO}?sandbox_fail={code}{extra}"


def test_the_sandbox_has_codes_only_its_live_catalog_knows() -> None:
    assert LIVE and not set(LIVE) & BUNDLED, "live-only codes must be missing from the bundled snapshot"


async def test_a_code_only_the_live_catalog_has_gets_its_fix_from_lipsync(client: Client, api: SandboxServer) -> None:
    out = data(await client.call_tool("lipsync", {"video": VIDEO, "audio": failing(NO_SPEECH.code)}))
    assert out["status"] == "FAILED" and out["errorCode"] == NO_SPEECH.code
    assert out["fix"] == NO_SPEECH.fix, "the live catalog is consulted for a fresh server's first failed job"
    assert out["explanation"] == NO_SPEECH.message
    assert "closestErrors" not in out
    assert "lipsync" in out["nextStep"] and "create_generation" not in out["nextStep"]
    assert [r.path for r in api.state.requests].count("/v2/errors") == 1


async def test_the_live_fix_reaches_get_generation_and_names_create_generation(client: Client) -> None:
    body = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}]}
    body["input"][1]["url"] = failing(NO_SPEECH.code)
    created = data(await client.call_tool("create_generation", body))
    out = data(await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15}))
    assert out["status"] == "FAILED"
    assert out["fix"] == NO_SPEECH.fix
    assert "create_generation" in out["nextStep"] and "lipsync" not in out["nextStep"]


async def test_a_code_no_catalog_has_is_said_plainly(client: Client, api: SandboxServer) -> None:
    out = data(await client.call_tool("lipsync", {"video": VIDEO, "audio": failing(UNKNOWN, API_WORDS)}))
    assert out["status"] == "FAILED" and out["errorCode"] == UNKNOWN
    explanation = out["explanation"]
    assert f'no entry for errorCode "{UNKNOWN}"' in explanation
    assert "neither the live catalog nor the bundled snapshot" in explanation
    assert f'Sync API replied: "{API_WORDS}"' in explanation, "the API's own words, quoted as data"
    closest = out["closestErrors"]
    assert [e["code"] for e in closest[:2]] == AUDIO_NEIGHBOURS
    assert all("audio" in e["code"] for e in closest)
    assert all(e["fix"] and e["message"] for e in closest)
    assert "No catalog fix is known" in out["fix"] and "closestErrors" in out["fix"]
    assert "lipsync" in out["fix"] and "HTTP" not in out["fix"]
    assert out["retryable"] is False


async def test_an_error_text_that_only_repeats_the_code_is_called_so(client: Client, api: SandboxServer) -> None:
    api.state.script_generation_failure("generation_video_codec_exotic", error="generation_video_codec_exotic")
    out = data(await client.call_tool("lipsync", {"video": VIDEO, "audio": AUDIO}))
    assert out["status"] == "FAILED"
    assert "only repeats the code" in out["explanation"]
    codes = [e["code"] for e in out["closestErrors"]]
    assert all("video" in c for c in codes)
    assert codes[:2] == ["generation_video_missing", "generation_video_no_face"], "live-only entries are offered too"


async def test_without_the_live_catalog_the_snapshot_answers_and_says_so(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=500, method="GET", path="/v2/errors", times=5)
    async with Client(build_server(make_settings(api, SYNC_MCP_MAX_RETRIES="0")), mode=mode) as c:
        out = data(await c.call_tool("lipsync", {"video": VIDEO, "audio": failing(NO_SPEECH.code)}))
    assert out["errorCode"] == NO_SPEECH.code
    assert "live catalog could not be reached" in out["explanation"]
    assert out["closestErrors"], "the snapshot's nearest entries are still offered"


async def test_list_error_codes_answers_an_unknown_code_the_same_way(client: Client) -> None:
    known = data(await client.call_tool("list_error_codes", {"code": NO_SPEECH.code}))
    assert known["source"] == "live" and known["count"] == 1
    assert known["entries"][0]["fix"] == NO_SPEECH.fix

    unknown = data(await client.call_tool("list_error_codes", {"code": UNKNOWN}))
    assert unknown["count"] == 0 and unknown["entries"] == []
    assert f'no entry for errorCode "{UNKNOWN}"' in unknown["hint"]
    assert "HTTP" not in unknown["hint"] and "status" not in unknown["hint"], "no HTTP-status hint for a job code"
    assert [e["code"] for e in unknown["closest"][:2]] == AUDIO_NEIGHBOURS

    nothing = data(await client.call_tool("list_error_codes", {"search": "zebra crossing"}))
    assert nothing["count"] == 0 and "closest" not in nothing and "HTTP" not in nothing["hint"]
