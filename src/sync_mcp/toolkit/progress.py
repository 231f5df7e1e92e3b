"""MCP progress for a tool call with several phases (upload a file, then another, create, wait for the job,
download it): the `ProgressSink` the workflows of services/ report to.

Each phase reports its own 0-100 % (its message says so); on the wire phase n (counting from 0) runs from
100·n to 100·(n+1) and `total` is 100 times the phases the call planned, so `progress / total` is the share of
the whole call done. The protocol requires `progress` to strictly increase within one request: a report that
would not move forward (a percent that stayed or went back, an unknown percent) is sent a hundredth above the
last value instead, so every message still reaches the client. Without a progress token the reports are
no-ops (the SDK's behaviour).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context

NUDGE = 0.01
"""How far a report that would not move forward is put past the last one."""


class Progress:
    def __init__(self, ctx: Context[Any, Any], phases: int = 1) -> None:
        self._ctx = ctx
        self._phases = max(1, phases)
        self._phase = 0
        self._started = False
        self._last: float | None = None

    def plan(self, phases: int) -> None:
        """How many phases the call will have (the reported `total` is 100 per phase)."""
        self._phases = max(1, phases)

    def next_phase(self) -> None:
        """The next phase starts (the first call starts the first phase)."""
        if self._started:
            self._phase += 1
        self._started = True

    async def report(self, percent: float | None, message: str) -> None:
        self._started = True
        base = 100.0 * self._phase
        value = base + max(0.0, min(100.0, percent)) if percent is not None else base
        if self._last is not None and value <= self._last:
            value = self._last + NUDGE
        self._last = value
        total = max(100.0 * max(self._phases, self._phase + 1), value)
        await self._ctx.report_progress(value, total, message)
