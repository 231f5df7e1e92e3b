"""The dialogue workflow through a real MCP client against the sandbox: transcripts and subtitles, and changing
what a video says (preview first, the billed video only after the user's go-ahead)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import srt
import webvtt
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import TEST_KEY, VIDEO, data, error, make_settings, sent

pytestmark = pytest.mark.anyio


async def test_transcribe_returns_words_with_ids_times_and_the_speaker(client: Client, api: SandboxServer) -> None:
    lean = data(await client.call_tool("transcribe", {"video": VIDEO}))
    assert all("words" not in s and s["endMs"] > s["startMs"] for s in lean["segments"])
    result = data(await client.call_tool("transcribe", {"transcription_id": lean["id"], "words": True}))
    assert result["status"] == "COMPLETED"
    assert "meeting is on Tuesday at ten" in result["text"]
    assert " ".join(s["text"] for s in result["segments"]) == result["text"]
    words = [w for s in result["segments"] for w in s["words"]]
    assert all(w["id"] and w["endMs"] > w["startMs"] for w in words)
    assert result["speakerCount"] == 1 and result["speakers"] == ["speaker_0"]
    assert [r.body for r in sent(api, "/v2/transcriptions") if r.method == "POST"] == [{"sourceVideoUrl": VIDEO}]


async def test_a_transcript_never_runs_past_the_end_of_its_video(client: Client) -> None:
    short = f"{VIDEO}?sandbox_seconds=4"
    result = data(await client.call_tool("transcribe", {"video": short, "words": True}))
    words = [w for s in result["segments"] for w in s["words"]]
    assert words and words[-1]["endMs"] <= 4000
    assert all(a["endMs"] <= b["startMs"] for a, b in itertools.pairwise(words)), "the words keep their order"
    dub = data(await client.call_tool("lipsync", {"video": short, "target_language": "es"}))
    assert dub["outputDuration"] == pytest.approx(4.0), "the dub lasts as long as the video the transcript is of"


async def test_a_wait_that_runs_out_returns_the_id_and_the_same_tool_continues(
    client: Client, api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "processing_seconds", 3.0)
    first = data(await client.call_tool("transcribe", {"video": VIDEO, "timeout": 1}))
    assert first["status"] in ("PENDING", "PROCESSING") and f"transcription_id={first['id']}" in first["nextStep"]
    monkeypatch.setattr(api.config, "processing_seconds", 0.0)
    again = data(await client.call_tool("transcribe", {"transcription_id": first["id"]}))
    assert again["id"] == first["id"] and again["status"] == "COMPLETED"
    assert len([r for r in sent(api, "/v2/transcriptions") if r.method == "POST"]) == 1


@pytest.mark.parametrize("form", ["srt", "vtt"])
async def test_subtitles_parse_with_a_standard_parser_and_never_overlap(
    api: SandboxServer, tmp_path: Path, form: str
) -> None:
    settings = make_settings(api, SYNC_MCP_OUTPUT_DIR=str(tmp_path))
    async with Client(build_server(settings)) as c:
        result = data(await c.call_tool("transcribe", {"video": VIDEO, "format": form}))
    text = await anyio.Path(result["subtitlePath"]).read_text(encoding="utf-8")
    if form == "srt":
        cues = [(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in srt.parse(text)]
    else:
        cues = [(c.start_in_seconds, c.end_in_seconds, c.text) for c in webvtt.from_string(text)]
    assert len(cues) >= 2
    assert " ".join(t.replace("\n", " ") for _, _, t in cues) == result["text"]
    assert all(start < end for start, end, _ in cues)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(cues))
    assert all(len(line) <= 42 for _, _, t in cues for line in t.split("\n"))


async def test_transcribe_wants_exactly_one_source(client: Client, api: SandboxServer) -> None:
    refused = error(await client.call_tool("transcribe", {"video": VIDEO, "audio": VIDEO}))
    assert refused["errorCode"] == "generation_input_validation_failed"
    assert sent(api) == []


async def test_a_local_file_is_uploaded_and_transcribed_from_its_hosted_url(api: SandboxServer, tmp_path: Path) -> None:
    clip = tmp_path / "talk.mp4"
    await anyio.Path(clip).write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4000))
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path), SYNC_MCP_OUTPUT_DIR=str(tmp_path / "out"))
    async with Client(build_server(settings)) as c:
        result = data(await c.call_tool("transcribe", {"video": str(clip)}))
    assert result["status"] == "COMPLETED"
    (started,) = [r for r in sent(api, "/v2/transcriptions") if r.method == "POST"]
    assert started.body["sourceVideoUrl"].startswith(api.base_url)
    assert any(r.path == "/v2/assets" and r.method == "POST" for r in sent(api, "/v2/assets"))


def test_the_sandbox_emulates_both_jobs_as_the_docs_describe(api: SandboxServer) -> None:
    api.config.dialogue_edit_enabled = True
    try:
        headers = {"x-api-key": TEST_KEY}
        base = api.base_url
        started = httpx.post(f"{base}/v2/transcriptions", json={"sourceVideoUrl": VIDEO}, headers=headers)
        assert started.status_code == 201 and started.json()["status"] == "PENDING"
        assert started.json()["transcript"] is None
        job = _until(lambda: httpx.get(f"{base}/v2/transcriptions/{started.json()['id']}", headers=headers).json())
        words = [w for s in job["transcript"]["segments"] for w in s["words"]]
        edit = {"kind": "change", "wordId": words[0]["id"], "replacement": "Hello"}
        body = {"sourceVideoUrl": VIDEO, "transcript": job["transcript"], "edits": [edit]}
        window = httpx.post(f"{base}/v2/dialogue-edits", json={**body, "startMs": 0}, headers=headers)
        assert (window.status_code, window.json()["errorCode"]) == (422, "dialogue_edit_unsupported")
        made = httpx.post(f"{base}/v2/dialogue-edits", json=body, headers=headers)
        assert made.status_code == 201 and made.json()["previewAudioUrl"] is None
        done = _until(lambda: httpx.get(f"{base}/v2/dialogue-edits/{made.json()['id']}", headers=headers).json())
        assert done["status"] == "COMPLETED" and done["resultTranscript"]["segments"][0]["words"][0]["text"] == "Hello"
        audio = httpx.get(done["previewAudioUrl"])
        assert audio.status_code == 200 and audio.content.startswith(b"RIFF")
        missing = httpx.get(f"{base}/v2/dialogue-edits/no-such-job", headers=headers)
        assert missing.status_code == 404
    finally:
        api.config.dialogue_edit_enabled = False


def _until(read: Any) -> dict[str, Any]:
    """Poll a sandbox job (its timings are the session's: under a second) until it is terminal."""
    for _ in range(100):
        job = read()
        if job["status"] not in ("PENDING", "PROCESSING"):
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"still {job['status']}")


async def test_the_wait_reports_progress(client: Client, api: SandboxServer) -> None:
    messages: list[str] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    result = data(await client.call_tool("transcribe", {"video": VIDEO}, progress_callback=progress))
    assert messages and messages[-1] == f"transcription {result['id']}: completed"
