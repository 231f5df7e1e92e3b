"""create_generation's input schema as listed: lean (media items and face choices in words, variants alike but for
their tag sharing one definition, fixed-length arrays saying their item type once), never refusing a valid body,
while the server still checks every field and names the one that is wrong."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server.schema_sharing import shared

from ..conftest import AUDIO, BASIC, VIDEO, error, sent

pytestmark = pytest.mark.anyio

IMAGE = {"type": "image", "url": "https://media.example.com/in/face.png"}
TEXT = {"type": "text", "provider": {"voiceId": "voice-1", "script": "Hello."}}
AUDIO_ITEM = {"type": "audio", "url": AUDIO}
SPEAKER = {"auto_detect": False, "frame_number": 0, "coordinates": [10.5, 20]}


async def listed_schema(client: Client, name: str) -> dict[str, Any]:
    tool = next(t for t in (await client.list_tools()).tools if t.name == name)
    return tool.input_schema


async def test_media_items_listed_in_words_accept_every_valid_body(client: Client, api: SandboxServer) -> None:
    """The input items are listed as objects described in words: the listed schema accepts every valid body, and
    the server still refuses a bad item, naming the field, before anything is sent."""
    schema = await listed_schema(client, "create_generation")
    assert schema["properties"]["input"]["items"] == {"type": "object"}
    assert "voiceId" in schema["properties"]["input"]["description"]
    good = [
        BASIC,
        {"model": "sync-3", "input": [IMAGE, TEXT]},
        {**BASIC, "options": {"active_speaker_detection": SPEAKER}},
    ]
    for body in good:
        jsonschema.validate(body, schema)
    bad = [
        ({"model": "lipsync-2", "input": [{"type": "videos", "url": VIDEO}, {"type": "audio", "url": AUDIO}]}, "type"),
        ({"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO, "provider": {}}, AUDIO_ITEM]}, "provider"),
        ({"model": "sync-3", "input": [IMAGE, {"type": "text", "provider": {"voiceId": "v"}}]}, "script"),
    ]
    for body, field in bad:
        jsonschema.validate(body, schema)  # looser than the server, never stricter
        failure = error(await client.call_tool("create_generation", body))
        assert "input" in (failure.get("field") or "") + failure["message"], failure
        assert field in (failure.get("field") or "") + failure["message"], failure
    assert sent(api) == [], "nothing was sent"
    size = len(json.dumps(schema, separators=(",", ":")))
    assert size <= 4096, size


async def test_a_face_choice_described_in_words_is_still_checked_in_full(client: Client, api: SandboxServer) -> None:
    """active_speaker_detection and a segment's optionsOverride are listed in words; the server checks them as
    strictly as before and names the field."""
    for options, field in [
        ({"active_speaker_detection": {**SPEAKER, "coordinates": [1, 2, 3]}}, "coordinates"),
        ({"active_speaker_detection": {**SPEAKER, "coordinates": [1, "x"]}}, "coordinates"),
        ({"active_speaker_detection": {"auto_detect": True, "face": 1}}, "face"),
    ]:
        failure = error(await client.call_tool("create_generation", {**BASIC, "options": options}))
        assert field in (failure.get("field") or "") + failure["message"], failure
    segment = {"startTime": 0, "endTime": 2, "audioInput": {"refId": "a"}, "optionsOverride": {"sync_mode": "spin"}}
    body = {
        "model": "lipsync-2",
        "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO, "refId": "a"}],
        "segments": [segment],
    }
    failure = error(await client.call_tool("create_generation", body))
    assert "sync_mode" in (failure.get("field") or "") + failure["message"], failure
    assert sent(api) == [], "nothing was sent"


async def test_options_segments_and_dubbing_described_in_words_are_checked_in_full(
    client: Client, api: SandboxServer
) -> None:
    """create_generation's options, segments and dubParams are listed as objects described in words: the listed
    schema accepts what the server refuses, and the server names the field and what it accepts."""
    schema = await listed_schema(client, "create_generation")
    assert "$defs" not in schema, "nothing nested is listed twice"
    for name in ("options", "segments", "dubParams"):
        assert schema["properties"][name].get("description"), name
    audio = {"type": "audio", "url": AUDIO, "refId": "a"}
    cases = [
        ({**BASIC, "options": {"sync_mode": "spin"}}, "sync_mode", "cut_off"),
        ({**BASIC, "options": {"prompt": "bored"}}, "prompt", "happy"),
        ({**BASIC, "options": {"temperature": 2}}, "temperature", "1"),
        ({**BASIC, "options": {"syncmode": "loop"}}, "options.syncmode", "not permitted"),
        ({"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}], "dubParams": {"targetLang": "xx"}},
         "targetLang", "es"),
        ({"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, audio],
          "segments": [{"startTime": 0, "endTime": 2}]}, "audioInput", "audioInput"),
    ]  # fmt: skip
    for body, field, accepted in cases:
        jsonschema.validate(body, schema)
        failure = error(await client.call_tool("create_generation", body))
        text = (failure.get("field") or "") + failure["message"] + (failure.get("fix") or "")
        assert field in text and accepted in text, failure
    assert sent(api) == [], "nothing was sent"


def test_a_lone_variant_or_differing_variants_are_left_as_they_are() -> None:
    schema = {
        "type": "object",
        "$defs": {
            "A": {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "string"}}},
            "B": {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "string"}}},
        },
        "properties": {"item": {"oneOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}]}},
    }
    assert shared(schema) == schema
