"""MCP progress for a tool call with several phases (upload a file, then another, then wait for a job).

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

    def context(self) -> PhasedContext:
        """A context whose `report_progress` continues this numbering (start a `next_phase` first)."""
        return PhasedContext(self._ctx, self)

    async def report(self, value: float, total: float | None, message: str) -> None:
        """Send `base + value` (with `total` shifted the same way) if it moves forward."""
        progress = self._base + value
        if progress <= self._last:
            return
        self._last = progress
        await self._ctx.report_progress(progress, None if total is None else self._base + total, message)


class PhasedContext:
    """The tool's `Context`, except that `report_progress` goes through a `Progress`.

    For handing to helpers that report their own progress from zero (e.g. `downloads.save_output`) while
    the call's numbering keeps increasing. Everything else is the real context's.
    """

    def __init__(self, ctx: Context[Any, Any], progress: Progress) -> None:
        self._ctx = ctx
        self._progress = progress

    async def report_progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        await self._progress.report(progress, total, message or "")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)
