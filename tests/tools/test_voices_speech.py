"""list_voices, clone_voice, delete_voice and create_speech through a real MCP client, against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.voice_store import BUILT_IN
from sync_mcp.server import build_server

from ..conftest import CATALOG, TEST_KEY, VIDEO, configured, data, error, make_settings, sent

pytestmark = pytest.mark.anyio

SAMPLE = "https://media.example.com/voices/anna.wav"
RACHEL = BUILT_IN[0][0]


def posts(api: SandboxServer, path: str) -> list[Any]:
    return [r for r in sent(api, path) if r.method == "POST" and r.path == path]


@pytest.fixture
def two_slots(api: SandboxServer) -> Iterator[SandboxServer]:
    with configured(api, voice_clone_slots=2) as server:
        yield server


# ----------------------------------------------------------------------------------------------- voices


async def test_list_voices_shows_traits_a_model_can_choose_by(client: Client, api: SandboxServer) -> None:
    listed = data(await client.call_tool("list_voices", {}))
    assert [v["id"] for v in listed["voices"]] == [v[0] for v in BUILT_IN]
    assert listed["count"] == len(BUILT_IN)
    rachel = listed["voices"][0]
    assert rachel == {
        "id": RACHEL,
        "name": "Rachel",
        "origin": "built-in",
        "languages": ["en"],
        "gender": "female",
        "accent": "american",
        "age": "young",
        "style": "calm; narration",
        "previewUrl": rachel["previewUrl"],
    }, "one id to pass on: no provider voiceId beside it"
    assert all(v["gender"] and v["accent"] and v["style"] and v["previewUrl"] for v in listed["voices"])
    assert "voice_id to lipsync" in listed["nextStep"]
    assert httpx.get(rachel["previewUrl"]).headers["content-type"] == "audio/wav"
    assert sent(api)[0].query == ""

    clone = data(await client.call_tool("clone_voice", {"name": "Anna", "url": SAMPLE}))
    assert "voice_id to lipsync" in clone.pop("nextStep")
    assert clone == {"id": clone["id"], "name": "Anna", "origin": "cloned by your organisation"}, "one id to pass on"
    speech = data(await client.call_tool("create_speech", {"script": "Hi.", "voiceId": clone["id"]}))
    assert speech["url"] and posts(api, "/v2/tts")[-1].body["voiceId"] == clone["id"]
    assert posts(api, "/v2/voices")[0].body == {"name": "Anna", "provider": "elevenlabs", "url": SAMPLE}
    voices = data(await client.call_tool("list_voices", {}))["voices"]
    assert voices[-1] == {"id": clone["id"], "name": "Anna", "origin": "cloned by your organisation"}


async def test_list_voices_filters_by_language_and_gender(client: Client, api: SandboxServer) -> None:
    await client.call_tool("clone_voice", {"name": "Anna", "url": SAMPLE})
    male = data(await client.call_tool("list_voices", {"language": "EN", "gender": "male"}))
    assert {v["name"] for v in male["voices"]} == {"Adam", "Antoni", "George", "Charlie"}
    assert male["count"] == 4
    assert "1 voice(s) with no published traits" in male["nextStep"], "the clone is left out, and it says so"
    british = [v for v in data(await client.call_tool("list_voices", {"gender": "female"}))["voices"]]
    assert {(v["name"], v["accent"]) for v in british} >= {("Lily", "british"), ("Rachel", "american")}

    spanish = data(await client.call_tool("list_voices", {"language": "es"}))
    assert spanish["count"] == 0
    assert "multilingual" in spanish["nextStep"] and "clone_voice" in spanish["nextStep"]


async def test_a_chosen_voice_id_drives_lipsync_as_the_wire_voice_id(client: Client, api: SandboxServer) -> None:
    voices = data(await client.call_tool("list_voices", {"gender": "male", "language": "en"}))["voices"]
    george = next(v for v in voices if v["name"] == "George")
    out = data(await client.call_tool("lipsync", {"video": VIDEO, "script": "Hello.", "voice_id": george["id"]}))
    assert out["status"] == "COMPLETED", out
    (create,) = posts(api, "/v2/generate")
    assert create.body["input"][1]["provider"]["voiceId"] == george["id"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": "Anna"}, "url"),
        ({"name": "Anna", "url": SAMPLE, "assetId": "1f0c6a52-0c0e-4b1e-9a57-1d1d8e2b7d11"}, "url"),
        ({"name": "Anna", "url": "ftp://media.example.com/a.wav"}, "url"),
        ({"name": "Anna", "url": "https://user:pw@media.example.com/a.wav"}, "url"),
        ({"name": "   ", "url": SAMPLE}, "name"),
        ({"url": SAMPLE}, "name"),
        ({"name": "Anna", "url": SAMPLE, "provider": "playht"}, "provider"),
    ],
)
async def test_clone_voice_refuses_bad_input_before_sending(
    client: Client, api: SandboxServer, arguments: dict[str, Any], field: str
) -> None:
    err = error(await client.call_tool("clone_voice", arguments))
    assert err["field"] == field and err["fix"] and err.get("httpStatus") is None
    assert sent(api) == []


async def test_clone_voice_from_an_uploaded_asset(client: Client, api: SandboxServer) -> None:
    asset = httpx.post(
        f"{api.base_url}/v2/assets",
        headers={"x-api-key": TEST_KEY},
        json={"url": SAMPLE, "type": "AUDIO", "name": "anna.wav"},
    ).json()
    clone = data(await client.call_tool("clone_voice", {"name": "Anna", "assetId": asset["id"]}))
    assert clone["id"]
    missing = error(
        await client.call_tool("clone_voice", {"name": "Bob", "assetId": "1f0c6a52-0c0e-4b1e-9a57-1d1d8e2b7d11"})
    )
    assert missing["errorCode"] == "asset_not_found" and missing["httpStatus"] == 404


async def test_clone_voice_failures_carry_the_catalog_fix(client: Client, two_slots: SandboxServer) -> None:
    await client.call_tool("clone_voice", {"name": "Anna", "url": SAMPLE})
    conflict = error(await client.call_tool("clone_voice", {"name": "Anna", "url": SAMPLE}))
    assert conflict["errorCode"] == "voice_name_conflict" and conflict["httpStatus"] == 409
    assert conflict["fix"] == CATALOG["voice_name_conflict"].fix

    short = error(
        await client.call_tool("clone_voice", {"name": "Bob", "url": SAMPLE + "?sandbox_fail=voice_sample_too_short"})
    )
    assert short["errorCode"] == "voice_sample_too_short" and short["httpStatus"] == 422
    assert short["fix"] == CATALOG["voice_sample_too_short"].fix

    await client.call_tool("clone_voice", {"name": "Carl", "url": SAMPLE})
    full = error(await client.call_tool("clone_voice", {"name": "Dora", "url": SAMPLE}))
    assert full["errorCode"] == "voice_clone_limit_reached" and full["httpStatus"] == 403
    assert "Delete an unused cloned voice" in full["fix"] and full["retryable"] is False


async def test_clone_rate_limit_is_reported_not_retried(client: Client, api: SandboxServer) -> None:
    for n in range(10):
        assert not (await client.call_tool("clone_voice", {"name": f"Voice {n}", "url": SAMPLE})).is_error
    limited = error(await client.call_tool("clone_voice", {"name": "Voice 10", "url": SAMPLE}))
    assert limited["errorCode"] == "rate_limit_exceeded" and limited["httpStatus"] == 429
    assert limited["retryAfterSeconds"] > 0
    assert len(posts(api, "/v2/voices")) == 11, "a clone is never retried automatically"


async def test_clone_with_a_lost_answer_says_to_look_before_cloning_again(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=None, drop=True, after_handling=True, method="POST", path="/v2/voices")
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        err = error(await c.call_tool("clone_voice", {"name": "Anna", "url": SAMPLE}))
    assert err["errorCode"] == "outcome_unknown" and err["retryable"] is False
    assert "list_voices" in err["fix"] and "Anna" in err["fix"]
    assert len(posts(api, "/v2/voices")) == 1


async def test_delete_voice(client: Client, api: SandboxServer) -> None:
    clone = data(await client.call_tool("clone_voice", {"name": "Anna", "url": SAMPLE}))
    deleted = await client.call_tool("delete_voice", {"id": clone["id"]})
    assert data(deleted) == {"id": clone["id"], "deleted": True}
    assert clone["id"] not in {v["id"] for v in data(await client.call_tool("list_voices", {}))["voices"]}

    again = error(await client.call_tool("delete_voice", {"id": clone["id"]}))
    assert again["errorCode"] == "voice_not_found" and again["httpStatus"] == 404
    assert again["fix"] == CATALOG["voice_not_found"].fix
    built_in = error(await client.call_tool("delete_voice", {"id": RACHEL}))
    assert built_in["errorCode"] == "voice_not_found"


async def test_delete_voice_refuses_a_malformed_id_before_sending(client: Client, api: SandboxServer) -> None:
    err = error(await client.call_tool("delete_voice", {"id": "../generations"}))
    assert err["field"] == "id"
    assert sent(api) == []


# ----------------------------------------------------------------------------------------------- speech


async def test_create_speech_returns_a_take_reusable_as_audio_input(client: Client, api: SandboxServer) -> None:
    script = "Hello there, this is a test of the speech endpoint."
    speech = data(await client.call_tool("create_speech", {"script": script, "voiceId": RACHEL, "stability": 0.3}))
    assert speech["duration"] > 0 and speech["id"]
    assert "create_generation" in speech["nextStep"] and speech["url"] in speech["nextStep"]
    assert posts(api, "/v2/tts")[0].body == {
        "voiceId": RACHEL,
        "script": script,
        "stability": 0.3,
        "provider": "elevenlabs",
    }
    audio = httpx.get(speech["url"])  # hosted audio, fetched without the key
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"

    created = await client.call_tool(
        "create_generation",
        {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": speech["url"]}]},
    )
    assert not created.is_error, created.content


async def test_create_speech_accepts_a_raw_provider_voice_id(client: Client, api: SandboxServer) -> None:
    speech = await client.call_tool("create_speech", {"script": "Hi.", "voiceId": BUILT_IN[1][2]})
    assert not speech.is_error, speech.content


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"script": "", "voiceId": RACHEL}, "script"),
        ({"script": "x" * 5001, "voiceId": RACHEL}, "script"),
        ({"script": "Hi", "voiceId": ""}, "voiceId"),
        ({"script": "Hi"}, "voiceId"),
        ({"script": "Hi", "voiceId": RACHEL, "stability": 1.5}, "stability"),
        ({"script": "Hi", "voiceId": RACHEL, "similarityBoost": -0.1}, "similarityBoost"),
        ({"script": "Hi", "voiceId": RACHEL, "provider": "azure"}, "provider"),
    ],
)
async def test_create_speech_refuses_bad_input_before_sending(
    client: Client, api: SandboxServer, arguments: dict[str, Any], field: str
) -> None:
    err = error(await client.call_tool("create_speech", arguments))
    assert err["field"] == field and err.get("httpStatus") is None
    assert sent(api) == []


async def test_create_speech_with_an_unknown_voice(client: Client, api: SandboxServer) -> None:
    err = error(
        await client.call_tool("create_speech", {"script": "Hi", "voiceId": "1f0c6a52-0c0e-4b1e-9a57-1d1d8e2b7d11"})
    )
    assert err["errorCode"] == "voice_not_found" and err["httpStatus"] == 404
    assert err["fix"] == CATALOG["voice_not_found"].fix


async def test_create_speech_is_never_retried_after_a_lost_answer(api: SandboxServer, mode: str) -> None:
    # The take is made, then the connection drops before the answer arrives.
    api.state.script_fault(status=None, drop=True, after_handling=True, method="POST", path="/v2/tts")
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        err = error(await c.call_tool("create_speech", {"script": "Hi", "voiceId": RACHEL}))
    assert err["errorCode"] == "outcome_unknown" and err["retryable"] is False
    assert "may or may not have been accepted" in err["message"]
    assert "Do not call create_speech again blindly" in err["fix"]
    assert len(posts(api, "/v2/tts")) == 1, "sent once: POST /v2/tts has no idempotency"


async def test_create_speech_server_error_is_not_retried(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=503, error_code="elevenlabs_service_unavailable", method="POST", path="/v2/tts")
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        err = error(await c.call_tool("create_speech", {"script": "Hi", "voiceId": RACHEL}))
    assert err["errorCode"] == "elevenlabs_service_unavailable" and err["httpStatus"] == 503
    assert len(posts(api, "/v2/tts")) == 1


async def test_create_speech_rate_limit(client: Client, api: SandboxServer) -> None:
    async with httpx.AsyncClient(base_url=api.base_url, headers={"x-api-key": TEST_KEY}) as http:
        for _ in range(60):
            reply = await http.post("/v2/tts", json={"script": "Hi", "voiceId": RACHEL, "provider": "elevenlabs"})
            assert reply.is_success
    err = error(await client.call_tool("create_speech", {"script": "Hi", "voiceId": RACHEL}))
    assert err["errorCode"] == "rate_limit_exceeded" and err["retryAfterSeconds"] > 0
    assert len(posts(api, "/v2/tts")) == 61
