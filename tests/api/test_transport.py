"""The API client's connection pools (`ShardedTransport`): light traffic stays on one warm connection,
concurrent long-polls spread over small pools and all get answered, and the pools shrink back when idle."""

from __future__ import annotations

import anyio
import httpx
import pytest

from sync_mcp.api import SyncClient
from sync_mcp.api.transport import ShardedTransport
from sync_mcp.sandbox import SandboxServer

from ..conftest import BASIC, TEST_KEY

pytestmark = pytest.mark.anyio


async def _create(client: SyncClient) -> str:
    return (await client.request_json("POST", "/v2/generate", json=BASIC))["id"]


async def test_sequential_requests_reuse_one_pool(api: SandboxServer) -> None:
    transport = ShardedTransport(shard_size=1, max_shards=8)
    async with SyncClient(TEST_KEY, base_url=api.base_url, transport=transport) as client:
        gid = await _create(client)
        for _ in range(5):
            assert (await client.generations.get(gid)).id == gid
        assert transport.shard_count == 1


async def test_concurrent_long_polls_all_answer_beyond_the_shard_limit(api: SandboxServer) -> None:
    transport = ShardedTransport(shard_size=1, max_shards=3)
    async with SyncClient(TEST_KEY, base_url=api.base_url, transport=transport) as client:
        ids = [await _create(client) for _ in range(6)]
        statuses: list[str] = []

        async def wait(gid: str) -> None:
            statuses.append((await client.generations.get(gid, wait=True, timeout=5)).status)

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for gid in ids:
                    tg.start_soon(wait, gid)
        assert statuses == ["COMPLETED"] * 6
        assert transport.shard_count == 3  # six held requests, three pools of one: the rest queued
    polls = [r for r in api.state.requests if r.method == "GET" and "wait=true" in r.query]
    assert len(polls) == 6


async def test_idle_pools_close_after_the_keepalive_expiry(api: SandboxServer) -> None:
    transport = ShardedTransport(shard_size=1, max_shards=8, keepalive_expiry=0.0)
    async with SyncClient(TEST_KEY, base_url=api.base_url, transport=transport) as client:
        ids = [await _create(client) for _ in range(4)]
        async with anyio.create_task_group() as tg:
            for gid in ids:
                tg.start_soon(lambda g: client.generations.get(g, wait=True, timeout=5), gid)
        assert transport.shard_count == 4
        await client.generations.get(ids[0])
        assert transport.shard_count == 1


async def test_a_failed_request_frees_its_slot(api: SandboxServer) -> None:
    transport = ShardedTransport(shard_size=1, max_shards=4)
    async with SyncClient(TEST_KEY, base_url=api.base_url, transport=transport) as client:
        with pytest.raises(httpx.TransportError):  # a closed port
            await client.http.get("http://127.0.0.1:9/")
        gid = await _create(client)
        assert (await client.generations.get(gid)).id == gid
        assert transport.shard_count == 1  # a slot still taken by the failure would have opened a second pool
