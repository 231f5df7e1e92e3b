"""The process is shutting down (SIGTERM, SIGINT, stdin closed): waits end early with what they know.

A deploy stops a replica with SIGTERM and gives it a grace period before killing it. A wait that would outlast
that period ends before it with the generation's current status, and the caller gets the usual "still running:
id, status, call get_generation" result, never a cut connection; the job itself keeps running on the API.

`DRAIN` is one per process (a signal is): `begin(grace)` moves the deadline of every wait in progress, and of
every wait started afterwards, to `grace - FINAL_READ_SECONDS` from now, leaving time for one last read of the
generation and the reply. `begin` runs on the event loop's thread (from a signal, via `call_soon_threadsafe`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio

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
