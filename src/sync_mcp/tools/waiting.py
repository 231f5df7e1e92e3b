"""Following a generation to a terminal status within a time bound, with few requests.

Each poll uses the API's own long-poll (`wait=true`), so a finished job is seen at once. The long-poll
windows grow 2, 4, 8, then 10 s (the API's cap): a short job reports progress early, a long job costs
about one request per 10 s. Should an API answer a long-poll early without a terminal status, the loop
backs off exponentially instead of polling hot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from sync_mcp.api import Generation, SyncClient
from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.api.client import MAX_WAIT_SECONDS
from sync_mcp.api.generations import get_generation

OnPoll = Callable[[Generation, int, float], Awaitable[None]]
"""Called after every poll with (generation, poll number, seconds elapsed)."""

MAX_BACKOFF = 10.0
FIRST_WINDOW = 2


async def follow_generation(
    client: SyncClient, generation_id: str, *, timeout: float, on_poll: OnPoll | None = None
) -> tuple[Generation, bool]:
    """Poll until COMPLETED/FAILED/REJECTED or `timeout` seconds; returns (generation, timed_out)."""
    start = anyio.current_time()
    deadline = start + timeout
    polls = 0
    backoff = 1.0
    window = FIRST_WINDOW
    while True:
        remaining = deadline - anyio.current_time()
        wait_s = min(window, int(remaining))
        window = min(window * 2, MAX_WAIT_SECONDS)
        asked = anyio.current_time()
        generation = await get_generation(client, generation_id, wait=wait_s >= 1, timeout=max(wait_s, 1))
        answered_in = anyio.current_time() - asked
        polls += 1
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
