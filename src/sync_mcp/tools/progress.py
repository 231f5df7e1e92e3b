"""MCP progress for a tool call with several phases (upload a file, then another, then wait for a job): the
`ProgressSink` the workflows of services/ report to.

The protocol requires `progress` to strictly increase within one request. `Progress` keeps that promise
across phases: each phase counts from where the previous one ended, and a report that would not move
forward is dropped. Without a progress token the reports are no-ops (the SDK's behaviour).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context


class Progress:
    def __init__(self, ctx: Context[Any, Any]) -> None:
        self._ctx = ctx
        self._base = 0.0
        self._last = 0.0

    @property
    def last(self) -> float:
        return self._last

    def next_phase(self) -> None:
        """Later reports count from the last value sent."""
        self._base = self._last

    async def report(self, value: float, total: float | None, message: str) -> None:
        """Send `base + value` (with `total` shifted the same way) if it moves forward."""
        progress = self._base + value
        if progress <= self._last:
            return
        self._last = progress
        await self._ctx.report_progress(progress, None if total is None else self._base + total, message)
