"""Following a generation to a terminal status within a time bound, with few requests.

Each poll uses the API's own long-poll (`wait=true`), so a finished job is seen at once. The long-poll
windows grow 2, 4, 8, then 10 s (the API's cap): a short job reports progress early, a long job costs
about one request per 10 s. Should an API answer a long-poll early without a terminal status, the loop
backs off exponentially instead of polling hot.

While several generations of one key are followed at once, one stream of the organisation's active jobs
replaces the long-polls (services/concurrent_waits.py): a wait sleeps until the stream reports its generation's
change, and reads it once when it is done; a status change on the way is reported from the stream alone (with no
progress read: the stream is what keeps many waits cheap).

Progress: the API reports `progress_percent` only on a plain read with `include=progress`, which a long-poll
cannot carry (reference §3.3). So while the job is PROCESSING and someone listens (`progress`), a long-poll is
followed by one such read, the two alternating, with reads at least `PROGRESS_EVERY` seconds apart (the
reference's polling guidance: every 5-10 s), so a long job costs one read per 10 s window and a short one a
read or two: `PENDING 0 % (queued, 12 s)`, `PROCESSING 40 % (1 min 10 s)`, `COMPLETED 100 % (1 min 52 s)`,
timed from the generation's `createdAt` (a report between reads gives no percent). A failed progress read
costs the report's percent, never the wait.

With a webhook receiver (HTTP mode), a verified delivery ends the wait at once: the long-poll is dropped
and one plain read with the caller's own key confirms the caller may see the job (a delivery is keyed by
id only) and fills in what the webhook payload omits. Polling stays the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import anyio

from sync_mcp import telemetry
from sync_mcp.api import Generation, SyncAPIError, SyncClient
from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.api.endpoint import API_LONG_POLL_MAX_SECONDS
from sync_mcp.backend.deliveries import Deliveries
from sync_mcp.guidance.steps import ProgressSink, duration_text

from .concurrent_waits import DRAIN, ActiveJobsWatch, Follower, watch_of

logger = logging.getLogger(__name__)

OnPoll = Callable[[Generation, int, float], Awaitable[None]]
"""Called after every poll with (generation, poll number, seconds elapsed)."""

MAX_BACKOFF = 10.0
FIRST_WINDOW = 2
PROGRESS_EVERY = 5.0
"""Seconds at least between two `include=progress` reads of one wait."""
MAX_AGE_SECONDS = 7 * 24 * 3600
"""A `createdAt` further back than this (or in the future) is not trusted for the age shown."""


async def follow_generation(
    client: SyncClient,
    generation_id: str,
    *,
    timeout: float,
    on_poll: OnPoll | None = None,
    deliveries: Deliveries | None = None,
    progress: ProgressSink | None = None,
) -> tuple[Generation, bool]:
    """Poll until COMPLETED/FAILED/REJECTED or `timeout` seconds, or until a webhook delivery for it
    arrives; returns (generation, timed_out). `progress` hears the job's percent after every poll. A shutdown
    (services/concurrent_waits.py) ends the wait early: one last read, returned as timed out unless it is terminal."""
    recorder = telemetry.recorder
    polls = [0]
    if recorder is not None:
        recorder.waits(1)
        on_poll = _counted(on_poll, polls)
    try:
        with telemetry.span("wait") as span:
            with DRAIN.bounded() as cut:
                followed = await _follow(client, generation_id, timeout, on_poll, deliveries, progress)
            generation, timed_out = await _last_read(client, generation_id) if cut.cancelled_caught else followed
            span.set_attribute("sync.generation.status", generation.status)
            span.set_attribute("sync.wait.timed_out", timed_out)
            span.set_attribute("sync.wait.polls", polls[0])
    finally:
        if recorder is not None:
            recorder.waits(-1)
    if recorder is not None and not timed_out and generation.status in TERMINAL_STATUSES:
        recorder.generation(generation.model or "", generation.status)
    return generation, timed_out


def _counted(on_poll: OnPoll | None, polls: list[int]) -> OnPoll:
    async def counting(generation: Generation, poll: int, elapsed: float) -> None:
        polls[0] = poll
        if on_poll is not None:
            await on_poll(generation, poll, elapsed)

    return counting


async def _last_read(client: SyncClient, generation_id: str) -> tuple[Generation, bool]:
    """A wait a shutdown ended: the generation as it is now, timed out unless it is terminal."""
    generation = await client.generations.get(generation_id)
    logger.info("wait for %s ended early by the shutdown (%s)", generation_id, generation.status)
    return generation, generation.status not in TERMINAL_STATUSES


async def _follow(
    client: SyncClient,
    generation_id: str,
    timeout: float,
    on_poll: OnPoll | None,
    deliveries: Deliveries | None,
    progress: ProgressSink | None,
) -> tuple[Generation, bool]:
    tracker = _Tracker(client, generation_id, on_poll, progress)
    if deliveries is None or not deliveries.receiving:
        return await _poll(tracker, timeout=timeout)
    polled: tuple[Generation, bool] | None = None
    failure: Exception | None = None
    delivered: Generation | None = None
    async with anyio.create_task_group() as tg:

        async def polling() -> None:
            nonlocal polled, failure
            try:
                polled = await _poll(tracker, timeout=timeout)
            except Exception as exc:  # re-raised below as itself, not wrapped in an exception group
                failure = exc
            tg.cancel_scope.cancel()

        async def delivery() -> None:
            nonlocal delivered
            delivered = await deliveries.terminal(generation_id)
            tg.cancel_scope.cancel()

        tg.start_soon(polling)
        tg.start_soon(delivery)
    if polled is not None:
        return polled
    if failure is not None:
        raise failure
    assert delivered is not None
    current = await client.generations.get(generation_id)
    generation = current if current.status in TERMINAL_STATUSES else delivered
    await tracker.seen(generation)
    return generation, False


class _Tracker:
    """Counts the polls, tells `on_poll`, and turns what each poll saw into a progress report."""

    def __init__(
        self, client: SyncClient, generation_id: str, on_poll: OnPoll | None, progress: ProgressSink | None
    ) -> None:
        self.client = client
        self.generation_id = generation_id
        self.on_poll = on_poll
        self.progress = progress
        self.polls = 0
        self.start = anyio.current_time()
        self.last_read: float | None = None

    async def seen(self, generation: Generation, *, read_progress: bool = True) -> Generation:
        """After a long-poll: report, reading `progress_percent` first while the job is PROCESSING; returns the
        latest state (a progress read may be the first to see the job end)."""
        self.polls += 1
        if self.on_poll is not None:
            await self.on_poll(generation, self.polls, anyio.current_time() - self.start)
        if self.progress is None:
            return generation
        percent: float | None = None
        now = anyio.current_time()
        due = self.last_read is None or now - self.last_read >= PROGRESS_EVERY
        if read_progress and generation.status == "PROCESSING" and due:
            self.last_read = now
            read = await self._with_progress()
            if read is not None and read.status in TERMINAL_STATUSES:
                return await self.seen(read)
            if read is not None and read.status == "PROCESSING":
                percent = read.progress_percent
        await self.progress.report(*_wait_report(generation, percent, self._age(generation)))
        return generation

    async def _with_progress(self) -> Generation | None:
        try:
            return await self.client.generations.get(self.generation_id, include_progress=True)
        except SyncAPIError as exc:  # the long-poll goes on; only this report goes without a percent
            logger.info("progress of %s unavailable: %s", self.generation_id, exc)
            return None

    def _age(self, generation: Generation) -> float:
        waited = anyio.current_time() - self.start
        created = _parse_time(generation.created_at)
        if created is None:
            return waited
        age = (datetime.now(timezone.utc) - created).total_seconds()
        return age if 0 <= age <= MAX_AGE_SECONDS else waited


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _wait_report(generation: Generation, percent: float | None, age: float) -> tuple[float | None, str]:
    """The wait phase's percent and message for what a poll saw."""
    status, took = generation.status, duration_text(age)
    if status == "COMPLETED":
        return 100.0, f"COMPLETED 100 % ({took})"
    if status in TERMINAL_STATUSES:
        return 100.0, f"{status} ({took})"
    if status == "PENDING":
        return 0.0, f"PENDING 0 % (queued, {took})"
    if percent is not None:
        return percent, f"{status} {percent:.0f} % ({took})"
    return None, f"{status} ({took})"


