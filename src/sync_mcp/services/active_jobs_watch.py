"""Following many generations at once with one stream of the organisation's active jobs, instead of a long-poll
per generation (`GET /v2/usage/active-jobs/stream`, `client.usage.active_jobs()`).

While at least `STREAM_MIN_FOLLOWERS` waits of one API key run at the same time in this process, one stream is
held open for all of them. A wait whose generation the stream lists as active sleeps until the stream reports a
change for it (a status change is reported as progress, with no request); once the generation has left the
active set, one plain read fetches it whole. `python -m bench --only active_jobs` measured this against long-polls
for 200 concurrent generations of 20 s: 1.0 API calls per generation (the reads, plus the one stream) against
3.0, and longer jobs widen the gap, since a long-poll is one request per 10 s. With fewer waits, or whenever the
stream is not live, waits long-poll as before.

[INF] The stream's format is not documented. It is trusted only once it has sent a snapshot of the active jobs
within `FIRST_EVENT_SECONDS`; a generation it does not know is long-polled; and a stream that fails or ends is
given up for `RETRY_AFTER_FAILURE` seconds, waking every wait so that it goes back to long-polls. A generation
that left the set but reads as still running is long-polled from then on.

The stream task belongs to no single request, so it is an asyncio task of its own (the server runs on asyncio),
started by the wait that reaches the threshold and cancelled when the last wait of that key ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import anyio
import httpx

from sync_mcp.api import Generation, SyncClient
from sync_mcp.api.types.usage import ActiveJob, JobsEvent

logger = logging.getLogger(__name__)

STREAM_MIN_FOLLOWERS = 2
"""Waits of one key at once that open the stream (one long-poll each costs more than a shared stream)."""
FIRST_EVENT_SECONDS = 10.0
RETRY_AFTER_FAILURE = 60.0

Seen = Literal["active", "left", "unknown"]


@dataclass(eq=False)
class Follower:
    generation_id: str
    changed: anyio.Event = field(default_factory=anyio.Event)

    def wake(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()


class ActiveJobsWatch:
    """The stream of one API key, and the waits following generations through it."""

    def __init__(self) -> None:
        self.followers: dict[str, list[Follower]] = {}
        self.jobs: dict[str, ActiveJob] = {}
        """Active jobs as the stream last described them."""
        self.left: set[str] = set()
        """Generations the stream saw leave the active set (while followed)."""
        self.live = False
        """A snapshot arrived and the stream is still open."""
        self._task: asyncio.Task[None] | None = None
        self._retry_at = 0.0

    def seen(self, generation_id: str) -> Seen:
        if not self.live:
            return "unknown"
        if generation_id in self.jobs:
            return "active"
        return "left" if generation_id in self.left else "unknown"

    def forget(self, generation_id: str) -> None:
        """Stop trusting the stream about this generation (it will be long-polled)."""
        self.left.discard(generation_id)
        self.jobs.pop(generation_id, None)

    @contextlib.asynccontextmanager
    async def follow(self, client: SyncClient, generation_id: str) -> AsyncIterator[Follower]:
        follower = Follower(generation_id)
        self.followers.setdefault(generation_id, []).append(follower)
        if self._task is None and self._count() >= STREAM_MIN_FOLLOWERS and time.monotonic() >= self._retry_at:
            self._task = asyncio.get_running_loop().create_task(self._run(client))
        try:
            yield follower
        finally:
            followers = self.followers[generation_id]
            followers.remove(follower)
            if not followers:
                del self.followers[generation_id]
                self.left.discard(generation_id)
            if not self.followers:
                with anyio.CancelScope(shield=True):
                    await self._stop()

    def _count(self) -> int:
        return sum(len(f) for f in self.followers.values())

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.live = False
        self.jobs.clear()

    async def _run(self, client: SyncClient) -> None:
        events = client.usage.active_jobs()
        try:
            with anyio.move_on_after(FIRST_EVENT_SECONDS):
                async for event in events:
                    if self._take(event):
                        break
            if not self.live:
                logger.info("active-jobs stream sent no snapshot within %gs: waits long-poll", FIRST_EVENT_SECONDS)
                self._retry_at = time.monotonic() + RETRY_AFTER_FAILURE
                return
            async for event in events:
                self._take(event)
            self._retry_at = time.monotonic() + RETRY_AFTER_FAILURE
        except Exception as exc:  # any failure: fall back to long-polls for a while
            logger.info("active-jobs stream ended (%s): waits long-poll", exc)
            self._retry_at = time.monotonic() + RETRY_AFTER_FAILURE
        finally:
            await events.aclose()
            self.live = False
            self.jobs.clear()
            if self._task is asyncio.current_task():
                self._task = None
            self._wake_all()

    def _take(self, event: JobsEvent) -> bool:
        """Apply an event; True when it was a snapshot."""
        if event.jobs is not None:
            self.jobs = {job.id: job for job in event.jobs if job.active}
            self.left |= {gid for gid in self.followers if gid not in self.jobs}
            self.live = True
            self._wake_all()
            return True
        job = event.job
        assert job is not None
        if job.active:
            self.jobs[job.id] = job
            self.left.discard(job.id)
        else:
            self.jobs.pop(job.id, None)
            if job.id in self.followers:
                self.left.add(job.id)
        for follower in self.followers.get(job.id, []):
            follower.wake()
        return False

    def _wake_all(self) -> None:
        for followers in self.followers.values():
            for follower in followers:
                follower.wake()

    def sighting(self, generation_id: str) -> Generation | None:
        """What the stream says of an active generation, as a (partial) generation for progress reports."""
        job = self.jobs.get(generation_id)
        if job is None:
            return None
        return Generation.model_validate(
            {"id": job.id, "status": job.status, "model": job.model, "createdAt": job.created_at}
        )


_WATCHES: weakref.WeakKeyDictionary[httpx.AsyncClient, dict[str, ActiveJobsWatch]] = weakref.WeakKeyDictionary()


def watch_of(client: SyncClient) -> ActiveJobsWatch | None:
    """The watch shared by every wait of this client's key over this connection pool (None without a key)."""
    tag = client.key_tag
    if tag is None:
        return None
    return _WATCHES.setdefault(client.http, {}).setdefault(tag, ActiveJobsWatch())
