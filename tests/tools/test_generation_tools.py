"""create_generation / get_generation through a real MCP client, against the sandbox over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anyio
import httpx
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxConfig, SandboxServer
from sync_mcp.server import build_server

from ..conftest import AUDIO, BASIC, CATALOG, TEST_KEY, VIDEO, data, error, make_settings, new_project, sent

pytestmark = pytest.mark.anyio


async def test_create_then_wait_to_completion(client: Client, api: SandboxServer) -> None:
    created_result = await client.call_tool("create_generation", BASIC)
    created = data(created_result)
    assert not created_result.is_error
    assert created["status"] == "PENDING"
    assert created["model"] == "lipsync-2"
    assert "get_generation" in created["nextStep"]
    assert [c.type for c in created_result.content] == ["text", "resource_link"]
    assert created_result.content[1].uri == f"sync://generations/{created['id']}"

    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    with anyio.fail_after(20):
        done = data(
            await client.call_tool(
                "get_generation", {"id": created["id"], "wait": True, "timeout": 15}, progress_callback=on_progress
            )
        )
    assert done["status"] == "COMPLETED"
    assert done.get("waitTimedOut") is False
    assert progress, "a wait reports progress on every poll"
    values = [v for v, _ in progress]
    assert values == sorted(set(values)), "progress must strictly increase"
    assert progress[-1][1] is not None and "COMPLETED" in progress[-1][1]

    # outputUrl is the API's string byte for byte (a signed URL must not be re-encoded).
    raw = httpx.get(f"{api.base_url}/v2/generate/{created['id']}", headers={"x-api-key": TEST_KEY}).json()
    assert done["outputUrl"] == raw["outputUrl"]
    assert "%2F" in raw["outputUrl"]
    assert httpx.get(done["outputUrl"]).status_code == 200  # fetched without the key


async def test_wait_uses_the_api_long_poll(client: Client, api: SandboxServer) -> None:
    created = data(await client.call_tool("create_generation", BASIC))
    await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15})
    polls = [r for r in sent(api, "/v2/generate/") if r.method == "GET"]
    assert 1 <= len(polls) <= 2, "one long-poll should see the job through"
    assert all("wait=true" in r.query for r in polls)


async def test_failed_generation_carries_the_catalog_fix(client: Client, api: SandboxServer) -> None:
    failing = {
        "model": "lipsync-2",
        "input": [
            {"type": "video", "url": VIDEO},
            {"type": "audio", "url": AUDIO + "?sandbox_fail=generation_input_audio_invalid"},
        ],
    }
    created = data(await client.call_tool("create_generation", failing))
    result = await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15})
    failed = data(result)
    assert not result.is_error  # the call worked; the job failed
    assert failed["status"] == "FAILED"
    assert failed["errorCode"] == "generation_input_audio_invalid"
    assert failed["fix"] == CATALOG["generation_input_audio_invalid"].fix
    assert failed["retryable"] is False
    assert "create_generation" in failed["nextStep"]


async def test_idempotency_key_is_sent_reused_and_returned(client: Client, api: SandboxServer) -> None:
    first = data(await client.call_tool("create_generation", {**BASIC, "idempotencyKey": "order-42.take_1"}))
    again = data(await client.call_tool("create_generation", {**BASIC, "idempotencyKey": "order-42.take_1"}))
    assert first["id"] == again["id"]
    assert first["idempotencyKey"] == "order-42.take_1"
    creates = [r for r in sent(api, "/v2/generate") if r.method == "POST"]
    assert [r.idempotency_key for r in creates] == ["order-42.take_1", "order-42.take_1"]
    assert api.state.generation_count() == 1


async def test_a_key_is_minted_per_create(client: Client, api: SandboxServer) -> None:
    a = data(await client.call_tool("create_generation", BASIC))
    b = data(await client.call_tool("create_generation", BASIC))
    assert a["id"] != b["id"]
    creates = [r for r in sent(api, "/v2/generate") if r.method == "POST"]
    keys = [r.idempotency_key for r in creates]
    assert len(set(keys)) == 2 and all(keys)
    assert a["idempotencyKey"] == keys[0]


async def test_unknown_generation_is_a_structured_error(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("get_generation", {"id": "2f1e0d4c-1b2a-4c3d-9e8f-0a1b2c3d4e5f"})
    assert result.is_error
    err = data(result)
    assert err["errorCode"] == "generation_not_found"
    assert err["httpStatus"] == 404
    assert err["retryable"] is False
    assert err["fix"]
    assert result.content[0].type == "text" and '"errorCode"' in result.content[0].text


async def test_missing_key_is_explained_and_nothing_is_sent(api: SandboxServer) -> None:
    settings = make_settings(api, SYNC_API_KEY="")
    async with Client(build_server(settings)) as c:
        result = await c.call_tool("create_generation", BASIC)
        tools = (await c.list_tools()).tools
    assert tools, "the server lists its tools without a key"
    assert result.is_error
    err = data(result)
    assert err["errorCode"] == "missing_api_key"
    assert "SYNC_API_KEY" in err["fix"]
    assert sent(api) == []


async def test_ignored_options_come_back_as_warnings(client: Client) -> None:
    body = {
        "model": "sync-3",
        "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}],
        "options": {"temperature": 0.7, "occlusion_detection_enabled": True},
    }
    created = data(await client.call_tool("create_generation", body))
    assert created["warnings"] == [
        "options.occlusion_detection_enabled is ignored by sync-3",
        "options.temperature is ignored by sync-3",
    ]


async def test_tools_declare_output_schemas_and_honest_annotations(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert {"create_generation", "get_generation", "list_error_codes"} <= set(tools)
    for tool in tools.values():
        assert tool.output_schema is not None, tool.name
        # Every tool reaches the API: openWorldHint is left at its default, which is true.
        assert tool.annotations is not None and tool.annotations.open_world_hint in (None, True)
        assert tool.description and len(tool.description) > 40
    # A status the API adds tomorrow must pass the host's output-schema check: the schema names no enum, only
    # that every result carries a status.
    assert "status" in tools["get_generation"].output_schema["required"]
    assert "enum" not in json.dumps(tools["get_generation"].output_schema)
    assert tools["get_generation"].annotations.read_only_hint is True
    assert tools["list_error_codes"].annotations.read_only_hint is True
    create = tools["create_generation"]
    assert create.annotations.read_only_hint is False and create.annotations.destructive_hint is False
    assert set(create.input_schema["properties"]) == {
        "model", "input", "options", "segments", "webhookUrl", "outputFileName", "dubParams", "projectId",
        "dialogueEdit", "idempotencyKey",
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------- slow jobs


@pytest.fixture(scope="module")
def slow_api() -> Iterator[SandboxServer]:
    """A sandbox whose jobs take a minute, and one that ignores the long-poll (answers at once)."""
    with SandboxServer(SandboxConfig(api_key=TEST_KEY, pending_seconds=1, processing_seconds=60)) as server:
        yield server


async def test_wait_timeout_returns_the_id_and_status_not_an_error(slow_api: SandboxServer, mode: str) -> None:
    slow_api.state.reset()
    async with Client(build_server(make_settings(slow_api)), mode=mode) as c:  # type: ignore[arg-type]
        created = data(await c.call_tool("create_generation", BASIC))
        with anyio.fail_after(10):
            result = await c.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 2})
    assert not result.is_error
    current = data(result)
    assert current["id"] == created["id"]
    assert current["status"] in ("PENDING", "PROCESSING")
    assert current["waitTimedOut"] is True
    assert "get_generation" in current["nextStep"] and "nothing is lost" in current["nextStep"]


async def test_cancelling_the_call_stops_the_wait(slow_api: SandboxServer, mode: str) -> None:
    slow_api.state.reset()
    slow_api.state.honor_wait = False  # polls answer at once, so a running wait would keep polling
    try:
        async with Client(build_server(make_settings(slow_api)), mode=mode) as c:  # type: ignore[arg-type]
            created = data(await c.call_tool("create_generation", BASIC))
            with anyio.move_on_after(1.6):
                await c.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 50})
            await anyio.sleep(0.2)
            polls_at_cancel = len([r for r in sent(slow_api, "/v2/generate/") if r.method == "GET"])
            await anyio.sleep(3.5)  # the backoff would have polled at about t=3 s and t=7 s
            polls_later = len([r for r in sent(slow_api, "/v2/generate/") if r.method == "GET"])
    finally:
        slow_api.state.honor_wait = True
    assert polls_at_cancel >= 2, "the wait was polling (with backoff) before the cancel"
    assert polls_later == polls_at_cancel, "no poll after the request was cancelled"
    assert slow_api.state.generation_count() == 1, "cancelling a wait never touches the job"


async def test_unknown_project_is_refused_by_the_api_with_its_fix(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("create_generation", {**BASIC, "projectId": "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"})
    err = error(result)
    assert (err["errorCode"], err["httpStatus"], err["field"]) == ("project_not_found", 422, "projectId")
    assert err["fix"] == CATALOG["project_not_found"].fix
    assert api.state.generation_count() == 0
    project = await new_project(client)
    assert not (await client.call_tool("create_generation", {**BASIC, "projectId": project})).is_error
