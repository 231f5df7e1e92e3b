"""Does the active-jobs stream lower API calls when many generations are followed at once?

200 generations of 20 s each are followed to completion, concurrently, twice, counting every request the sandbox
receives for them (its request log):
- baseline: long-polls on the schedule waits use without the stream (windows 2, 4, 8, 10 s), one per generation
  at a time, as `services/waiting.py` polls;
- stream: one `GET /v2/usage/active-jobs/stream` for all of them, and one plain read of each generation once the
  stream says it left the active set, with the package's own functions (`api.active_jobs`, `api.generations`),
  as `services/concurrent_waits.py` follows them.
The figure is API calls per followed generation; the stream is wired into waits only because it wins here. The
notes give how late each way saw the end of a job (the stream's reads follow the stream's event at once).
"""

from __future__ import annotations

import asyncio
import time

import httpx

from sync_mcp.api import SyncClient
from sync_mcp.api.capabilities import TERMINAL_STATUSES

from .harness import Figure, Result, median
from .processes import create_generation
from .waiting import PENDING_SECONDS, PROCESSING_SECONDS, SCHEDULE, job_sandbox

FOLLOWED = 200
JOB_SECONDS = PENDING_SECONDS + PROCESSING_SECONDS


async def _create(http: httpx.AsyncClient, count: int) -> dict[str, float]:
    """`count` generations: id -> when its create was answered (just after the job's clock started)."""
    created = {}
    for _ in range(count):
        created[await create_generation(http)] = time.monotonic()
    return created


def _requests_for(log: list[dict], ids: set[str], *, stream: bool) -> int:
    per_generation = sum(1 for e in log if e["method"] == "GET" and e["path"].rsplit("/", 1)[-1] in ids)
    streams = sum(1 for e in log if e["path"] == "/v2/usage/active-jobs/stream") if stream else 0
    return per_generation + streams


async def _long_polls(http: httpx.AsyncClient, gid: str, created: float) -> float:
    """Follow one generation with the long-poll schedule; seconds from its end to this poll seeing it."""
    for window in [*SCHEDULE, *[SCHEDULE[-1]] * 10]:
        reply = await http.get(f"/v2/generate/{gid}", params={"wait": "true", "timeout": window}, timeout=window + 15)
        reply.raise_for_status()
        if reply.json()["status"] in TERMINAL_STATUSES:
            break
    return time.monotonic() - (created + JOB_SECONDS)


async def _streamed(client: SyncClient, ids: list[str], created: dict[str, float]) -> list[float]:
    """Follow every generation with one stream and one read each once it has left the active set."""
    waiting = set(ids)
    lags: list[float] = []
    reads: list[asyncio.Task[None]] = []

    async def read(gid: str) -> None:
        generation = await client.generations.get(gid)
        assert generation.status in TERMINAL_STATUSES, generation.status
        lags.append(time.monotonic() - (created[gid] + JOB_SECONDS))

    async for event in client.usage.active_jobs():
        if event.jobs is not None:
            active = {job.id for job in event.jobs if job.active}
            left = {gid for gid in waiting if gid not in active}
        else:
            assert event.job is not None
            left = {event.job.id} & waiting if not event.job.active else set()
        for gid in left:
            waiting.discard(gid)
            reads.append(asyncio.ensure_future(read(gid)))
        if not waiting:
            break
    await asyncio.gather(*reads)
    return lags


async def run(runs: int) -> Result:
    result = Result(f"active jobs: following {FOLLOWED} concurrent generations, stream vs long-polls", runs)
    polled: list[float] = []
    streamed: list[float] = []
    poll_lag: list[float] = []
    stream_lag: list[float] = []
    async with job_sandbox(FOLLOWED) as sandbox:
        async with sandbox.http(timeout=30) as http:
            async with SyncClient(sandbox.api_key, base_url=sandbox.base_url) as client:
                for _ in range(runs):
                    await http.post("/_sandbox/reset")
                    created = await _create(http, FOLLOWED)
                    lags = await asyncio.gather(*(_long_polls(http, gid, at) for gid, at in created.items()))
                    log = (await http.get("/_sandbox/requests")).json()
                    polled.append(_requests_for(log, set(created), stream=False) / FOLLOWED)
                    poll_lag.append(median(lags))

                    await http.post("/_sandbox/reset")
                    created = await _create(http, FOLLOWED)
                    lags = await _streamed(client, list(created), created)
                    log = (await http.get("/_sandbox/requests")).json()
                    streamed.append(_requests_for(log, set(created), stream=True) / FOLLOWED)
                    stream_lag.append(median(lags))
    ours, base = median(streamed), median(polled)
    result.figures.append(
        Figure(
            "API calls per followed generation",
            base,
            ours,
            "calls",
            "< long-polls (fewer API calls)",
            ours < base,
            baseline_label="long-polls",
        )
    )
    result.notes.append(
        f"jobs of {JOB_SECONDS:g} s; median delay from a job's end to its follower seeing it: long-polls "
        f"{median(poll_lag):.2f} s, stream {median(stream_lag):.2f} s (the stream's includes the read after its event)"
    )
    return result