async def _poll(tracker: _Tracker, *, timeout: float) -> tuple[Generation, bool]:
    watch = watch_of(tracker.client)
    if watch is None:
        return await _long_poll(tracker, timeout=timeout)
    async with watch.follow(tracker.client, tracker.generation_id) as follower:
        return await _long_poll(tracker, timeout=timeout, watch=watch, follower=follower)


async def _watched(
    client: SyncClient,
    watch: ActiveJobsWatch,
    follower: Follower,
    *,
    deadline: float,
    report: Callable[[Generation], Awaitable[None]],
) -> tuple[Generation, bool] | None:
    """Follow through the active-jobs stream while it knows the generation: the generation and whether the wait
    timed out, or None when the stream cannot tell (then long-poll)."""
    gid = follower.generation_id
    while True:
        changed = follower.changed  # taken before looking, so a change in between still wakes the wait
        seen = watch.seen(gid)
        if seen == "unknown":
            return None
        if seen == "left":
            generation = await client.generations.get(gid)
            await report(generation)
            if generation.status in TERMINAL_STATUSES:
                return generation, False
            watch.forget(gid)  # the stream and a read disagree: long-poll this one
            return None
        with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
            await changed.wait()
        if anyio.current_time() >= deadline:
            generation = await client.generations.get(gid)
            await report(generation)
            return generation, generation.status not in TERMINAL_STATUSES
        sighting = watch.sighting(gid)
        if sighting is not None:
            await report(sighting)  # a status change, from the stream alone


