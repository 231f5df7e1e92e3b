"""The error catalog: live fetch without the key, TTL cache, bundled fallback, unknown codes."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from sync_mcp.api import SyncAPIError, SyncClient
from sync_mcp.api.catalog import load_bundled_catalog
from sync_mcp.guidance.catalog import ErrorCatalog, status_hint
from sync_mcp.guidance.errors import explain
from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY

pytestmark = pytest.mark.anyio

BUNDLED = {e.code: e for e in load_bundled_catalog()}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeFetch:
    def __init__(self, payload: Any = None, fail: bool = False) -> None:
        self.calls = 0
        self.payload = payload if payload is not None else [{"code": "x_code", "message": "X", "suggestion": "Do X"}]
        self.fail = fail

    async def __call__(self) -> Any:
        self.calls += 1
        if self.fail:
            raise SyncAPIError(http_status=500, error_code="internal_error", message="down")
        return self.payload


async def test_live_catalog_is_fetched_without_the_key(api: SandboxServer) -> None:
    async with SyncClient(TEST_KEY, base_url=api.base_url) as client:
        catalog = ErrorCatalog(client.error_codes.list)
        entries, source = await catalog.entries()
    assert source == "live"
    assert {e.code for e in entries} >= set(BUNDLED)
    [request] = [r for r in api.state.requests if r.path == "/v2/errors"]
    assert request.has_api_key is False, "GET /v2/errors is unauthenticated: the key must not be sent"


async def test_cache_respects_ttl() -> None:
    clock, fetch = Clock(), FakeFetch()
    catalog = ErrorCatalog(fetch, ttl=60, clock=clock)
    assert (await catalog.lookup("x_code")).fix == "Do X"
    await catalog.lookup("x_code")
    clock.now += 59
    await catalog.entries()
    assert fetch.calls == 1
    clock.now += 2
    await catalog.entries()
    assert fetch.calls == 2


async def test_falls_back_to_the_bundle_and_retries_later() -> None:
    clock, fetch = Clock(), FakeFetch(fail=True)
    catalog = ErrorCatalog(fetch, ttl=3600, retry_after_failure=30, clock=clock)
    entries, source = await catalog.entries()
    assert source == "bundled" and len(entries) == len(BUNDLED)
    assert (await catalog.lookup("concurrency_limit_reached")).fix == BUNDLED["concurrency_limit_reached"].fix
    assert fetch.calls == 1, "a dead catalog is not asked again on every lookup"
    clock.now += 31
    fetch.fail = False
    _, source = await catalog.entries()
    assert source == "live" and fetch.calls == 2


async def test_unreachable_api_uses_the_bundle() -> None:
    async with SyncClient(None, base_url="http://127.0.0.1:9") as client:  # nothing listens on port 9
        entries, source = await ErrorCatalog(client.error_codes.list).entries()
    assert source == "bundled" and len(entries) == len(BUNDLED)


async def test_envelope_shape_is_tolerated() -> None:
    fetch = FakeFetch(payload={"errors": [{"code": "y_code", "message": "Y", "suggestion": "Do Y"}]})
    catalog = ErrorCatalog(fetch)
    assert (await catalog.lookup("y_code")).fix == "Do Y"
    _, source = await catalog.entries()
    assert source == "live"


async def test_unknown_codes_get_a_status_based_hint_and_body_suggestion_wins() -> None:
    catalog = ErrorCatalog(FakeFetch())
    unknown = await explain(SyncAPIError(http_status=429, error_code="brand_new_code", message="slow down"), catalog)
    assert unknown.error_code == "brand_new_code"
    assert unknown.fix == status_hint(429)
    assert unknown.retryable is True
    own = await explain(
        SyncAPIError(http_status=422, error_code="x_code", message="m", suggestion="Use the body's own advice"), catalog
    )
    assert own.fix == "Use the body's own advice"
    no_code = await explain(SyncAPIError(http_status=401, error_code=None, message="Unauthorized"), catalog)
    assert no_code.error_code == "unauthorized" and "SYNC_API_KEY" in no_code.fix


async def test_list_error_codes_tool(client: Client) -> None:
    one = (await client.call_tool("list_error_codes", {"code": "concurrency_limit_reached"})).structured_content
    assert one["source"] == "live" and one["count"] == 1
    [entry] = one["entries"]
    assert entry["fix"] == BUNDLED["concurrency_limit_reached"].fix
    assert entry["category"] == "rate_limit" and entry["httpStatus"] == 429
    found = (await client.call_tool("list_error_codes", {"search": "audio inaccessible"})).structured_content
    assert "generation_input_audio_inaccessible" in {e["code"] for e in found["entries"]}
    everything = (await client.call_tool("list_error_codes", {})).structured_content
    assert everything["count"] >= len(BUNDLED)
    none = (await client.call_tool("list_error_codes", {"code": "no_such_code"})).structured_content
    assert none["count"] == 0 and 'no entry for errorCode "no_such_code"' in none["hint"]
