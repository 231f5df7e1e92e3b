"""Wire conformance: the body sent for documented examples is exactly the expected JSON, and the
official SDK's models (an independent oracle) parse both what we send and what the sandbox returns."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mcp import Client
from sync.common.types import CreateGenerationDto
from sync.common.types import Generation as SdkGeneration
from sync.core.pydantic_utilities import parse_obj_as

from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY, new_project, sent

pytestmark = pytest.mark.anyio

ASSET = "0b0f3f7e-3a3c-4b8e-9f7a-2d8f1f0c6a11"
PROJECT = "5d7c2c3e-9a4b-4f0e-8d2a-6b1e3f9c7a22"
TEXT_ITEM = {"type": "text", "refId": "a", "provider": {"name": "elevenlabs", "voiceId": "v-1", "script": "Hello!"}}


def sent_as_given(case: str, body: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """An example whose body goes on the wire exactly as the arguments give it."""
    return case, body, body


EXAMPLES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    sent_as_given(
        "reference 3.1.6 (text input, options, project, file name, webhook)",
        {
            "model": "lipsync-2",
            "input": [
                {"type": "video", "assetId": ASSET},
                TEXT_ITEM,
            ],
            "options": {"sync_mode": "cut_off", "active_speaker_detection": {"auto_detect": True}},
            "projectId": PROJECT,
            "outputFileName": "hello_v1",
            "webhookUrl": "https://hooks.example.com/sync",
        },
    ),
    sent_as_given(
        "video + audio URLs, defaults left to the API (no nulls sent)",
        {"model": "lipsync-2-pro", "input": [{"type": "video", "url": "https://m.example.com/v.mp4"},
                                             {"type": "audio", "url": "https://m.example.com/a.wav"}]},
    ),
    sent_as_given(
        "dubbing (reference 3.1.5)",
        {"model": "lipsync-2", "input": [{"type": "video", "assetId": ASSET}],
         "dubParams": {"targetLang": "de", "sourceLang": "auto"}, "projectId": PROJECT},
    ),
    (
        "segments with crops and overrides (reference 3.1.4)",
        {"model": "lipsync-2", "input": [
            {"type": "video", "url": "https://m.example.com/v.mp4"},
            {"type": "audio", "url": "https://m.example.com/a.wav", "refId": "host"},
            {"type": "audio", "url": "https://m.example.com/b.wav", "refId": "guest"}],
         "segments": [
            {"startTime": 0, "endTime": 4.5, "audioInput": {"refId": "host", "startTime": 1, "endTime": 5.5}},
            {"startTime": 4.5, "endTime": 9, "audioInput": {"refId": "guest"},
             "optionsOverride": {"sync_mode": "loop", "temperature": 0.3}}]},
        {"model": "lipsync-2", "input": [
            {"type": "video", "url": "https://m.example.com/v.mp4"},
            {"type": "audio", "url": "https://m.example.com/a.wav", "refId": "host"},
            {"type": "audio", "url": "https://m.example.com/b.wav", "refId": "guest"}],
         "segments": [
            {"startTime": 0.0, "endTime": 4.5, "audioInput": {"refId": "host", "startTime": 1.0, "endTime": 5.5}},
            {"startTime": 4.5, "endTime": 9.0, "audioInput": {"refId": "guest"},
             "optionsOverride": {"sync_mode": "loop", "temperature": 0.3}}]},
    ),
    (
        "talking photo on sync-3 with a manual face pick",
        {"model": "sync-3", "input": [{"type": "image", "url": "https://m.example.com/face.png"},
                                      {"type": "text", "provider": {"voiceId": "v-2", "script": "Hi", "stability": 0.4,
                                                                    "similarityBoost": 0.8}}],
         "options": {"active_speaker_detection": {"frame_number": 0, "coordinates": [320, 240]}}},
        {"model": "sync-3", "input": [{"type": "image", "url": "https://m.example.com/face.png"},
                                      {"type": "text", "provider": {"name": "elevenlabs", "voiceId": "v-2",
                                                                    "script": "Hi", "stability": 0.4,
                                                                    "similarityBoost": 0.8}}],
         "options": {"active_speaker_detection": {"frame_number": 0, "coordinates": [320.0, 240.0]}}},
    ),
]  # fmt: skip


def with_known_ids(value: Any, asset_id: str, project_id: str) -> Any:
    """The example with its placeholder asset and project ids replaced by ones the sandbox knows."""
    return json.loads(json.dumps(value).replace(ASSET, asset_id).replace(PROJECT, project_id))


def register_asset(api: SandboxServer) -> str:
    """A video asset registered from a public URL (reference §5.2), so assetId inputs are accepted."""
    reply = httpx.post(
        f"{api.base_url}/v2/assets",
        json={"url": "https://m.example.com/library/clip.mp4", "type": "VIDEO"},
        headers={"x-api-key": TEST_KEY},
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


@pytest.mark.parametrize(("case", "arguments", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
async def test_body_on_the_wire_is_exact(
    client: Client, api: SandboxServer, case: str, arguments: dict[str, Any], expected: dict[str, Any]
) -> None:
    ids = register_asset(api), await new_project(client)
    arguments, expected = with_known_ids(arguments, *ids), with_known_ids(expected, *ids)
    result = await client.call_tool("create_generation", arguments)
    assert not result.is_error, result.structured_content
    [create] = [r for r in sent(api, "/v2/generate") if r.method == "POST" and r.path == "/v2/generate"]
    assert create.body == expected
    assert create.has_api_key
    if all(i["type"] != "image" for i in expected["input"]):  # SDK 0.3.0 predates image inputs
        dto = parse_obj_as(CreateGenerationDto, create.body)
        assert dto.model == expected["model"] and len(dto.input) == len(expected["input"])


async def test_sdk_parses_what_the_sandbox_returns(client: Client, api: SandboxServer) -> None:
    arguments = with_known_ids(EXAMPLES[0][1], register_asset(api), await new_project(client))
    created = await client.call_tool("create_generation", arguments)
    gid = created.structured_content["id"]
    raw = httpx.get(f"{api.base_url}/v2/generate/{gid}", headers={"x-api-key": TEST_KEY}).json()
    parsed = parse_obj_as(SdkGeneration, raw)
    assert parsed.id == gid and parsed.status in ("PENDING", "PROCESSING", "COMPLETED")
    # And our tool result is the same generation, every API field kept.
    for key, value in raw.items():
        if value is not None:
            assert created.structured_content[key] == value, key
