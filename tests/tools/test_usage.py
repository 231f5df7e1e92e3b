"""The usage toolset through a real MCP client against the sandbox: spending over a time range (paged, with
totals), generation counts with their filters, and the API check (health, key, clock)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import BASIC, TEST_KEY, data, error, make_settings, sent

pytestmark = pytest.mark.anyio


async def finished(client: Client, count: int, body: dict[str, Any] = BASIC) -> list[str]:
    """`count` generations created and followed to COMPLETED."""
    ids = []
    for _ in range(count):
        created = data(await client.call_tool("create_generation", body))
        done = data(await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 30}))
        assert done["status"] == "COMPLETED"
        ids.append(done["id"])
    return ids


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


# ----------------------------------------------------------------------------------------------- get_usage


async def test_usage_defaults_to_this_month_and_totals_the_page(client: Client, api: SandboxServer) -> None:
    ids = await finished(client, 2)
    usage = data(await client.call_tool("get_usage", {}))
    now = datetime.now(timezone.utc)
    assert usage["startTime"] == iso(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    assert [i["generationId"] for i in usage["items"]] == ids  # oldest first
    assert usage["count"] == 2 and usage["unpricedCount"] == 0 and usage["unpriced"] == []
    assert "nextCursor" not in usage
    assert Decimal(usage["knownTotalUsd"]) == sum(Decimal(i["totalCostUsd"]) for i in usage["items"]) > 0
    assert usage["totalCostUsd"] == usage["knownTotalUsd"]
    assert all(i["model"] == "lipsync-2" and i["finishedAt"] for i in usage["items"])
    [request] = [r for r in sent(api, "/v2/usage/generations")]
    assert "startTime=" in request.query and "endTime=" in request.query


async def test_usage_pages_with_the_cursor(client: Client, api: SandboxServer) -> None:
    ids = await finished(client, 3)
    start = iso(datetime.now(timezone.utc) - timedelta(hours=1))
    end = iso(datetime.now(timezone.utc) + timedelta(hours=1))
    first = data(await client.call_tool("get_usage", {"startTime": start, "endTime": end, "limit": 2}))
    assert [i["generationId"] for i in first["items"]] == ids[:2]
    assert first["nextCursor"] and "cursor=" in first["nextStep"]
    arguments = {"startTime": start, "endTime": end, "limit": 2, "cursor": first["nextCursor"]}
    second = data(await client.call_tool("get_usage", arguments))
    assert [i["generationId"] for i in second["items"]] == ids[2:] and "nextCursor" not in second


async def test_usage_outside_the_range_is_empty(client: Client) -> None:
    await finished(client, 1)
    usage = data(await client.call_tool("get_usage", {"startTime": "2020-01-01", "endTime": "2020-02-01"}))
    assert usage["items"] == [] and usage["knownTotalUsd"] == "0" and usage["totalCostUsd"] == "0"


TEXT = {"type": "text", "provider": {"name": "elevenlabs", "voiceId": "voice-1", "script": "Hello there"}}
SPOKEN = {"model": "lipsync-2", "input": [BASIC["input"][0], TEXT]}
DUBBED = {"model": "lipsync-2", "input": [BASIC["input"][0]], "dubParams": {"targetLang": "es"}}


async def test_usage_and_generation_costs_give_one_spending_answer(client: Client) -> None:
    """Partial generations (a speech or dubbing part without a price) count with their known lip-sync part, in
    get_usage exactly as in get_generation_cost, and each missing part is named with the API's reason."""
    ids = [*await finished(client, 1), *await finished(client, 1, SPOKEN), *await finished(client, 1, DUBBED)]
    usage = data(await client.call_tool("get_usage", {}))
    assert [i["generationId"] for i in usage["items"]] == ids
    costs = [data(await client.call_tool("get_generation_cost", {"id": gid})) for gid in ids]
    assert Decimal(usage["knownTotalUsd"]) == sum(Decimal(c["knownSubtotalUsd"]) for c in costs)
    assert all(Decimal(c["knownSubtotalUsd"]) > 0 for c in costs)  # the lip-sync part of each is known
    missing = [
        {"generationId": c["generationId"], "part": part["type"], "availability": part["availability"]}
        for c in costs
        for part in c["components"]
        if "costUsd" not in part
    ]
    assert (
        usage["unpriced"]
        == missing
        == [
            {"generationId": ids[1], "part": "speech_synthesis", "availability": "unavailable"},
            {"generationId": ids[2], "part": "dubbing", "availability": "unavailable"},
        ]
    )
    assert usage["unpricedCount"] == 2 and "unavailable" in usage["nextStep"]
    # The total is unknown on both sides, and said so with an explicit null.
    assert usage["totalCostUsd"] is None
    assert [i["totalCostUsd"] for i in usage["items"]] == [c["totalCostUsd"] for c in costs]
    assert [c["totalCostUsd"] for c in costs][1:] == [None, None] and costs[0]["totalCostUsd"]


async def test_an_inverted_range_is_refused_before_sending(client: Client, api: SandboxServer) -> None:
    failure = error(await client.call_tool("get_usage", {"startTime": "2026-02-01", "endTime": "2026-01-01"}))
    assert failure["field"] == "endTime" and "after startTime" in failure["message"]
    assert sent(api, "/v2/usage") == []


# ----------------------------------------------------------------------------------------------- counts


async def test_count_generations_with_filters(api: SandboxServer) -> None:
    api.config.extra_api_keys = ("sk-test-colleague",)
    try:
        async with Client(build_server(make_settings(api))) as mine:
            await finished(mine, 2)
        async with Client(build_server(make_settings(api, SYNC_API_KEY="sk-test-colleague"))) as theirs:
            await finished(theirs, 1)
            count = data(await theirs.call_tool("count_generations", {}))
            assert count == {"count": 3}
            own = data(await theirs.call_tool("count_generations", {"currentUserOnly": True}))
            assert own == {"count": 1}
            assert data(await theirs.call_tool("count_generations", {"status": ["PENDING"]})) == {"count": 0}
            # This server labels its requests x-sync-source: mcp.
            assert data(await theirs.call_tool("count_generations", {"generationSource": ["mcp"]})) == {"count": 3}
            assert data(await theirs.call_tool("count_generations", {"generationSource": ["ios"]})) == {"count": 0}
    finally:
        api.config.extra_api_keys = ()
    [request, *_] = sent(api, "/v2/generations/count")
    assert request.query == ""


async def test_count_refuses_an_unknown_status_before_sending(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("count_generations", {"status": ["DONE"]})
    assert result.is_error and sent(api, "/v2/generations/count") == []


# ----------------------------------------------------------------------------------------------- check_api


async def test_check_api_passes_against_the_sandbox(client: Client) -> None:
    status = data(await client.call_tool("check_api", {}))
    assert status["ok"] is True
    assert [c["name"] for c in status["checks"]] == ["API reachable and healthy", "API key accepted", "clock"]
    assert TEST_KEY not in str(status)


async def test_check_api_names_what_fails_and_the_fix(api: SandboxServer) -> None:
    api.config.healthy = False
    try:
        async with Client(build_server(make_settings(api, SYNC_API_KEY="sk-test-revoked"))) as c:
            status = data(await c.call_tool("check_api", {}))
    finally:
        api.config.healthy = True
    assert status["ok"] is False
    health, key, _ = status["checks"]
    assert health["ok"] is False and "503" in health["detail"] and health["fix"]
    assert key["ok"] is False and "refused the key" in key["detail"] and "sync.so/keys" in key["fix"]
    assert "sk-test-revoked" not in str(status)
