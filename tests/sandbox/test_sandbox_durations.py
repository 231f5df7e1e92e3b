"""The sandbox's outputs follow their inputs: an output lasts as long as the uploaded audio says (its WAV header),
the script takes to speak, the segments' timeline runs, or the dubbed video lasts; a URL it cannot read lasts
what it states (`sandbox_seconds`) or a length of its own. Durations, recorded costs and usage follow."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.audio import silent_wav, speech_seconds
from sync_mcp.sandbox.durations import url_seconds
from sync_mcp.sandbox.routes.files import sample_video
from sync_mcp.server import build_server

from ..conftest import AUDIO, VIDEO, data, make_settings
from ..durations_support import lipsync2_price

pytestmark = pytest.mark.anyio

SCRIPT = "One two three four five six seven eight nine ten eleven twelve."
OTHER = "https://media.example.com/in/reply.wav"
CUT_OFF = (url_seconds(AUDIO), url_seconds(VIDEO))
"""cut_off ends the output with the shorter of audio and video."""


async def lipsync(client: Client, arguments: dict[str, Any]) -> dict[str, Any]:
    done = data(await client.call_tool("lipsync", arguments))
    assert done["status"] == "COMPLETED", done
    return done


async def charged(client: Client, generation_id: str) -> tuple[float, str]:
    costs = data(await client.call_tool("get_generation_cost", {"id": generation_id}))
    [lipsync_part] = [c for c in costs["components"] if c["type"] == "lipsync"]
    return lipsync_part["frameCount"], lipsync_part["costUsd"]


async def test_outputs_last_as_long_as_what_drives_them(api: SandboxServer, tmp_path: Path) -> None:
    (tmp_path / "line.wav").write_bytes(silent_wav(2.5))
    (tmp_path / "clip.mp4").write_bytes(sample_video())
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path), SYNC_MCP_OUTPUT_DIR=str(tmp_path / "out"))
    segments = [
        {"audio": AUDIO, "start": 0, "end": 10},
        {"audio": OTHER, "start": 12, "end": 25.5},
    ]
    cases: list[tuple[dict[str, Any], float]] = [
        ({"video": VIDEO, "audio": "line.wav"}, 2.5),  # an uploaded WAV: its header
        ({"video": VIDEO, "script": SCRIPT, "voice_id": "voice-1"}, speech_seconds(SCRIPT)),
        ({"video": VIDEO, "segments": segments}, 25.5),  # the timeline's end
        ({"video": "clip.mp4", "target_language": "es"}, 5.0),  # dubbing: the uploaded MP4's own length
        ({"video": VIDEO, "target_language": "es"}, url_seconds(VIDEO)),
        ({"video": VIDEO, "audio": f"{AUDIO}?sandbox_seconds=12.5"}, 12.5),  # a URL stating its length
        ({"video": VIDEO, "audio": AUDIO}, url_seconds(AUDIO)),
        ({"video": VIDEO, "audio": AUDIO, "options": {"sync_mode": "cut_off"}}, min(CUT_OFF)),
    ]  # fmt: skip
    assert len({seconds for _, seconds in cases}) >= 6, "the cases differ in length"
    async with Client(build_server(settings)) as client:
        for arguments, seconds in cases:
            done = await lipsync(client, arguments)
            assert done["outputDuration"] == pytest.approx(seconds), arguments
            frames, usd = lipsync2_price(seconds)
            assert await charged(client, done["id"]) == (frames, f"{usd:.4f}"), arguments
        usage = data(await client.call_tool("get_usage", {}))
    assert Decimal(usage["knownTotalUsd"]) == sum(Decimal(f"{lipsync2_price(s)[1]:.4f}") for _, s in cases)


def test_a_url_without_a_readable_length_has_one_of_its_own() -> None:
    lengths = {url_seconds(f"https://media.example.com/take-{n}.wav") for n in range(40)}
    assert all(3.0 <= s <= 30.0 for s in lengths) and len(lengths) > 10
    assert url_seconds(AUDIO) == url_seconds(AUDIO), "the same URL, the same length"
    assert url_seconds(f"{AUDIO}?sandbox_seconds=7") == 7.0


async def test_a_longer_output_takes_longer_and_its_progress_follows() -> None:
    """With processing time per second of output, a 20 s video is still processing, at a quarter, when a 2 s one
    (started at the same moment) is done: progress follows the output's length."""
    from sync_mcp.sandbox import SandboxConfig

    now = [1000.0]
    config = SandboxConfig(
        api_key="sk-sandbox-pace", pending_seconds=0.0, processing_seconds=0.0, processing_per_output_second=1.0
    )
    with SandboxServer(config) as api:
        api.state.clock = lambda: now[0]
        async with httpx.AsyncClient(base_url=api.base_url, headers={"x-api-key": config.api_key}) as http:
            made = {}
            for seconds in (2, 20):
                audio = {"type": "audio", "url": f"{AUDIO}?sandbox_seconds={seconds}"}
                body = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, audio]}
                reply = await http.post("/v2/generate", json=body)
                assert reply.status_code == 201, reply.text
                made[seconds] = reply.json()["id"]
            now[0] += 5.0
            short = (await http.get(f"/v2/generate/{made[2]}")).json()
            long = (await http.get(f"/v2/generate/{made[20]}", params={"include": "progress"})).json()
    assert short["status"] == "COMPLETED" and short["outputDuration"] == pytest.approx(2.0)
    assert long["status"] == "PROCESSING" and long["progress_percent"] == pytest.approx(25.0)
