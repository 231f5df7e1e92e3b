"""Prompts and argument completion through a real client, on both protocol eras, against the sandbox."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, MCPError
from mcp.types import (
    INVALID_PARAMS,
    EmbeddedResource,
    PromptReference,
    ResourceTemplateReference,
    TextContent,
    TextResourceContents,
)

from sync_mcp.api.capabilities import MODELS
from sync_mcp.api.languages import DUB_LANGUAGES
from sync_mcp.sandbox import SandboxServer

from ..conftest import AUDIO, BASIC, TEST_KEY, VIDEO, sent

pytestmark = pytest.mark.anyio

# Every tool a prompt may send the agent to; a prompt must only name tools the server really has.
REFERABLE_TOOLS = {
    "lipsync",
    "create_generation",
    "get_generation",
    "upload_media",
    "estimate_cost",
    "download_output",
    "list_error_codes",
    "list_voices",
    "transcribe",
    "edit_dialogue",
}


def text_of(message: Any) -> str:
    assert isinstance(message.content, TextContent)
    return message.content.text


async def tool_names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


def named_tools(text: str) -> set[str]:
    return {word for word in re.findall(r"(?<![\w-])[a-z_]+(?![\w-])", text) if word in REFERABLE_TOOLS}


async def test_five_prompts_with_their_arguments(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {"lipsync_video", "talking_photo", "dub_video", "troubleshoot_generation", "edit_dialogue"}
    arguments = {name: {a.name: a.required for a in p.arguments or []} for name, p in prompts.items()}
    assert arguments == {
        "lipsync_video": {"video": True, "audio": True, "model": False},
        "talking_photo": {"image": True, "script": True, "voice_id": True},
        "dub_video": {"video": True, "target_language": True, "source_language": False, "model": False},
        "troubleshoot_generation": {"generation_id": True},
        "edit_dialogue": {"video": True, "change": True},
    }
    assert all(p.title and p.description for p in prompts.values())
    assert all(a.description for p in prompts.values() for a in p.arguments or [])


async def test_lipsync_prompt_walks_through_existing_tools(client: Client, api: SandboxServer) -> None:
    got = await client.get_prompt("lipsync_video", {"video": VIDEO, "audio": AUDIO, "model": "lipsync-2-pro"})
    [message] = got.messages
    assert message.role == "user"
    text = text_of(message)
    assert VIDEO in text and AUDIO in text and "lipsync-2-pro" in text
    assert "waitTimedOut" in text and "outputUrl" in text and "fix" in text
    mentioned = named_tools(text)
    assert mentioned & {"lipsync", "create_generation"}
    assert mentioned <= await tool_names(client), "a prompt names a tool the server does not have"
    assert sent(api) == [], "rendering a prompt costs nothing"


async def test_talking_photo_prompt_uses_sync3_with_the_script_and_voice(client: Client) -> None:
    args = {"image": "https://media.example.com/in/face.png", "script": "Hello there!", "voice_id": "voice-123"}
    text = text_of((await client.get_prompt("talking_photo", args)).messages[0])
    assert "sync-3" in text and "Hello there!" in text and "voice-123" in text
    assert named_tools(text) <= await tool_names(client)


async def test_dub_prompt_dubs_through_lipsync_with_no_audio(client: Client) -> None:
    args = {"video": VIDEO, "target_language": "es", "source_language": "en"}
    text = text_of((await client.get_prompt("dub_video", args)).messages[0])
    assert 'target_language="es", source_language="en"' in text
    assert "Call lipsync" in text and "NO audio" in text
    assert named_tools(text) <= await tool_names(client)


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("dub_video", {"video": VIDEO, "target_language": "klingon"}, "target_language"),
        ("dub_video", {"video": VIDEO, "target_language": "es", "source_language": "xx"}, "source_language"),
        ("lipsync_video", {"video": VIDEO, "audio": AUDIO, "model": "lipsync-9"}, "model"),
        ("talking_photo", {"image": VIDEO, "script": "x" * 5001, "voice_id": "v"}, "script"),
    ],
)
async def test_bad_prompt_arguments_are_refused_naming_the_argument(
    client: Client, api: SandboxServer, name: str, args: dict[str, str], field: str
) -> None:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt(name, args)
    assert caught.value.error.code == INVALID_PARAMS
    assert caught.value.error.message.startswith(f"{field}:")
    assert sent(api) == []


async def test_troubleshoot_prompt_attaches_the_failed_generation(client: Client) -> None:
    failing = json.loads(json.dumps(BASIC))
    failing["input"][1]["url"] += "?sandbox_fail=generation_input_audio_invalid"
    gid = (await client.call_tool("create_generation", failing)).structured_content["id"]  # type: ignore[index]
    with anyio.fail_after(20):
        await client.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 15})
    got = await client.get_prompt("troubleshoot_generation", {"generation_id": gid})
    instructions, attached = got.messages
    assert gid in text_of(instructions) and "list_error_codes" in text_of(instructions)
    assert isinstance(attached.content, EmbeddedResource)
    resource = attached.content.resource
    assert isinstance(resource, TextResourceContents)
    assert str(resource.uri) == f"sync://generations/{gid}"
    generation = json.loads(resource.text)
    assert generation["status"] == "FAILED"
    assert generation["errorCode"] == "generation_input_audio_invalid"
    assert generation["fix"]


async def test_troubleshoot_prompt_explains_when_the_generation_cannot_be_read(client: Client) -> None:
    missing = str(uuid.uuid4())
    instructions, note = (await client.get_prompt("troubleshoot_generation", {"generation_id": missing})).messages
    assert "get_generation" in text_of(instructions)
    assert "Fetching the generation failed" in text_of(note) and "Fix:" in text_of(note)


# ------------------------------------------------------------------------------------------- completion


def prompt(name: str) -> PromptReference:
    return PromptReference(type="ref/prompt", name=name)


async def complete(client: Client, ref: Any, name: str, value: str) -> list[str]:
    return list((await client.complete(ref, {"name": name, "value": value})).completion.values)


async def test_model_ids_complete_from_the_capability_table(client: Client) -> None:
    assert await complete(client, prompt("lipsync_video"), "model", "") == list(MODELS)
    assert await complete(client, prompt("dub_video"), "model", "LIPSYNC-2") == ["lipsync-2", "lipsync-2-pro"]


async def test_language_codes_complete_by_prefix(client: Client) -> None:
    assert await complete(client, prompt("dub_video"), "target_language", "e") == [
        c for c in DUB_LANGUAGES if c.startswith("e")
    ]
    assert await complete(client, prompt("dub_video"), "target_language", "zz") == []
    assert "auto" in await complete(client, prompt("dub_video"), "source_language", "a")
    assert "auto" not in await complete(client, prompt("dub_video"), "target_language", "a")


async def test_voice_ids_complete_from_the_api(client: Client, api: SandboxServer) -> None:
    voices = httpx.get(f"{api.base_url}/v2/voices", headers={"x-api-key": TEST_KEY}).json()
    assert await complete(client, prompt("talking_photo"), "voice_id", "") == [v["id"] for v in voices]
    rachel = next(v for v in voices if v["name"] == "Rachel")
    assert await complete(client, prompt("talking_photo"), "voice_id", "rach") == [rachel["id"]]


async def test_voice_completion_tolerates_an_api_failure(client: Client, api: SandboxServer) -> None:
    api.state.script_fault(status=401, path="/v2/voices")
    assert await complete(client, prompt("talking_photo"), "voice_id", "") == []


async def test_generation_ids_complete_recent_and_failed_ones(client: Client) -> None:
    ok_id = (await client.call_tool("create_generation", BASIC)).structured_content["id"]  # type: ignore[index]
    failing = json.loads(json.dumps(BASIC))
    failing["input"][1]["url"] += "?sandbox_fail=generation_input_audio_invalid"
    bad_id = (await client.call_tool("create_generation", failing)).structured_content["id"]  # type: ignore[index]
    with anyio.fail_after(20):
        await client.call_tool("get_generation", {"id": bad_id, "wait": True, "timeout": 15})
    template = ResourceTemplateReference(type="ref/resource", uri="sync://generations/{generation_id}")
    assert set(await complete(client, template, "generation_id", "")) == {ok_id, bad_id}
    assert await complete(client, template, "generation_id", bad_id[:8]) == [bad_id]
    assert await complete(client, prompt("troubleshoot_generation"), "generation_id", "") == [bad_id]


async def test_edit_dialogue_prompt_previews_before_the_video(client: Client, api: SandboxServer) -> None:
    got = await client.get_prompt("edit_dialogue", {"video": VIDEO, "change": "say Wednesday instead of Tuesday"})
    text = text_of(got.messages[0])
    assert text.index("transcribe") < text.index("edit_dialogue with") < text.index("confirm=true")
    assert "approves" in text and named_tools(text) <= await tool_names(client)
    assert sent(api) == [], "rendering a prompt costs nothing"
