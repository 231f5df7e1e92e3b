"""list_generations, delete_generation, estimate_cost and get_generation_cost through an MCP client, on both
protocol eras, against the sandbox over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import anyio
import pytest
from mcp import Client
from sync import Audio, Sync, Video

from sync_mcp.sandbox import SandboxServer

from ..conftest import AUDIO, BASIC, CATALOG, TEST_KEY, VIDEO, data, new_project, sent
from ..durations_support import BASIC_FRAMES, BASIC_USD

pytestmark = pytest.mark.anyio

UNKNOWN_ID = "2f1e0d4c-1b2a-4c3d-9e8f-0a1b2c3d4e5f"


def query(api: SandboxServer, path: str) -> dict[str, list[str]]:
    [request] = [r for r in sent(api, path) if r.path == path]
    return parse_qs(request.query)


async def create(client: Client, **extra: Any) -> str:
    result = await client.call_tool("create_generation", {**BASIC, **extra})
    assert not result.is_error, result.content
    return str(data(result)["id"])


async def finish(client: Client, generation_id: str) -> dict[str, Any]:
    with anyio.fail_after(20):
        done = data(await client.call_tool("get_generation", {"id": generation_id, "wait": True, "timeout": 15}))
    assert done["status"] in ("COMPLETED", "FAILED", "REJECTED")
    return done


# ----------------------------------------------------------------------------------------------- list


async def test_pages_newest_first_with_a_next_cursor(client: Client, api: SandboxServer) -> None:
    ids = [await create(client) for _ in range(3)]
    api.state.requests.clear()

    first = data(await client.call_tool("list_generations", {"limit": 2}))
    assert [g["id"] for g in first["generations"]] == [ids[2], ids[1]]
    assert first["count"] == 2
    assert first["nextCursor"] == ids[1], "a full page: the last id is the cursor"
    assert query(api, "/v2/generations") == {"limit": ["2"]}

    api.state.requests.clear()
    second = data(await client.call_tool("list_generations", {"limit": 2, "cursor": first["nextCursor"]}))
    assert [g["id"] for g in second["generations"]] == [ids[0]]
    assert "nextCursor" not in second, "a short page is the last one"
    assert query(api, "/v2/generations") == {"limit": ["2"], "cursor": [ids[1]]}


async def test_a_limit_is_always_sent(client: Client, api: SandboxServer) -> None:
    await create(client)
    api.state.requests.clear()
    page = data(await client.call_tool("list_generations", {}))
    assert page["count"] == 1
    assert query(api, "/v2/generations")["limit"] == ["20"]

    api.state.requests.clear()
    nulls = {"status": None, "ids": None, "projectId": None, "cursor": None}
    assert data(await client.call_tool("list_generations", nulls))["count"] == 1, "explicit nulls mean no filter"
    assert query(api, "/v2/generations") == {"limit": ["20"]}


async def test_filters_by_status_ids_and_project(client: Client, api: SandboxServer) -> None:
    done_id = await create(client)
    await finish(client, done_id)
    project = await new_project(client)
    in_project = await create(client, projectId=project)
    running = await create(client)

    completed = data(await client.call_tool("list_generations", {"status": ["COMPLETED"]}))
    assert [g["id"] for g in completed["generations"]] == [done_id]
    (item,) = completed["generations"]
    assert item["inputs"] == ["video speaker.mp4", "audio line.wav"], "what identifies it: its inputs' names"
    assert item["model"] == "lipsync-2" and item["status"] == "COMPLETED" and item["createdAt"]
    assert "outputUrl" not in item, "the signed URL is get_generation's"

    active = data(await client.call_tool("list_generations", {"status": ["PENDING", "PROCESSING"]}))
    assert {g["id"] for g in active["generations"]} == {in_project, running}

    by_ids = data(await client.call_tool("list_generations", {"ids": [done_id, running]}))
    assert {g["id"] for g in by_ids["generations"]} == {done_id, running}

    by_project = data(await client.call_tool("list_generations", {"projectId": project}))
    assert [g["id"] for g in by_project["generations"]] == [in_project]
    assert by_project["generations"][0]["projectId"] == project

    api.state.requests.clear()
    await client.call_tool("list_generations", {"status": ["FAILED", "REJECTED"], "ids": [done_id]})
    assert query(api, "/v2/generations") == {"status": ["FAILED,REJECTED"], "ids": [done_id], "limit": ["20"]}


async def test_a_text_input_is_named_by_its_script_and_voice(client: Client, api: SandboxServer) -> None:
    script = "Welcome to the quarterly review of our product line and its prospects."
    text = {"type": "text", "provider": {"name": "elevenlabs", "voiceId": "voice-7", "script": script}}
    gid = await create(client, input=[BASIC["input"][0], text])
    (item,) = data(await client.call_tool("list_generations", {"ids": [gid]}))["generations"]
    assert item["inputs"] == ["video speaker.mp4", 'text "Welcome to the quarterly review of our …" (voice voice-7)']


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"status": ["DONE"]}, "status"),
        ({"ids": ["not-a-uuid"]}, "id"),
        ({"projectId": "my project"}, "projectId"),
        ({"cursor": "../x"}, "id"),
    ],
)
async def test_bad_list_arguments_cost_nothing(
    client: Client, api: SandboxServer, arguments: dict[str, Any], field: str
) -> None:
    result = await client.call_tool("list_generations", arguments)
    err = data(result)
    assert result.is_error
    assert err["httpStatus"] is None, "nothing was sent"
    assert field in err["field"] and err["fix"]
    assert sent(api) == []


# ----------------------------------------------------------------------------------------------- delete


async def test_a_running_generation_cannot_be_deleted(client: Client, api: SandboxServer) -> None:
    generation_id = await create(client)
    result = await client.call_tool("delete_generation", {"id": generation_id})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "generation_not_deletable_while_processing"
    assert err["httpStatus"] == 409
    assert err["fix"] == CATALOG["generation_not_deletable_while_processing"].fix
    assert err["retryable"] is False
    assert api.state.get(generation_id) is not None


async def test_a_finished_generation_is_deleted(client: Client, api: SandboxServer) -> None:
    generation_id = await create(client)
    await finish(client, generation_id)
    deleted = data(await client.call_tool("delete_generation", {"id": generation_id}))
    assert deleted == {"id": generation_id, "status": "COMPLETED", "deleted": True}
    assert [r.method for r in sent(api, "/v2/generations/")] == ["DELETE"]

    gone = data(await client.call_tool("get_generation", {"id": generation_id}))
    assert gone["errorCode"] == "generation_not_found"
    again = await client.call_tool("delete_generation", {"id": generation_id})
    assert again.is_error and data(again)["httpStatus"] == 404


async def test_delete_refuses_a_malformed_id_locally(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("delete_generation", {"id": "abc/../def"})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "invalid_generation_id"
    assert sent(api) == []


async def test_delete_is_annotated_destructive_and_idempotent(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    hints = tools["delete_generation"].annotations
    assert hints is not None and hints.destructive_hint is True and hints.idempotent_hint is True
    assert "409" in (tools["delete_generation"].description or "")
    assert tools["list_generations"].annotations.read_only_hint is True  # type: ignore[union-attr]


# ----------------------------------------------------------------------------------------------- estimate


async def test_estimate_from_model_and_duration(client: Client, api: SandboxServer) -> None:
    result = data(await client.call_tool("estimate_cost", {"model": "lipsync-2", "duration": 10}))
    assert result["endpoint"] == "POST /v2/generations/estimate"
    assert result["estimatedCostUsd"] == pytest.approx(0.60)
    assert result["estimatedFrameCount"] == 300

    api.state.requests.clear()
    args = {"model": "sync-3", "duration": 4, "fps": 25, "reasoningEnabled": True}
    priced = data(await client.call_tool("estimate_cost", args))
    assert priced["estimatedFrameCount"] == 100
    assert priced["estimatedCostUsd"] == pytest.approx(100 * 0.133 / 25)
    [request] = sent(api, "/v2/generations/estimate")
    assert request.body == args
    assert api.state.generation_count() == 0


async def test_estimate_from_a_create_body_uses_the_legacy_endpoint(client: Client, api: SandboxServer) -> None:
    result = data(await client.call_tool("estimate_cost", {"body": BASIC}))
    assert result["endpoint"] == "POST /v2/analyze/cost"
    assert result["estimatedCostUsd"] == pytest.approx(BASIC_USD)  # as long as BASIC's audio
    assert result["estimatedFrameCount"] == BASIC_FRAMES
    [request] = sent(api, "/v2/analyze/cost")
    assert request.body == BASIC
    assert api.state.generation_count() == 0


async def test_an_unpriced_model_gets_the_catalog_code(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("estimate_cost", {"model": "react-1", "duration": 5})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "cost_estimate_unavailable"
    assert err["httpStatus"] == 422
    assert err["fix"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "model"),
        ({"model": "lipsync-2"}, "duration"),
        ({"duration": 3}, "model"),
        ({"model": "lipsync-2", "duration": 0}, "duration"),
        ({"model": "lipsync-2", "duration": 3, "fps": -1}, "fps"),
        ({"model": "", "duration": 3}, "model"),  # an unknown id is sent: test_documented_rules
        ({"body": BASIC, "model": "lipsync-2"}, "body"),
        ({"body": {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}]}}, "input"),
    ],
)
async def test_bad_estimate_arguments_cost_nothing(
    client: Client, api: SandboxServer, arguments: dict[str, Any], field: str
) -> None:
    result = await client.call_tool("estimate_cost", arguments)
    err = data(result)
    assert result.is_error
    assert field in (err.get("field") or ""), err
    assert err["fix"]
    assert sent(api) == []


async def test_syncsdk_parses_the_legacy_estimate(api: SandboxServer) -> None:
    sdk = Sync(base_url=api.base_url, api_key=TEST_KEY)
    items = await anyio.to_thread.run_sync(
        lambda: sdk.generations.estimate_cost(model="lipsync-2", input=[Video(url=VIDEO), Audio(url=AUDIO)])
    )
    assert len(items) == 1
    assert items[0].estimated_frame_count == BASIC_FRAMES
    assert items[0].estimated_generation_cost == pytest.approx(BASIC_USD)


# ----------------------------------------------------------------------------------------------- recorded costs


async def test_recorded_costs_pending_then_complete(client: Client, api: SandboxServer) -> None:
    generation_id = await create(client)
    pending = data(await client.call_tool("get_generation_cost", {"id": generation_id}))
    assert pending["availability"] == "pending"
    assert pending.get("totalCostUsd") is None
    assert pending["retryAfterSeconds"] >= 1
    assert str(pending["retryAfterSeconds"]) in pending["nextStep"]

    await finish(client, generation_id)
    final = data(await client.call_tool("get_generation_cost", {"id": generation_id}))
    assert final["availability"] == "complete"
    assert final["generationStatus"] == "COMPLETED"
    assert final["currency"] == "USD"
    charged = f"{BASIC_USD:.4f}"  # the output lasts as long as BASIC's audio, charged per frame
    assert final["totalCostUsd"] == charged
    assert final["components"] == [
        {"type": "lipsync", "availability": "complete", "costUsd": charged, "frameCount": BASIC_FRAMES}
    ]
    assert final["nextStep"].startswith("Final")
    assert sent(api, f"/v2/generate/{generation_id}/costs")


async def test_costs_of_an_unknown_generation(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("get_generation_cost", {"id": UNKNOWN_ID})
    assert result.is_error
    assert data(result)["errorCode"] == "generation_not_found"
