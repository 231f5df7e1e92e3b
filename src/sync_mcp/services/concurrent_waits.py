"""What the waits running in this process share: one stream of the organisation's active jobs per API key, which
follows many generations at once instead of a long-poll each (`GET /v2/usage/active-jobs/stream`,
`client.usage.active_jobs()`), and the drain, which ends every wait early when the process shuts down.

The active-jobs stream (the first section). While at least `STREAM_MIN_FOLLOWERS` waits of one API key run at the same
time in this process, one stream is held open for all of them. A wait whose generation the stream lists as active sleeps
until the stream reports a change for it (a status change is reported as progress, with no request); once the generation
has left the active set, one plain read fetches it whole. `python -m bench --only active_jobs` measured this against
long-polls for 200 concurrent generations of 20 s: 1.0 API calls per generation (the reads, plus the one stream) against
3.0, and longer jobs widen the gap, since a long-poll is one request per 10 s. With fewer waits, or whenever the stream
is not live, waits long-poll as before.

[INF] The stream's format is not documented. It is trusted only once it has sent a snapshot of the active jobs within
`FIRST_EVENT_SECONDS`; a generation it does not know is long-polled; and a stream that fails or ends is given up for
`RETRY_AFTER_FAILURE` seconds, waking every wait so that it goes back to long-polls. A generation that left the set but
reads as still running is long-polled from then on.

The stream task belongs to no single request, so it is an asyncio task of its own (the server runs on asyncio), started
by the wait that reaches the threshold and cancelled when the last wait of that key ends.

The drain (the second section). The process is shutting down (SIGTERM, SIGINT, stdin closed): waits end early with what
they know. A deploy stops a replica with SIGTERM and gives it a grace period before killing it. A wait that would
outlast that period ends before it with the generation's current status, and the caller gets the usual "still running:
id, status, call get_generation" result, never a cut connection; the job itself keeps running on the API.

`DRAIN` is one per process (a signal is): `begin(grace)` moves the deadline of every wait in progress, and of every wait
started afterwards, to `grace - FINAL_READ_SECONDS` from now, leaving time for one last read of the generation and the
reply. `begin` runs on the event loop's thread (from a signal, via `call_soon_threadsafe`).

The server imports this module (for `DRAIN`) when it starts, so it loads no wire model and no HTTP stack: the types it
names are imported for type checking only, and `api.Generation` is looked up when a stream reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import anyio

from sync_mcp import api

if TYPE_CHECKING:
    import httpx

    from sync_mcp.api import Generation, SyncClient
    from sync_mcp.api.types.usage import ActiveJob, JobsEvent

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------- one stream of active jobs

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
        return api.Generation.model_validate(
            {"id": job.id, "status": job.status, "model": job.model, "createdAt": job.created_at}
        )


_WATCHES: weakref.WeakKeyDictionary[httpx.AsyncClient, dict[str, ActiveJobsWatch]] = weakref.WeakKeyDictionary()


def watch_of(client: SyncClient) -> ActiveJobsWatch | None:
    """The watch shared by every wait of this client's key over this connection pool (None without a key)."""
    tag = client.key_tag
    if tag is None:
        return None
    return _WATCHES.setdefault(client.http, {}).setdefault(tag, ActiveJobsWatch())


# ------------------------------------------------------------------------------------------------ the drain

FINAL_READ_SECONDS = 5.0
"""Of the grace period, what is kept for the last read of a cut wait and the reply to be written."""
DEFAULT_GRACE_SECONDS = 25.0
"""SYNC_MCP_SHUTDOWN_GRACE_SECONDS' default (the settings set `Drain.grace` when a server is built)."""


class Drain:
    def __init__(self) -> None:
        self.draining = False
        self.grace = DEFAULT_GRACE_SECONDS
        """`SYNC_MCP_SHUTDOWN_GRACE_SECONDS` of the server being run."""
        self.in_flight = 0
        """MCP requests being handled now (`track`)."""
        self._cut_at: float | None = None
        self._scopes: set[anyio.CancelScope] = set()
        self._idle: anyio.Event | None = None

    def begin(self, grace: float) -> None:
        """Stop waiting: every wait ends at the latest `grace - FINAL_READ_SECONDS` seconds from now."""
        cut_at = anyio.current_time() + max(0.0, grace - FINAL_READ_SECONDS)
        self.draining = True
        self._cut_at = cut_at if self._cut_at is None else min(self._cut_at, cut_at)
        for scope in list(self._scopes):
            scope.deadline = min(scope.deadline, self._cut_at)

    @contextmanager
    def track(self) -> Iterator[None]:
        """Around the handling of one request: `settle` waits for the requests being tracked."""
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            if self.in_flight == 0 and self._idle is not None:
                self._idle.set()

    async def settle(self, grace: float | None = None) -> bool:
        """Begin the drain (if not begun) and return once no request is in flight, or after `grace` seconds
        (stdio: stdin closed, or SIGTERM); True when there were requests to wait for."""
        grace = self.grace if grace is None else grace
        self.begin(grace)
        busy = self.in_flight > 0
        with anyio.move_on_after(grace):
            while self.in_flight:
                self._idle = anyio.Event()
                await self._idle.wait()
        self._idle = None
        return busy

    def reset(self) -> None:
        """Serving again (a process that serves more than once, as tests do)."""
        self.draining = False
        self._cut_at = None

    @contextmanager
    def bounded(self) -> Iterator[anyio.CancelScope]:
        """A scope for one wait that the drain cuts short (`cancelled_caught` then says it was)."""
        scope = anyio.CancelScope(deadline=self._cut_at if self._cut_at is not None else float("inf"))
        self._scopes.add(scope)
        try:
            with scope:
                yield scope
        finally:
            self._scopes.discard(scope)


DRAIN = Drain()
