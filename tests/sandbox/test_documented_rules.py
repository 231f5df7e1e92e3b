"""Refuse only what the API refuses; read what it sends tolerantly.

A create body the docs allow reaches the API unchanged (asserted on the sandbox's request log), with a warning
where the docs say a field is ignored; a body a documented source says the API refuses is never sent. Replies
with a status or field the reference does not know pass through every reader; a clone reply without `id` still
gives the created voice's ids.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import data, error, make_settings, sent
from ..fake_api import edited_reply, fake_api

pytestmark = pytest.mark.anyio

V = {"type": "video", "url": "https://m.example.com/v.mp4"}
I = {"type": "image", "url": "https://m.example.com/face.png"}  # noqa: E741
A = {"type": "audio", "url": "https://m.example.com/a.wav"}
RA = {**A, "refId": "a"}
T = {"type": "text", "provider": {"name": "elevenlabs", "voiceId": "voice-1", "script": "Hello there"}}
DUB = {"targetLang": "es"}


def body(inputs: list[dict[str, Any]], model: str = "lipsync-2", **extra: Any) -> dict[str, Any]:
    return {"model": model, "input": inputs, **extra}


def segment(start: float, end: float, **audio: Any) -> dict[str, Any]:
    return {"startTime": start, "endTime": end, "audioInput": {"refId": "a", **audio}}


ALLOWED: list[tuple[str, dict[str, Any], str | None]] = [
    # (case and source, body, a word the warning must hold; None: no warning)
    ("zero-length segment (segments guide)", body([V, RA], segments=[segment(1, 1)]), None),
    (
        "audio crop with equal times (segments guide)",
        body([V, RA], segments=[segment(0, 2, startTime=1, endTime=1)]),
        None,
    ),
    ("dubParams with an audio input (create reference, dubbing tutorial)", body([V, A], dubParams=DUB), "ignored"),
    ("dubParams with a text input (create reference, dubbing tutorial)", body([V, T], dubParams=DUB), "ignored"),
    (
        "dubParams.numSpeakers (dubbing tutorial, video-dubbing guide)",
        body([V], dubParams={**DUB, "numSpeakers": 3}),
        None,
    ),
    ("dubParams.numSpeakers 0 = auto (dubbing tutorial)", body([V], dubParams={**DUB, "numSpeakers": 0}), None),
    ("segments_secs on the video (SDK, deprecated)", body([{**V, "segments_secs": [[0, 1.5]]}, A]), "deprecated"),
    ("segments_frames on the video (SDK, deprecated)", body([{**V, "segments_frames": [[0, 45]]}, A]), "deprecated"),
    (
        "a react-1 option on lipsync-2 (reference §3.1 rule 10: model-gated options are ignored)",
        body([V, A], options={"model_mode": "head"}),
        "options.model_mode is ignored by lipsync-2",
    ),
    (
        "an emotion on sync-3 (reference §3.1 rule 10)",
        body([V, A], "sync-3", options={"prompt": "happy"}),
        "options.prompt is ignored by sync-3",
    ),
]

REFUSED: list[tuple[str, dict[str, Any], str]] = [
    # (case and source, body, errorCode)
    ("two visuals (reference §3.1 input)", body([V, V, A]), "generation_input_too_many_visual"),
    ("image on lipsync-2 (reference §3.1.1)", body([I, A]), "generation_unsupported_model"),
    (
        "reversed segment (reference §3.1.4)",
        body([V, RA], segments=[segment(2, 1)]),
        "generation_input_segments_invalid",
    ),
    (
        "reversed crop (reference §3.1.4)",
        body([V, RA], segments=[segment(0, 2, startTime=1, endTime=0.5)]),
        "generation_input_trim_invalid",
    ),
    (
        "numSpeakers above 50 (dubbing tutorial)",
        body([V], dubParams={**DUB, "numSpeakers": 51}),
        "generation_input_validation_failed",
    ),
    ("dub an image (reference §3.1 input)", body([I], "sync-3", dubParams=DUB), "generation_input_validation_failed"),
]


def creates(api: SandboxServer) -> list[Any]:
    return [r for r in sent(api, "/v2/generate") if r.method == "POST"]


@pytest.mark.parametrize(("case", "arguments", "warning"), ALLOWED, ids=[c[0] for c in ALLOWED])
async def test_a_documented_body_is_sent_unchanged(
    client: Client, api: SandboxServer, case: str, arguments: dict[str, Any], warning: str | None
) -> None:
    result = await client.call_tool("create_generation", arguments)
    assert not result.is_error, (case, result.content)
    assert [r.body for r in creates(api)] == [arguments], case
    warnings = data(result).get("warnings") or []
    if warning is None:
        assert warnings == [], (case, warnings)
    else:
        assert any(warning in w for w in warnings), (case, warnings)


@pytest.mark.parametrize(("case", "arguments", "code"), REFUSED, ids=[c[0] for c in REFUSED])
async def test_a_documented_refusal_is_not_sent(
    client: Client, api: SandboxServer, case: str, arguments: dict[str, Any], code: str
) -> None:
    result = await client.call_tool("create_generation", arguments)
    assert error(result)["errorCode"] == code, case
    assert creates(api) == [], case


def tomorrow(reply: Any) -> Any:
    """A reply as a newer API might send it: a status and a field the reference does not know."""

    def one(g: dict[str, Any]) -> dict[str, Any]:
        return {**g, "status": "QUEUED_FOR_REVIEW", "reviewQueue": {"position": 4}}

    if isinstance(reply, list):
        return [one(g) for g in reply]
    if isinstance(reply.get("generations"), list):
        return {**reply, "generations": [one(g) for g in reply["generations"]]}
    if isinstance(reply.get("data"), list):
        return {**reply, "data": [one(g) for g in reply["data"]]}
    return one(reply)


async def test_an_unknown_status_and_field_pass_through_every_reader(api: SandboxServer) -> None:
    async with fake_api(api.base_url) as fake:
        settings = make_settings(api, SYNC_BASE_URL=fake.base_url)
        async with Client(build_server(settings)) as client:
            gid = data(await client.call_tool("create_generation", body([V, A])))["id"]
            fake.on("GET", f"/v2/generate/{gid}", edited_reply(tomorrow), times=10)
            fake.on("GET", f"/v2/generations/{gid}", edited_reply(tomorrow), times=10)
            fake.on("GET", "/v2/generations", edited_reply(tomorrow), times=10)

            got = await client.call_tool("get_generation", {"id": gid})
            assert not got.is_error, got.content
            assert data(got)["status"] == "QUEUED_FOR_REVIEW"

            listed = await client.call_tool("list_generations", {})
            assert not listed.is_error, listed.content
            assert "QUEUED_FOR_REVIEW" in json.dumps(data(listed))

            resource = await client.read_resource(f"sync://generations/{gid}")
            text = resource.contents[0].text  # type: ignore[union-attr]
            assert "QUEUED_FOR_REVIEW" in text and "reviewQueue" in text


async def test_a_clone_reply_without_id_gives_the_created_voice(api: SandboxServer) -> None:
    def without_id(reply: dict[str, Any]) -> dict[str, Any]:
        reply = {k: v for k, v in reply.items() if k != "id"}
        return {**reply, "voiceId": "el-voice-77", "internalVoiceId": "int-77"}

    async with fake_api(api.base_url) as fake:
        settings = make_settings(api, SYNC_BASE_URL=fake.base_url)
        async with Client(build_server(settings)) as client:
            fake.on("POST", "/v2/voices", edited_reply(without_id))
            result = await client.call_tool(
                "clone_voice", {"name": "Anna", "url": "https://media.example.com/voices/anna.wav"}
            )
    voice = data(result)
    assert not result.is_error, result.content
    assert voice["id"] == "el-voice-77" and voice["name"] == "Anna"
    assert "voiceId" not in voice and "internalVoiceId" not in voice, "one id to pass on"


async def test_estimate_cost_sends_a_model_id_it_does_not_know(client: Client, api: SandboxServer) -> None:
    """The estimate's model is a string (reference §3.9): an id newer than this package is the API's to judge."""
    result = await client.call_tool("estimate_cost", {"model": "lipsync-3", "duration": 4})
    estimates = [r for r in sent(api, "/v2/generations/estimate") if r.method == "POST"]
    assert [r.body for r in estimates] == [{"model": "lipsync-3", "duration": 4}]
    assert error(result)["errorCode"] == "cost_estimate_unavailable"  # the sandbox has no price for it


async def test_the_sandbox_ignores_a_text_input_beside_dub_params(client: Client, api: SandboxServer) -> None:
    """As the create reference says the API does: no speech is synthesised (nor charged) for the ignored item."""
    gid = data(await client.call_tool("create_generation", body([V, T], dubParams=DUB)))["id"]
    costs = await client.call_tool("get_generation_cost", {"id": gid})
    kinds = [c["type"] for c in data(costs)["components"]]
    assert "dubbing" in kinds and "speech_synthesis" not in kinds
