"""The lipsync convenience tool through a real MCP client, against the sandbox over HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult

from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.asset_store import asset_store
from sync_mcp.sandbox.routes.files import script_output_drop
from sync_mcp.server import build_server

from ..conftest import CATALOG, configured, data, make_settings, sent

pytestmark = pytest.mark.anyio

VIDEO_URL = "https://media.example.com/in/speaker.mp4"
AUDIO_URL = "https://media.example.com/in/line.wav"


def creates(api: SandboxServer) -> list[Any]:
    return [r for r in sent(api, "/v2/generate") if r.method == "POST" and r.path == "/v2/generate"]


def received(api: SandboxServer, generation_id: str) -> dict[str, Any]:
    """The create body as the API accepted it (a multipart create's files named by the assets made of them)."""
    record = api.state.get(generation_id)
    assert record is not None
    return record.body


def sent_with_the_create(api: SandboxServer) -> None:
    """Small local files went with one multipart create: no upload round trip, no JSON body."""
    (create,) = creates(api)
    assert create.body is None, "a multipart body is not JSON"
    assert not [r for r in sent(api) if r.path.startswith("/v2/assets")], "nothing was uploaded beforehand"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    (media / "face.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    (media / "line.wav").write_bytes(b"RIFF" + os.urandom(3 * 1024 * 1024))
    (media / "speaker.mp4").write_bytes(os.urandom(4000))
    return media


async def connect(
    api: SandboxServer, mode: str, folder: Path, approve: bool | None = None, **env: str
) -> AsyncIterator[Client]:
    """A client of a server reading `folder`; with `approve`, it answers spend questions that way."""
    settings = make_settings(
        api, SYNC_MCP_ALLOWED_DIRS=str(folder), SYNC_MCP_OUTPUT_DIR=str(folder.parent / "out"), **env
    )
    extra: dict[str, Any] = {}
    if approve is not None:

        async def on_elicit(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
            QUESTIONS.append(params.message)
            return ElicitResult(action="accept", content={"approve": approve})

        extra["elicitation_callback"] = on_elicit
    async with Client(build_server(settings), mode=mode, **extra) as c:  # type: ignore[arg-type]
        yield c


QUESTIONS: list[str] = []


@pytest.fixture
async def lip(api: SandboxServer, mode: str, folder: Path) -> AsyncIterator[Client]:
    async for c in connect(api, mode, folder):
        yield c


async def test_a_photo_speaks_a_script_on_sync_3(lip: Client, api: SandboxServer, folder: Path) -> None:
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    arguments = {"image": "face.png", "script": "Hello from a photo.", "voice_id": "voice-1", "stability": 0.3}
    with anyio.fail_after(30):
        result = await lip.call_tool("lipsync", arguments, progress_callback=on_progress)
    out = data(result)
    assert not result.is_error, out
    assert out["status"] == "COMPLETED"
    assert out["model"] == "sync-3", "images default to sync-3"
    assert out["outputUrl"]
    assert out["waitTimedOut"] is False
    (upload,) = out["uploads"]
    assert upload["argument"] == "image" and upload["reused"] is False
    assert upload["bytesSent"] == (folder / "face.png").stat().st_size
    sent_with_the_create(api)
    assert sorted(received(api, out["id"])["input"], key=lambda i: i["type"]) == [
        {"type": "image", "assetId": upload["assetId"]},
        {
            "type": "text",
            "provider": {"name": "elevenlabs", "voiceId": "voice-1", "script": "Hello from a photo.", "stability": 0.3},
        },
    ]
    (create,) = creates(api)
    assert create.idempotency_key == out["idempotencyKey"]
    asset = asset_store(api.state).get(upload["assetId"])
    assert asset is not None and asset.asset.type == "IMAGE" and asset.asset.size == upload["bytesSent"]
    values = [v for v, _ in progress]
    assert values == sorted(set(values)), "progress strictly increases across upload and wait"
    assert any(m and "face.png" in m for _, m in progress)
    assert progress[-1][1] is not None and "COMPLETED" in progress[-1][1]


async def test_a_video_url_with_a_local_audio_file(lip: Client, api: SandboxServer, folder: Path) -> None:
    result = await lip.call_tool("lipsync", {"video": VIDEO_URL, "audio": str(folder / "line.wav")})
    out = data(result)
    assert not result.is_error, out
    assert out["status"] == "COMPLETED"
    assert out["model"] == "lipsync-2", "videos default to lipsync-2"
    (upload,) = out["uploads"]
    assert upload["argument"] == "audio"
    assert upload["bytesSent"] == (folder / "line.wav").stat().st_size
    sent_with_the_create(api)
    assert received(api, out["id"])["input"] == [
        {"type": "video", "url": VIDEO_URL},
        {"type": "audio", "assetId": upload["assetId"]},
    ]
    assert asset_store(api.state).get(upload["assetId"]) is not None


async def test_a_file_over_20_mb_is_uploaded_once_then_reused(lip: Client, api: SandboxServer, folder: Path) -> None:
    big = folder / "long.wav"
    big.write_bytes(b"RIFF" + os.urandom(20_000_000))
    out = data(await lip.call_tool("lipsync", {"video": VIDEO_URL, "audio": str(big)}))
    assert out["status"] == "COMPLETED"
    (upload,) = out["uploads"]
    assert upload["reused"] is False and upload["bytesSent"] == big.stat().st_size
    (create,) = creates(api)
    assert create.body["input"] == [
        {"type": "video", "url": VIDEO_URL},
        {"type": "audio", "assetId": upload["assetId"]},
    ]
    assert [r.path for r in sent(api, "/v2/assets")] == ["/v2/assets/uploaded", "/v2/assets/upload", "/v2/assets"]

    api.state.requests.clear()
    again = data(await lip.call_tool("lipsync", {"video": VIDEO_URL, "audio": "long.wav"}))
    assert again["uploads"][0] == {**upload, "reused": True, "bytesSent": 0}, "the same file is not uploaded twice"
    assert not [r for r in sent(api) if r.path == "/v2/assets/upload"]


async def test_one_large_file_sends_every_local_file_the_upload_way(
    lip: Client, api: SandboxServer, folder: Path
) -> None:
    big = folder / "long.wav"
    big.write_bytes(b"RIFF" + os.urandom(20_000_000))
    out = data(await lip.call_tool("lipsync", {"video": "speaker.mp4", "audio": "long.wav", "wait": False}))
    assert {u["argument"] for u in out["uploads"]} == {"video", "audio"}
    (create,) = creates(api)
    assert [i["assetId"] for i in create.body["input"]] == [u["assetId"] for u in out["uploads"]]


async def test_local_video_and_options(lip: Client, api: SandboxServer, folder: Path) -> None:
    arguments = {
        "video": "speaker.mp4",
        "audio": AUDIO_URL,
        "model": "lipsync-2-pro",
        "options": {"sync_mode": "cut_off", "temperature": 0.7},
        "wait": False,
    }
    out = data(await lip.call_tool("lipsync", arguments))
    assert out["status"] == "PENDING"
    assert "get_generation" in out["nextStep"] and out["id"] in out["nextStep"]
    assert "waitTimedOut" not in out
    sent_with_the_create(api)
    body = received(api, out["id"])
    assert body["model"] == "lipsync-2-pro"
    assert body["options"] == {"sync_mode": "cut_off", "temperature": 0.7}
    assert body["input"] == [
        {"type": "audio", "url": AUDIO_URL},
        {"type": "video", "assetId": out["uploads"][0]["assetId"]},
    ]


async def test_a_timeout_returns_the_id_and_the_next_call(lip: Client, api: SandboxServer) -> None:
    with configured(api, processing_seconds=60.0):
        result = await lip.call_tool("lipsync", {"video": VIDEO_URL, "audio": AUDIO_URL, "timeout": 1})
    out = data(result)
    assert not result.is_error
    assert out["waitTimedOut"] is True
    assert out["status"] in ("PENDING", "PROCESSING")
    assert uuid.UUID(out["id"])
    assert f"get_generation with id={out['id']}" in out["nextStep"]
    assert api.state.get(out["id"]) is not None, "the job keeps running"


async def test_a_failing_poll_does_not_lose_the_id(api: SandboxServer, mode: str, folder: Path) -> None:
    async for c in connect(api, mode, folder, SYNC_MCP_MAX_RETRIES="0"):
        api.state.script_fault(status=503, method="GET", path="/v2/generate/", times=5)
        result = await c.call_tool("lipsync", {"video": VIDEO_URL, "audio": AUDIO_URL})
        out = data(result)
        assert not result.is_error
        assert uuid.UUID(out["id"])
        assert out["waitTimedOut"] is True
        assert any("Waiting stopped" in w for w in out["warnings"])
        assert f"id={out['id']}" in out["nextStep"]



async def test_a_failed_download_is_a_warning_and_the_video_stands(
    lip: Client, api: SandboxServer, folder: Path, output_size: Callable[[int], None]
) -> None:
    output_size(3 * 1024 * 1024)
    script_output_drop(api.state, 1024 * 1024 + 10)  # the storage breaks off the transfer after a MiB
    result = await lip.call_tool("lipsync", {"video": VIDEO_URL, "audio": AUDIO_URL, "download": True})
    out = data(result)
    assert not result.is_error
    assert out["status"] == "COMPLETED" and out["outputUrl"]
    assert "savedPath" not in out
    warning = next(w for w in out["warnings"] if w.startswith("Not downloaded:"))
    assert "No partial file was kept." in warning and "download_output again" in warning
    assert list((folder.parent / "out").glob("*")) == [], "neither the file nor its temp file"

async def test_a_failed_generation_carries_the_catalog_fix(lip: Client, api: SandboxServer) -> None:
    audio = AUDIO_URL + "?sandbox_fail=generation_input_audio_invalid"
    out = data(await lip.call_tool("lipsync", {"video": VIDEO_URL, "audio": audio}))
    assert out["status"] == "FAILED"
    assert out["errorCode"] == "generation_input_audio_invalid"
    assert out["fix"] == CATALOG["generation_input_audio_invalid"].fix


async def test_the_idempotency_key_makes_a_repeat_safe(lip: Client, api: SandboxServer) -> None:
    arguments = {"video": VIDEO_URL, "audio": "line.wav", "wait": False, "idempotencyKey": "take-7"}
    first = data(await lip.call_tool("lipsync", arguments))
    second = data(await lip.call_tool("lipsync", arguments))
    assert first["id"] == second["id"]
    assert [r.idempotency_key for r in creates(api)] == ["take-7", "take-7"]
    assert api.state.generation_count() == 1


async def test_download_saves_the_video(lip: Client, api: SandboxServer, folder: Path) -> None:
    out = data(await lip.call_tool("lipsync", {"video": VIDEO_URL, "audio": AUDIO_URL, "download": True}))
    assert out["status"] == "COMPLETED"
    saved = Path(out["savedPath"])
    assert saved.parent == (folder.parent / "out").resolve()
    assert saved.name == f"{out['id']}.mp4"
    assert (await anyio.Path(saved).read_bytes())[4:8] == b"ftyp"
    assert str(saved) in out["nextStep"]


async def test_the_spend_cap_refuses_before_creating(api: SandboxServer, mode: str, folder: Path) -> None:
    async for c in connect(api, mode, folder, SYNC_MCP_MAX_COST_USD="0.0001"):
        result = await c.call_tool("lipsync", {"video": VIDEO_URL, "audio": AUDIO_URL})
        err = data(result)
        assert result.is_error
        assert err["errorCode"] == "spend_cap_exceeded"
        assert api.state.generation_count() == 0
        assert creates(api) == []


@pytest.mark.parametrize("approve", [True, False])
async def test_the_user_confirms_the_cost_of_a_local_file_lipsync(
    api: SandboxServer, mode: str, folder: Path, approve: bool
) -> None:
    QUESTIONS.clear()
    async for c in connect(api, mode, folder, approve=approve, SYNC_MCP_CONFIRM_ABOVE_USD="0.01"):
        result = await c.call_tool("lipsync", {"video": VIDEO_URL, "audio": "line.wav", "wait": False})
        out = data(result)
        assert len(QUESTIONS) == 1, "asked once, about the real body (local file uploaded first)"
        assert "lipsync-2" in QUESTIONS[0] and "$" in QUESTIONS[0]
        (estimate,) = {str(r.body) for r in sent(api, "/v2/analyze/cost")}
        assert "assetId" in estimate and "00000000-0000" not in estimate, "priced with the uploaded asset's id"
        if approve:
            assert not result.is_error, out
            assert out["estimatedCostUsd"] > 0.01
            assert len(creates(api)) == 1
        else:
            assert result.is_error
            assert out["errorCode"] == "spend_declined"
            assert creates(api) == []


async def test_an_unknown_asset_id_is_the_api_error(lip: Client, api: SandboxServer) -> None:
    result = await lip.call_tool("lipsync", {"video": str(uuid.uuid4()), "audio": AUDIO_URL})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "asset_not_found"
    assert err["httpStatus"] == 404
    assert api.state.generation_count() == 0


BAD = "generation_input_validation_failed"
INVALID: list[tuple[dict[str, Any], str, str]] = [
    # (arguments, errorCode, field)
    ({"video": VIDEO_URL, "image": "face.png", "audio": AUDIO_URL}, "generation_input_too_many_visual", "image"),
    ({"audio": AUDIO_URL}, BAD, "video"),
    ({"video": VIDEO_URL}, BAD, "audio"),
    ({"video": VIDEO_URL, "audio": AUDIO_URL, "script": "Hi", "voice_id": "v"}, BAD, "audio"),
    ({"video": VIDEO_URL, "script": "Hi"}, BAD, "voice_id"),
    ({"video": VIDEO_URL, "audio": "line.wav", "voice_id": "v"}, BAD, "script"),
    ({"video": VIDEO_URL, "audio": "line.wav", "stability": 0.5}, BAD, "stability"),
    ({"image": "face.png", "audio": "line.wav", "model": "lipsync-2"}, "generation_unsupported_model", "model"),
    ({"video": VIDEO_URL, "audio": "line.wav", "wait": False, "download": True}, BAD, "download"),
    ({"video": VIDEO_URL, "audio": "face.png"}, "generation_input_asset_type_mismatch", "audio"),
    ({"video": "ftp://media.example.com/a.mp4", "audio": "line.wav"}, BAD, "video"),
    ({"video": VIDEO_URL, "audio": "../outside.wav"}, "path_not_allowed", "audio"),
    ({"video": VIDEO_URL, "audio": "missing.wav"}, "file_not_found", "audio"),
]  # fmt: skip


async def refusals(lip: Client, cases: list[tuple[dict[str, Any], str, str]]) -> list[dict[str, Any]]:
    """Each case called in one session (a separate call each): refused with its code, field and a fix."""
    errors = []
    for arguments, code, field in cases:
        result = await lip.call_tool("lipsync", arguments)
        err = data(result)
        assert result.is_error, arguments
        assert (err["errorCode"], err.get("field")) == (code, field), (arguments, err)
        assert err["fix"], arguments
        errors.append(err)
    return errors


async def test_invalid_combinations_are_refused_before_any_request(lip: Client, api: SandboxServer) -> None:
    for err in await refusals(lip, INVALID):
        assert err["httpStatus"] is None, err
    assert sent(api) == [], "nothing was sent: no upload, no create"
    assert asset_store(api.state).receipts == []


async def test_schema_violations_are_refused_before_any_request(lip: Client, api: SandboxServer) -> None:
    for arguments in ({"video": VIDEO_URL, "audio": AUDIO_URL, "timeout": 0}, {"image": 5}):
        result = await lip.call_tool("lipsync", arguments)
        assert result.is_error, arguments
    assert sent(api) == []


# ----------------------------------------------------------------------------------------------- everyday cases


async def test_dubbing_takes_a_face_video_alone(lip: Client, api: SandboxServer) -> None:
    out = data(await lip.call_tool("lipsync", {"video": VIDEO_URL, "target_language": "es"}))
    assert out["status"] == "COMPLETED", out
    assert out["asked"] == ["dubbed to: es (spoken language: auto-detected)"]
    (create,) = creates(api)
    assert create.body == {
        "model": "lipsync-2",
        "input": [{"type": "video", "url": VIDEO_URL}],
        "dubParams": {"targetLang": "es"},
    }

    await lip.call_tool("lipsync", {"video": VIDEO_URL, "target_language": "de", "source_language": "en"})
    assert creates(api)[-1].body["dubParams"] == {"targetLang": "de", "sourceLang": "en"}


async def test_two_speakers_from_a_simple_segments_list(lip: Client, api: SandboxServer, folder: Path) -> None:
    segments = [
        {"audio": "line.wav", "start": 0, "end": 4.5},
        {"script": "And now my turn.", "voice_id": "voice-2", "start": 4.5, "end": 9},
        {"audio": "line.wav", "start": 9, "end": 12},
    ]
    out = data(await lip.call_tool("lipsync", {"video": VIDEO_URL, "segments": segments, "stability": 0.4}))
    assert out["status"] == "COMPLETED", out
    assert out["asked"] == [
        "speaker 1 (audio line.wav): 0-4.5 s, 9-12 s",
        "speaker 2 (script (16 characters) in voice voice-2): 4.5-9 s",
    ]
    (upload,) = out["uploads"]
    assert upload["argument"] == "segments[0].audio", "the same file is one speaker, uploaded once"
    (create,) = creates(api)
    assert create.body["input"] == [
        {"type": "video", "url": VIDEO_URL},
        {"type": "audio", "assetId": upload["assetId"], "refId": "speaker1"},
        {
            "type": "text",
            "provider": {"name": "elevenlabs", "voiceId": "voice-2", "script": "And now my turn.", "stability": 0.4},
            "refId": "speaker2",
        },
    ]
    assert create.body["segments"] == [
        {"startTime": 0, "endTime": 4.5, "audioInput": {"refId": "speaker1"}},
        {"startTime": 4.5, "endTime": 9, "audioInput": {"refId": "speaker2"}},
        {"startTime": 9, "endTime": 12, "audioInput": {"refId": "speaker1"}},
    ]


async def test_output_name_names_the_result_and_the_saved_file(lip: Client, api: SandboxServer, folder: Path) -> None:
    arguments = {"video": VIDEO_URL, "target_language": "fr", "output_name": "intro_fr", "download": True}
    out = data(await lip.call_tool("lipsync", arguments))
    assert out["status"] == "COMPLETED", out
    assert out["outputFileName"] == "intro_fr"
    assert Path(out["savedPath"]).name == "intro_fr.mp4"
    assert out["asked"] == ["dubbed to: fr (spoken language: auto-detected)", "output name: intro_fr.mp4"]
    (create,) = creates(api)
    assert create.body["outputFileName"] == "intro_fr"


SEGMENTS_INVALID = OVERLAP = "generation_input_segments_invalid"


def seg(start: float, end: float, **driver: str) -> dict[str, Any]:
    return {**driver, "start": start, "end": end}


EVERYDAY_INVALID: list[tuple[dict[str, Any], str, str]] = [
    # (arguments, errorCode, field)
    ({"video": VIDEO_URL, "target_language": "xx"}, BAD, "target_language"),
    ({"video": VIDEO_URL, "target_language": "es", "source_language": "zz"}, BAD, "source_language"),
    ({"video": VIDEO_URL, "target_language": "es", "audio": AUDIO_URL}, "generation_input_dub_audio_conflict", "audio"),
    ({"image": "face.png", "target_language": "es"}, BAD, "target_language"),
    ({"video": VIDEO_URL, "audio": AUDIO_URL, "source_language": "en"}, BAD, "source_language"),
    ({"video": VIDEO_URL, "audio": AUDIO_URL, "output_name": "intro.mp4"}, BAD, "output_name"),
    ({"video": VIDEO_URL, "segments": [seg(0, 2, audio=AUDIO_URL)], "audio": AUDIO_URL}, BAD, "audio"),
    ({"video": VIDEO_URL, "segments": [seg(0, 2, script="Hi")]}, BAD, "segments[0].voice_id"),
    ({"video": VIDEO_URL, "segments": [seg(0, 2)]}, BAD, "segments[0].audio"),
    ({"video": VIDEO_URL, "segments": [seg(3, 2, audio=AUDIO_URL)]}, SEGMENTS_INVALID, "segments[].end"),
    ({"video": VIDEO_URL, "segments": [seg(0, 5, audio="line.wav"), seg(4, 8, audio=AUDIO_URL)]}, OVERLAP, "segments"),
    ({"image": "face.png", "segments": [seg(0, 2, audio=AUDIO_URL)]}, BAD, "segments"),
    ({"video": VIDEO_URL, "segments": [seg(0, 2, audio="missing.wav")]}, "file_not_found", "segments[0].audio"),
]  # fmt: skip


async def test_everyday_cases_are_validated_like_create_generation(lip: Client, api: SandboxServer) -> None:
    await refusals(lip, EVERYDAY_INVALID)
    assert sent(api) == [], "nothing was sent: no upload, no create"
