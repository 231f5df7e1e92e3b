"""Verified webhook deliveries, remembered by generation id, so a wait can end the moment one arrives.

Transport-agnostic: whatever receives and verifies a delivery (the HTTP receiver) calls `accept`; a
waiting tool awaits `terminal(id)` alongside its long-poll. Deliveries are deduplicated by
(id, status), so a replayed or repeated delivery changes nothing (reference §12: handlers idempotent).
`DeliveryBoard` keeps them in this process; `SharedDeliveryBoard` keeps them in Redis, for several replicas.

Verified webhook deliveries in Redis: a delivery received by any replica ends the waits of every replica.

One entry per (generation id, status), `delivery:<id>:<status>`, written only if absent (SET NX), so each
delivery is handled once by whichever replica receives it first and a repeat anywhere is a duplicate. A terminal
one holds the delivered generation and is announced on the `delivery` topic; a replica waiting for that
generation wakes and reads it. Entries expire after `DELIVERY_TTL_SECONDS`.

A wait never fails for want of Redis: while it is unreachable the wait goes on polling the API (as without
webhooks), and looks again once Redis is back (a delivery may have been taken meanwhile by another replica).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import anyio

from sync_mcp.api.capabilities import TERMINAL_STATUSES

from .errors import SharedStateUnavailable
from .redis_store import RedisStore

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


DELIVERY_TTL_SECONDS = 24 * 3600.0
DELIVERED_TOPIC = "delivery"
_TERMINAL_ORDER = tuple(sorted(TERMINAL_STATUSES))


class SharedDeliveryBoard:
    def __init__(self, store: RedisStore, ttl_seconds: float = DELIVERY_TTL_SECONDS) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._waiters: dict[str, set[anyio.Event]] = {}
        self.receiving = False
        """True once a receiver feeds this board (HTTP mode with a webhook secret); waits ignore it before."""
        store.listen(DELIVERED_TOPIC, self._heard)
        store.on_recovery(self._wake_all)

    def _key(self, generation_id: str, status: str) -> str:
        return self._store.key("delivery", generation_id, status)

    async def accept(self, generation: Generation) -> bool:
        """Take a verified delivery; False when this (id, status) was already taken, here or on another replica.
        Raises `SharedStateUnavailable` when Redis does not answer (nothing was taken)."""
        payload = generation.model_dump_json(by_alias=True, exclude_none=True)
        fresh = await self._store.add(self._key(generation.id, generation.status), payload, self._ttl)
        if fresh and generation.status in TERMINAL_STATUSES:
            await self._store.publish(DELIVERED_TOPIC, generation.id)
        return fresh

    async def delivered(self, generation_id: str) -> Generation | None:
        """The terminal delivery received for this generation by any replica, if any."""
        from sync_mcp.api import Generation  # the wire models: imported when first needed, not at start-up

        found = await self._store.get_many([self._key(generation_id, status) for status in _TERMINAL_ORDER])
        for payload in found:
            if payload is not None:
                return Generation.model_validate_json(payload)
        return None

    async def terminal(self, generation_id: str) -> Generation:
        """Wait for a terminal delivery of this generation (returns at once if one already came)."""
        while True:
            event = anyio.Event()
            waiters = self._waiters.setdefault(generation_id, set())
            waiters.add(event)
            try:
                try:
                    found = await self.delivered(generation_id)
                except SharedStateUnavailable:
                    found = None  # the wait polls on; this looks again when Redis is back
                if found is not None:
                    return found
                await event.wait()
            finally:
                waiters.discard(event)
                if not waiters:
                    self._waiters.pop(generation_id, None)

    def _heard(self, generation_id: str) -> None:
        for event in list(self._waiters.get(generation_id, ())):
            event.set()

    async def _wake_all(self) -> None:
        for waiters in list(self._waiters.values()):
            for event in list(waiters):
                event.set()
