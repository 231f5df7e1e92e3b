"""create_generation's input schema as listed: variants alike but for their tag share one definition, and
fixed-length arrays say their item type once, while the schema accepts and refuses the same bodies."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server.schema_sharing import shared

from .conftest import AUDIO, BASIC, VIDEO, error, sent

pytestmark = pytest.mark.anyio

IMAGE = {"type": "image", "url": "https://media.example.com/in/face.png"}
TEXT = {"type": "text", "provider": {"voiceId": "voice-1", "script": "Hello."}}
SPEAKER = {"auto_detect": False, "frame_number": 0, "coordinates": [10.5, 20]}


async def listed_schema(client: Client, name: str) -> dict[str, Any]:
    tool = next(t for t in (await client.list_tools()).tools if t.name == name)
    return tool.input_schema


async def test_media_items_share_one_definition_and_bodies_validate_as_before(client: Client) -> None:
    schema = await listed_schema(client, "create_generation")
    assert set(schema["$defs"]) >= {"AnyInput"} and not {"VideoInput", "AudioInput", "ImageInput"} & set(
        schema["$defs"]
    )
    assert schema["$defs"]["AnyInput"]["properties"]["type"]["enum"] == ["video", "image", "audio"]
    good = [
        BASIC,
        {"model": "sync-3", "input": [IMAGE, TEXT]},
        {**BASIC, "options": {"active_speaker_detection": SPEAKER}},
    ]
    for body in good:
        jsonschema.validate(body, schema)
    bad = [
        {"model": "lipsync-2", "input": [{"type": "videos", "url": VIDEO}, {"type": "audio", "url": AUDIO}]},
        {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO, "provider": {}}]},
    ]
    for body in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(body, schema)
    size = len(json.dumps(schema, separators=(",", ":")))
    assert size < 5500, size


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
