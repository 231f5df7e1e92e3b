"""create_generation's input schema as listed: variants alike but for their tag share one definition, and
fixed-length arrays say their item type once, while the schema accepts and refuses the same bodies."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from mcp import Client

from sync_mcp.server.schema_sharing import shared

from .conftest import AUDIO, BASIC, VIDEO

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
        {**BASIC, "options": {"active_speaker_detection": {**SPEAKER, "coordinates": [1, 2, 3]}}},
        {**BASIC, "options": {"active_speaker_detection": {**SPEAKER, "coordinates": [1, "2"]}}},
    ]
    for body in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(body, schema)
    size = len(json.dumps(schema, separators=(",", ":")))
    assert size < 6500, size


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
