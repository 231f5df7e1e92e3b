"""lipsync crops the driving audio in the same call (audio_start/audio_end), for one audio and per speaker in
`segments`: sent as the reference's segment audio crop (`segments[].audioInput.startTime/endTime`, §3.1.4)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer

from ..conftest import AUDIO, VIDEO, data, error, sent

pytestmark = pytest.mark.anyio

OTHER = "https://media.example.com/in/reply.wav"


def create_body(api: SandboxServer) -> dict[str, Any]:
    (create,) = [r for r in sent(api, "/v2/generate") if r.method == "POST" and r.path == "/v2/generate"]
    assert isinstance(create.body, dict)
    return create.body


async def test_seconds_5_to_15_of_one_audio_in_one_call(client: Client, api: SandboxServer) -> None:
    arguments = {"video": VIDEO, "audio": AUDIO, "audio_start": 5, "audio_end": 15}
    out = data(await client.call_tool("lipsync", arguments))
    assert out["status"] == "COMPLETED", out
    assert out["asked"] == ["lips synced to: audio line.wav, only its seconds 5-15, over 0-10 s of the video"]
    body = create_body(api)
    assert body["input"] == [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO, "refId": "speaker1"}]
    assert body["segments"] == [
        {"startTime": 0, "endTime": 10, "audioInput": {"refId": "speaker1", "startTime": 5, "endTime": 15}}
    ]


async def test_each_speaker_uses_its_own_part_of_the_audio(client: Client, api: SandboxServer) -> None:
    segments = [
        {"audio": AUDIO, "start": 0, "end": 3, "audio_start": 1.5, "audio_end": 4.5},
        {"audio": OTHER, "start": 3, "end": 6},
        {"audio": AUDIO, "start": 6, "end": 8, "audio_start": 10, "audio_end": 12},
    ]
    out = data(await client.call_tool("lipsync", {"video": VIDEO, "segments": segments}))
    assert out["status"] == "COMPLETED", out
    assert out["asked"] == [
        "speaker 1 (audio line.wav): 0-3 s (its seconds 1.5-4.5), 6-8 s (its seconds 10-12)",
        "speaker 2 (audio reply.wav): 3-6 s",
    ]
    assert create_body(api)["segments"] == [
        {"startTime": 0, "endTime": 3, "audioInput": {"refId": "speaker1", "startTime": 1.5, "endTime": 4.5}},
        {"startTime": 3, "endTime": 6, "audioInput": {"refId": "speaker2"}},
        {"startTime": 6, "endTime": 8, "audioInput": {"refId": "speaker1", "startTime": 10, "endTime": 12}},
    ]


BAD_CROPS: list[tuple[dict[str, Any], str]] = [
    ({"video": VIDEO, "audio": AUDIO, "audio_start": 5}, "audio_end"),
    ({"video": VIDEO, "audio": AUDIO, "audio_end": 5}, "audio_start"),
    ({"video": VIDEO, "audio": AUDIO, "audio_start": 9, "audio_end": 4}, "audio_end"),
    ({"video": VIDEO, "segments": [{"audio": AUDIO, "start": 0, "end": 2, "audio_start": 1}]}, "segments[0].audio_end"),
]


async def test_a_crop_without_its_other_end_or_reversed_is_refused_before_sending(
    client: Client, api: SandboxServer
) -> None:
    for arguments, field in BAD_CROPS:
        failure = error(await client.call_tool("lipsync", arguments))
        assert (failure["errorCode"], failure["field"]) == ("generation_input_trim_invalid", field), failure
        assert failure["fix"]
    dubbed = error(await client.call_tool("lipsync", {"video": VIDEO, "target_language": "es", "audio_start": 1}))
    assert dubbed["field"] == "audio_start"
    assert sent(api) == [], "nothing was sent"
