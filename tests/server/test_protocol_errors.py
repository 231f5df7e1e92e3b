"""Errors as every host sees them, through a real client on both protocol eras.

- A tool's failure is `isError: true` with the `{errorCode, ..., fix}` object as JSON text (and in `_meta`),
  never `structuredContent`: hosts check structured content against the output schema even on errors.
- Asking for a tool or prompt that does not exist, or a prompt without its arguments, is a JSON-RPC -32602
  error with a message a person can read.
"""

from __future__ import annotations

import json

import pytest
from mcp import Client, MCPError
from mcp.types import INVALID_PARAMS, TextContent

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import error, make_settings, sent

pytestmark = pytest.mark.anyio

VIDEO = {"type": "video", "url": "https://media.example.com/in/speaker.mp4"}
AUDIO = {"type": "audio", "url": "https://media.example.com/in/line.wav"}


@pytest.mark.parametrize(
    ("tool", "arguments", "code"),
    [
        ("get_generation", {"id": "00000000-0000-4000-8000-000000000000"}, "generation_not_found"),
        ("create_generation", {"model": "lipsync-2", "input": []}, None),
        ("create_generation", {"input": [VIDEO, AUDIO]}, None),
        ("list_error_codes", {"code": 5}, None),
        ("upload_media", {"path": "/etc/passwd"}, None),
    ],
)
async def test_error_results_carry_the_error_as_text_not_structured_content(
    client: Client, tool: str, arguments: dict[str, object], code: str | None
) -> None:
    result = await client.call_tool(tool, arguments)
    err = error(result)  # asserts: isError, no structuredContent, JSON text == _meta["so.sync/error"]
    assert err["fix"] and err["message"] and isinstance(err["retryable"], bool)
    if code is not None:
        assert err["errorCode"] == code
    assert isinstance(result.content[0], TextContent)


async def test_an_unknown_tool_is_a_protocol_error(client: Client, api: SandboxServer) -> None:
    with pytest.raises(MCPError) as caught:
        await client.call_tool("no_such_tool", {})
    assert caught.value.error.code == INVALID_PARAMS
    assert caught.value.error.message == "Unknown tool: no_such_tool"
    assert sent(api) == []


async def test_an_unknown_prompt_is_invalid_params_naming_the_prompts(client: Client) -> None:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt("no_such_prompt", {})
    assert caught.value.error.code == INVALID_PARAMS
    message = caught.value.error.message
    assert message.startswith("Unknown prompt: no_such_prompt.") and "talking_photo" in message


async def test_missing_prompt_arguments_are_named_without_a_python_repr(client: Client) -> None:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt("talking_photo", {})
    assert caught.value.error.code == INVALID_PARAMS
    message = caught.value.error.message
    assert message == "Prompt talking_photo: missing required argument(s): image, script, voice_id."
    assert "{" not in message


async def test_a_crashing_tool_still_answers_with_a_structured_error(api: SandboxServer, mode: str) -> None:
    server = build_server(make_settings(api))

    async def explode() -> dict[str, str]:
        raise RuntimeError("internal detail that must stay in the log")

    server.add_tool(explode, name="explode")
    async with Client(server, mode=mode) as client:  # type: ignore[arg-type]
        result = await client.call_tool("explode", {})
    err = error(result)
    assert err["errorCode"] == "internal_error" and err["retryable"] is False
    assert "internal detail" not in json.dumps(err)


async def test_waits_are_bounded_by_the_server_setting(api: SandboxServer) -> None:
    settings = make_settings(api, SYNC_MCP_MAX_WAIT_SECONDS=20)
    async with Client(build_server(settings)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in ("get_generation", "lipsync"):
            assert tools[name].input_schema["properties"]["timeout"]["maximum"] == 20, name
        too_long = await client.call_tool("lipsync", {"video": VIDEO["url"], "audio": AUDIO["url"], "timeout": 21})
        waited = await client.call_tool(
            "get_generation", {"id": "00000000-0000-4000-8000-000000000000", "wait": True, "timeout": 90}
        )
    for result in (too_long, waited):
        err = error(result)
        assert err["errorCode"] == "wait_timeout_too_long" and err["field"] == "timeout"
        assert "timeout <= 20" in err["fix"]
    assert sent(api) == [], "a refused wait sends nothing (no create, no read)"


async def test_tool_descriptions_carry_no_source_indentation(client: Client) -> None:
    for tool in (await client.list_tools()).tools:
        assert tool.description and "\n    " not in tool.description, tool.name
        assert tool.description == tool.description.strip(), tool.name


async def test_the_server_presents_its_icon(client: Client) -> None:
    info = client.server_info
    assert info is not None and info.icons, info
    icon = info.icons[0]
    assert icon.mime_type == "image/png" and icon.src.startswith("data:image/png;base64,")
