"""A misspelled or unknown argument is refused before anything is sent, on every tool, naming the closest valid
one: a dropped option must never let a paid job start without it."""

from __future__ import annotations

import pytest
from mcp import Client

from sync_mcp.guidance.errors import ERROR_FIELDS
from sync_mcp.sandbox import SandboxServer

from ..conftest import BASIC, error, sent

pytestmark = pytest.mark.anyio


def typo(name: str) -> str:
    """`name` with its last letter doubled: the kind of slip a model makes."""
    return name + name[-1]


async def test_every_tool_refuses_an_unknown_argument_and_sends_nothing(client: Client, api: SandboxServer) -> None:
    tools = (await client.list_tools()).tools
    assert len(tools) > 20, "every toolset is on"
    for tool in tools:
        properties = list(tool.input_schema.get("properties", {}))
        wrong = typo(properties[0]) if properties else "dowload"
        result = await client.call_tool(tool.name, {wrong: True})
        err = error(result)
        assert err["errorCode"] == "invalid_arguments", (tool.name, err)
        assert f"`{wrong}` is not an argument of {tool.name}" in err["message"], err
        if properties:
            assert f"did you mean `{properties[0]}`?" in err["message"], (tool.name, err["message"])
        assert err["field"] == wrong and err["fix"], err
        assert err["httpStatus"] is None and err["requestId"] is None and err["retryable"] is False, err
    assert sent(api, "/") == [], "a refused call reached the API"


async def test_a_misspelled_option_of_a_paid_call_is_refused(client: Client, api: SandboxServer) -> None:
    cases = [
        ("lipsync", {"video": BASIC["input"][0]["url"], "audio": BASIC["input"][1]["url"], "dowload": True}),
        ("create_generation", {**BASIC, "webhookURL": "https://hooks.example.com/x", "outputname": "intro"}),
    ]
    for tool, arguments in cases:
        err = error(await client.call_tool(tool, arguments))
        assert err["errorCode"] == "invalid_arguments", err
    lipsync = error(await client.call_tool(*cases[0]))
    assert "`dowload` is not an argument of lipsync; did you mean `download`?" in lipsync["message"]
    create = error(await client.call_tool(*cases[1]))
    assert "did you mean `webhookUrl`?" in create["message"] and "did you mean `outputFileName`?" in create["message"]
    assert sent(api) == [], "no generation was created"


async def test_every_error_object_has_the_same_fields(client: Client, api: SandboxServer) -> None:
    local = error(await client.call_tool("create_generation", {"model": "lipsync-2", "input": []}))
    remote = error(await client.call_tool("get_generation", {"id": "00000000-0000-4000-8000-000000000000"}))
    for err in (local, remote):
        assert list(err)[: len(ERROR_FIELDS)] == list(ERROR_FIELDS), err
    assert local["httpStatus"] is None and local["requestId"] is None
    assert remote["httpStatus"] == 404
