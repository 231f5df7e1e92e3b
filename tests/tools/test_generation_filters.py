"""The generations list's source filters and the early-access `dialogueEdit` field, through a real MCP client
against the sandbox; the list as the official SDK reads it."""

from __future__ import annotations

import httpx
import pytest
from mcp import Client
from sync.common.types import Generation as SdkGeneration
from sync.core.pydantic_utilities import parse_obj_as

from sync_mcp.sandbox import SandboxServer

from ..conftest import CATALOG, TEST_KEY, configured, data, error, sent

pytestmark = pytest.mark.anyio

VIDEO = "https://media.example.com/filters/face.mp4"
AUDIO = "https://media.example.com/filters/voice.wav"
BODY = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}]}
DIALOGUE_EDIT = {"sections": [{"startTime": 1.5, "endTime": 2.0, "text": "the new line"}], "retime": True}


def create_elsewhere(api: SandboxServer, source: str | None) -> str:
    """A generation made by another caller (the Studio, a plugin, a script), labelled with its source."""
    headers = {"x-api-key": TEST_KEY, **({"x-sync-source": source} if source else {})}
    reply = httpx.post(f"{api.base_url}/v2/generate", json=BODY, headers=headers)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def test_list_filters_by_source_and_generation_source(client: Client, api: SandboxServer) -> None:
    ours = data(await client.call_tool("create_generation", BODY))["id"]
    plugin = create_elsewhere(api, "premiere-plugin")
    script = create_elsewhere(api, None)
    by_source = data(await client.call_tool("list_generations", {"source": ["mcp", "premiere-plugin"]}))
    assert {g["id"] for g in by_source["generations"]} == {ours, plugin}
    by_origin = data(await client.call_tool("list_generations", {"generationSource": ["api"]}))
    assert [g["id"] for g in by_origin["generations"]] == [script]
    lists = [r for r in sent(api, "/v2/generations") if r.path == "/v2/generations"]
    assert "source=mcp%2Cpremiere-plugin" in lists[0].query
    assert "generationSource=api" in lists[1].query
    raw = httpx.get(
        f"{api.base_url}/v2/generations", params={"source": "mcp", "limit": 5}, headers={"x-api-key": TEST_KEY}
    ).json()
    assert [parse_obj_as(SdkGeneration, g).id for g in raw] == [ours]


async def test_dialogue_edit_is_sent_as_given_and_refused_without_rollout(client: Client, api: SandboxServer) -> None:
    failure = error(await client.call_tool("create_generation", {**BODY, "dialogueEdit": DIALOGUE_EDIT}))
    assert failure["errorCode"] == "dialogue_edit_retime_required" and failure["httpStatus"] == 422
    assert failure["fix"] == CATALOG["dialogue_edit_retime_required"].fix
    [refused] = [r for r in sent(api, "/v2/generate") if r.method == "POST"]
    assert refused.body == {**BODY, "dialogueEdit": DIALOGUE_EDIT}


async def test_with_the_rollout_a_dialogue_edit_naming_no_preview_is_refused(
    client: Client, api: SandboxServer
) -> None:
    """A real preview makes a generation (tests/tools/test_edit_dialogue.py); anything else is the API's 422."""
    with configured(api, dialogue_edit_enabled=True):
        failure = error(await client.call_tool("create_generation", {**BODY, "dialogueEdit": DIALOGUE_EDIT}))
    assert failure["errorCode"] == "dialogue_edit_not_found" and failure["httpStatus"] == 422
    assert failure["fix"] == CATALOG["dialogue_edit_not_found"].fix
    [refused] = [r for r in sent(api, "/v2/generate") if r.method == "POST"]
    assert refused.body["dialogueEdit"] == DIALOGUE_EDIT
