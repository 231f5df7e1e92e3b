"""Following a generation to a terminal status within a time bound, with few requests.

Each poll uses the API's own long-poll (`wait=true`), so a finished job is seen at once. The long-poll
windows grow 2, 4, 8, then 10 s (the API's cap): a short job reports progress early, a long job costs
about one request per 10 s. Should an API answer a long-poll early without a terminal status, the loop
backs off exponentially instead of polling hot.

While several generations of one key are followed at once, one stream of the organisation's active jobs
replaces the long-polls (services/active_jobs_watch.py): a wait sleeps until the stream reports its generation's
change, and reads it once when it is done; a status change on the way is reported from the stream alone.

With a webhook receiver (HTTP mode), a verified delivery ends the wait at once: the long-poll is dropped
and one plain read with the caller's own key confirms the caller may see the job (a delivery is keyed by
id only) and fills in what the webhook payload omits. Polling stays the fallback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from sync_mcp.api import Generation, SyncClient
from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.api.client import API_LONG_POLL_MAX_SECONDS
from sync_mcp.api.generations import get_generation

from .active_jobs_watch import ActiveJobsWatch, Follower, watch_of
from .deliveries import Deliveries

OnPoll = Callable[[Generation, int, float], Awaitable[None]]
"""Called after every poll with (generation, poll number, seconds elapsed)."""

MAX_BACKOFF = 10.0
FIRST_WINDOW = 2


async def follow_generation(
    client: SyncClient,
    generation_id: str,
    *,
    timeout: float,
    on_poll: OnPoll | None = None,
    deliveries: Deliveries | None = None,
) -> tuple[Generation, bool]:
    """Poll until COMPLETED/FAILED/REJECTED or `timeout` seconds, or until a webhook delivery for it
    arrives; returns (generation, timed_out)."""
    if deliveries is None or not deliveries.receiving:
        return await _poll(client, generation_id, timeout=timeout, on_poll=on_poll)
    start = anyio.current_time()
    polls = 0

    async def counted(generation: Generation, poll: int, elapsed: float) -> None:
        nonlocal polls
        polls = poll
        if on_poll is not None:
            await on_poll(generation, poll, elapsed)

    polled: tuple[Generation, bool] | None = None
    failure: Exception | None = None
    delivered: Generation | None = None
    async with anyio.create_task_group() as tg:

        async def polling() -> None:
            nonlocal polled, failure
            try:
                polled = await _poll(client, generation_id, timeout=timeout, on_poll=counted)
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
    current = await get_generation(client, generation_id)
    generation = current if current.status in TERMINAL_STATUSES else delivered
    if on_poll is not None:
        await on_poll(generation, polls + 1, anyio.current_time() - start)
    return generation, False


async def _poll(
    client: SyncClient, generation_id: str, *, timeout: float, on_poll: OnPoll | None
) -> tuple[Generation, bool]:
    watch = watch_of(client)
    if watch is None:
        return await _long_poll(client, generation_id, timeout=timeout, on_poll=on_poll)
    async with watch.follow(client, generation_id) as follower:
        return await _long_poll(client, generation_id, timeout=timeout, on_poll=on_poll, watch=watch, follower=follower)


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
            generation = await get_generation(client, gid)
            await report(generation)
            if generation.status in TERMINAL_STATUSES:
                return generation, False
            watch.forget(gid)  # the stream and a read disagree: long-poll this one
            return None
        with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
            await changed.wait()
        if anyio.current_time() >= deadline:
            generation = await get_generation(client, gid)
            await report(generation)
            return generation, generation.status not in TERMINAL_STATUSES
        sighting = watch.sighting(gid)
        if sighting is not None:
            await report(sighting)  # a status change, from the stream alone


async def _long_poll(
    client: SyncClient,
    generation_id: str,
    *,
    timeout: float,
    on_poll: OnPoll | None,
    watch: ActiveJobsWatch | None = None,
    follower: Follower | None = None,
) -> tuple[Generation, bool]:
    start = anyio.current_time()
    deadline = start + timeout
    polls = 0
    backoff = 1.0
    window = FIRST_WINDOW
    last_status: str | None = None

    async def report(generation: Generation) -> None:
        nonlocal polls, last_status
        if generation.status == last_status and generation.status not in TERMINAL_STATUSES and polls:
            return  # the stream repeating a status already reported
        polls += 1
        last_status = generation.status
        if on_poll is not None:
            await on_poll(generation, polls, anyio.current_time() - start)

    while True:
        if watch is not None and follower is not None:
            followed = await _watched(client, watch, follower, deadline=deadline, report=report)
            if followed is not None:
                return followed
        remaining = deadline - anyio.current_time()
        wait_s = min(window, int(remaining))
        window = min(window * 2, API_LONG_POLL_MAX_SECONDS)
        asked = anyio.current_time()
        generation = await get_generation(client, generation_id, wait=wait_s >= 1, timeout=max(wait_s, 1))
        answered_in = anyio.current_time() - asked
        polls += 1
        last_status = generation.status
        if on_poll is not None:
            await on_poll(generation, polls, anyio.current_time() - start)
        if generation.status in TERMINAL_STATUSES:
            return generation, False
        remaining = deadline - anyio.current_time()
        if remaining <= 0 or wait_s < 1:
            return generation, True
        if answered_in < wait_s / 2:  # no long-poll happened: back off rather than poll hot
            await anyio.sleep(min(backoff, remaining))
            backoff = min(backoff * 2, MAX_BACKOFF)
