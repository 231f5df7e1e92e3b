"""Verified webhook deliveries, remembered by generation id, so a wait can end the moment one arrives.

Transport-agnostic: whatever receives and verifies a delivery (the HTTP receiver) calls `accept`; a
waiting tool awaits `terminal(id)` alongside its long-poll. Deliveries are deduplicated by
(id, status), so a replayed or repeated delivery changes nothing (reference §12: handlers idempotent).
`DeliveryBoard` keeps them in this process; shared_deliveries.py keeps them in Redis, for several replicas.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import anyio

from sync_mcp.api.capabilities import TERMINAL_STATUSES

if TYPE_CHECKING:
    from sync_mcp.api import Generation

MAX_REMEMBERED = 4096
"""Generations remembered at once (oldest forgotten first); polling covers anything forgotten."""


class Deliveries(Protocol):
    """What the receiver and waits use: `DeliveryBoard` (this process) or `SharedDeliveryBoard` (Redis)."""

    receiving: bool

    async def accept(self, generation: Generation) -> bool: ...

    async def terminal(self, generation_id: str) -> Generation: ...


@dataclass
class _Entry:
    statuses: set[str] = field(default_factory=set)
    terminal: Generation | None = None
    waiters: list[anyio.Event] = field(default_factory=list)


class DeliveryBoard:
    def __init__(self, max_remembered: int = MAX_REMEMBERED) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._max = max_remembered
        self.receiving = False
        """True once a receiver feeds this board (HTTP mode with a webhook secret); waits ignore it before."""

    def _entry(self, generation_id: str) -> _Entry:
        entry = self._entries.get(generation_id)
        if entry is None:
            entry = self._entries[generation_id] = _Entry()
            while len(self._entries) > self._max:
                # Oldest first, but never a generation someone is waiting for.
                victim = next((k for k, e in self._entries.items() if not e.waiters and k != generation_id), None)
                if victim is None:
                    break
                del self._entries[victim]
        return entry

    def record(self, generation: Generation) -> bool:
        """Take a verified delivery; False when this (id, status) was already taken (a replay)."""
        entry = self._entry(generation.id)
        if generation.status in entry.statuses:
            return False
        entry.statuses.add(generation.status)
        if generation.status in TERMINAL_STATUSES and entry.terminal is None:
            entry.terminal = generation
            for event in entry.waiters:
                event.set()
        return True

    async def accept(self, generation: Generation) -> bool:
        """`record`, as the receiver calls it (the shared board does I/O here)."""
        return self.record(generation)

    def delivered(self, generation_id: str) -> Generation | None:
        """The terminal delivery received for this generation, if any."""
        entry = self._entries.get(generation_id)
        return entry.terminal if entry is not None else None

    async def terminal(self, generation_id: str) -> Generation:
        """Wait for a terminal delivery of this generation (returns at once if one already came)."""
        entry = self._entry(generation_id)
        if entry.terminal is not None:
            return entry.terminal
        event = anyio.Event()
        entry.waiters.append(event)
        try:
            await event.wait()
        finally:
            entry.waiters.remove(event)
        assert entry.terminal is not None
        return entry.terminal
