"""What a workflow tells about its progress: the one method it calls (the tools give it MCP progress)."""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    def next_phase(self) -> None:
        """A new phase starts (a second file, the wait after an upload): its reports count from zero again."""

    async def report(self, value: float, total: float | None, message: str) -> None:
        """`value` of `total` (None when unknown) done in this phase, with a message saying what."""
