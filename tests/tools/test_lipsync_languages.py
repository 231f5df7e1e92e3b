"""lipsync into several languages in one call: one generation and one Idempotency-Key per language, one spend
check for them all, one result listing each language; partial failures keep what was created."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.state import ScriptedFault
from sync_mcp.server import build_server

from ..conftest import VIDEO, data, error, make_settings, sent
from ..server.test_tasks import TasksClient
from .test_spending import approve, connect

pytestmark = pytest.mark.anyio
THREE = ["es", "fr", "de"]


def creates(api: SandboxServer) -> list[Any]:
    return [r for r in sent(api, "/v2/generate") if r.method == "POST" and r.path == "/v2/generate"]


async def test_three_languages_make_three_generations_with_three_keys_after_one_question(
    api: SandboxServer, mode: str
) -> None:
    env = {"SYNC_MCP_MAX_COST_USD": "50", "SYNC_MCP_CONFIRM_ABOVE_USD": "0"}
    async with connect(api, mode, approve, **env) as (client, asked):
        result = data(await client.call_tool("lipsync", {"video": VIDEO, "target_language": THREE}))
    assert len(asked) == 1 and "these 3 lipsync-2 generations" in asked[0]
    made = creates(api)
    assert [r.body["dubParams"]["targetLang"] for r in made] == THREE
    assert len({r.idempotency_key for r in made}) == 3
    outcomes = result["languages"]
    assert [o["language"] for o in outcomes] == THREE
    assert all(o["status"] == "COMPLETED" and o["outputUrl"] and o["id"] for o in outcomes)
    assert len({o["id"] for o in outcomes}) == 3
    assert result["asked"][:3] == [f"dubbed to: {code}, a generation of its own" for code in THREE]
    assert result["estimatedCostUsd"] > 0


async def test_a_retry_after_a_dropped_reply_creates_no_language_twice(client: Client, api: SandboxServer) -> None:
    api.state.script_fault(
        ScriptedFault(status=None, drop=True, after_handling=True, method="POST", path="/v2/generate")
    )
    args = {"video": VIDEO, "target_language": THREE, "idempotencyKey": "dub-three-1", "wait": False}
    first = data(await client.call_tool("lipsync", args))
    again = data(await client.call_tool("lipsync", args))
    assert api.state.generation_count() == 3
    assert [o["id"] for o in first["languages"]] == [o["id"] for o in again["languages"]]


async def test_one_language_refused_by_the_api_keeps_the_others_and_says_why(
    client: Client, api: SandboxServer
) -> None:
    api.state.script_fault(
        ScriptedFault(status=422, error_code="generation_input_video_inaccessible", method="POST", path="/v2/generate")
    )
    result = data(await client.call_tool("lipsync", {"video": VIDEO, "target_language": THREE, "wait": False}))
    failed, *kept = result["languages"]
    assert failed["language"] == "es" and failed["status"] == "CREATE_FAILED"
    assert failed["error"]["errorCode"] == "generation_input_video_inaccessible"
    assert [o["language"] for o in kept] == ["fr", "de"] and all(o["id"] for o in kept)
    assert "es: generation_input_video_inaccessible" in result["nextStep"]
    assert api.state.generation_count() == 2


async def test_a_bad_language_in_the_list_is_refused_before_anything_is_sent(
    client: Client, api: SandboxServer
) -> None:
    refused = error(await client.call_tool("lipsync", {"video": VIDEO, "target_language": ["es", "xx-nope"]}))
    assert refused["field"].startswith("target_language")
    assert creates(api) == []


async def test_progress_runs_across_every_language(client: Client, api: SandboxServer) -> None:
    seen: list[tuple[float, str]] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, message or ""))

    await client.call_tool("lipsync", {"video": VIDEO, "target_language": THREE}, progress_callback=progress)
    messages = " | ".join(m for _, m in seen)
    assert all(f"create: {code} is generation" in messages for code in THREE)
    assert "(3 of 3 done)" in messages
    assert [v for v, _ in seen] == sorted(v for v, _ in seen)


async def test_a_client_taking_tasks_still_gets_every_language_in_one_result(api: SandboxServer) -> None:
    tasks = TasksClient()
    async with Client(build_server(make_settings(api)), extensions=[tasks]) as client:
        result = data(await client.call_tool("lipsync", {"video": VIDEO, "target_language": THREE}))
    assert tasks.created == []
    assert [o["status"] for o in result["languages"]] == ["COMPLETED"] * 3