async def _long_poll(
    tracker: _Tracker,
    *,
    timeout: float,
    watch: ActiveJobsWatch | None = None,
    follower: Follower | None = None,
) -> tuple[Generation, bool]:
    start = anyio.current_time()
    deadline = start + timeout
    backoff = 1.0
    window = FIRST_WINDOW
    last_status: str | None = None

    async def report(generation: Generation) -> None:
        """What the stream saw: a status not reported yet (the stream repeats itself), without progress reads."""
        nonlocal last_status
        if generation.status == last_status and generation.status not in TERMINAL_STATUSES and tracker.polls:
            return
        last_status = generation.status
        await tracker.seen(generation, read_progress=False)

    while True:
        if watch is not None and follower is not None:
            followed = await _watched(tracker.client, watch, follower, deadline=deadline, report=report)
            if followed is not None:
                return followed
        remaining = deadline - anyio.current_time()
        wait_s = min(window, int(remaining))
        window = min(window * 2, API_LONG_POLL_MAX_SECONDS)
        asked = anyio.current_time()
        generation = await tracker.client.generations.get(
            tracker.generation_id, wait=wait_s >= 1, timeout=max(wait_s, 1)
        )
        answered_in = anyio.current_time() - asked
        generation = await tracker.seen(generation)
        last_status = generation.status
        if generation.status in TERMINAL_STATUSES:
            return generation, False
        remaining = deadline - anyio.current_time()
        if remaining <= 0 or wait_s < 1:
            return generation, True
        if answered_in < wait_s / 2:  # no long-poll happened: back off rather than poll hot
            await anyio.sleep(min(backoff, remaining))
            backoff = min(backoff * 2, MAX_BACKOFF)
