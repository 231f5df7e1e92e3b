"""The active-jobs stream (`GET /v2/usage/active-jobs/stream`): the sandbox's server-sent events, and waits that
follow several generations at once through one stream instead of a long-poll each, falling back to long-polls
when the stream fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from sync_mcp.api import SyncClient
from sync_mcp.api.resources.usage import STREAM_PATH
from sync_mcp.sandbox import SandboxConfig, SandboxServer
from sync_mcp.server import build_server

from ..conftest import BASIC, TEST_KEY, data, make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def slow() -> Iterator[SandboxServer]:
    """Jobs of 3.2 s: longer than the first long-poll window (2 s), so a wait outlives its first poll."""
    with SandboxServer(SandboxConfig(api_key=TEST_KEY, pending_seconds=0.2, processing_seconds=3.0)) as server:
        yield server


@pytest.fixture
def api_slow(slow: SandboxServer) -> SandboxServer:
    slow.state.reset()
    return slow


def create(api: SandboxServer) -> str:
    reply = httpx.post(f"{api.base_url}/v2/generate", json=BASIC, headers={"x-api-key": TEST_KEY})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def reads_of(api: SandboxServer, generation_id: str) -> list[str]:
    """The query of every read of one generation, in order ('' for a plain read)."""
    return [r.query for r in api.state.requests if r.method == "GET" and r.path == f"/v2/generate/{generation_id}"]


def streams(api: SandboxServer) -> list[Any]:
    return [r for r in api.state.requests if r.path == STREAM_PATH]


# ----------------------------------------------------------------------------------------------- the stream


async def test_the_stream_sends_a_snapshot_then_each_change(api_slow: SandboxServer) -> None:
    first = create(api_slow)
    seen: list[tuple[str, str]] = []
    async with SyncClient(TEST_KEY, base_url=api_slow.base_url) as client:
        with anyio.fail_after(30):
            async for event in client.usage.active_jobs():
                if event.jobs is not None:
                    assert [job.id for job in event.jobs] == [first]
                    second = create(api_slow)
                    continue
                assert event.job is not None
                seen.append((event.job.id, event.job.status))
                if (second, "COMPLETED") in seen:
                    break
    assert [s for g, s in seen if g == first] == ["PROCESSING", "COMPLETED"]
    assert [s for g, s in seen if g == second] == ["PENDING", "PROCESSING", "COMPLETED"]


def test_the_stream_needs_the_key(api_slow: SandboxServer) -> None:
    reply = httpx.get(f"{api_slow.base_url}{STREAM_PATH}")
    assert reply.status_code == 401


# ----------------------------------------------------------------------------------------------- waits


async def follow_all(client: Client, ids: list[str]) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    progress: dict[str, list[str | None]] = {gid: [] for gid in ids}

    async def follow(gid: str) -> None:
        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            progress[gid].append(message)

        result = await client.call_tool(
            "get_generation", {"id": gid, "wait": True, "timeout": 30}, progress_callback=on_progress
        )
        results[gid] = {**data(result), "progress": progress[gid]}

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for gid in ids:
                tg.start_soon(follow, gid)
    return results


async def test_several_waits_share_one_stream_and_read_each_job_once_done(api_slow: SandboxServer) -> None:
    ids = [create(api_slow) for _ in range(4)]
    async with Client(build_server(make_settings(api_slow))) as client:
        results = await follow_all(client, ids)
    assert all(r["status"] == "COMPLETED" and r["waitTimedOut"] is False for r in results.values())
    assert len(streams(api_slow)) == 1, "one stream for every wait"
    for gid in ids:
        reads = reads_of(api_slow, gid)
        assert reads[-1] == "", f"the end was seen in the stream and read once: {reads}"
        assert len([q for q in reads if "wait=true" in q]) <= 1, f"no long-poll once the stream was live: {reads}"
        assert any(m and "PROCESSING" in m for m in results[gid]["progress"]), "a change reported from the stream"


async def test_a_single_wait_long_polls(api_slow: SandboxServer) -> None:
    gid = create(api_slow)
    async with Client(build_server(make_settings(api_slow))) as client:
        done = data(await client.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 30}))
    assert done["status"] == "COMPLETED"
    assert streams(api_slow) == []
    # Long-polls, and between them the progress reads a lone wait makes while the job is PROCESSING.
    assert all("wait=true" in q or "include=progress" in q for q in reads_of(api_slow, gid))
    assert any("wait=true" in q for q in reads_of(api_slow, gid))


async def test_a_failing_stream_leaves_the_waits_to_long_polls(api_slow: SandboxServer) -> None:
    api_slow.state.script_fault(status=500, method="GET", path=STREAM_PATH, times=5)
    ids = [create(api_slow) for _ in range(3)]
    async with Client(build_server(make_settings(api_slow))) as client:
        results = await follow_all(client, ids)
    assert all(r["status"] == "COMPLETED" for r in results.values())
    assert len(streams(api_slow)) == 1, "a failed stream is not asked again at once"
    for gid in ids:  # long-polls again, with the progress reads of a wait that has no stream
        assert all("wait=true" in q or "include=progress" in q for q in reads_of(api_slow, gid))


async def test_a_wait_that_runs_out_through_the_stream_returns_the_current_status(api_slow: SandboxServer) -> None:
    api_slow.config.processing_seconds = 60
    try:
        ids = [create(api_slow) for _ in range(2)]
        async with Client(build_server(make_settings(api_slow))) as client:
            with anyio.fail_after(60):
                async with anyio.create_task_group() as tg:
                    results: list[dict[str, Any]] = []

                    async def follow(gid: str) -> None:
                        arguments = {"id": gid, "wait": True, "timeout": 4}
                        results.append(data(await client.call_tool("get_generation", arguments)))

                    for gid in ids:
                        tg.start_soon(follow, gid)
    finally:
        api_slow.config.processing_seconds = 3.0
    assert [r["status"] for r in results] == ["PROCESSING", "PROCESSING"]
    assert all(r["waitTimedOut"] is True and r["id"] in r["nextStep"] for r in results)
    assert len(streams(api_slow)) == 1
