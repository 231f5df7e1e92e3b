"""Where the spend guard remembers estimates for a while (toolkit/spending.py), keyed by a digest of the body and
of whose key prices it: in this process, or in Redis (`SYNC_MCP_REDIS_URL`) so that a confirmation asked on one
replica and answered on another (protocol 2026-07-28 re-runs the question on the retry) asks the same question
without a second estimate. Values are the estimate only (dollars, frames, or the error), never a key."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, Protocol

from .redis_store import RedisStore

ESTIMATE_TTL_SECONDS = 600.0
"""How long an estimate is reused for the same body (the SDK's confirmation state lives as long)."""
MAX_REMEMBERED = 256


class SpendMemory(Protocol):
    async def recall(self, key: str) -> dict[str, Any] | None:
        """The estimate remembered under `key` if it is recent, else None."""
        ...

    async def remember(self, key: str, estimate: dict[str, Any]) -> None: ...


class InProcessSpendMemory:
    """The last `MAX_REMEMBERED` estimates of this process, each for `ESTIMATE_TTL_SECONDS`."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    async def recall(self, key: str) -> dict[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > ESTIMATE_TTL_SECONDS:
            return None
        return entry[1]

    async def remember(self, key: str, estimate: dict[str, Any]) -> None:
        self._entries.pop(key, None)
        self._entries[key] = (time.monotonic(), estimate)
        while len(self._entries) > MAX_REMEMBERED:
            self._entries.popitem(last=False)


class SharedSpendMemory:
    """Estimates in Redis under `spend:<digest>`, for `ESTIMATE_TTL_SECONDS` each. Raises
    `SharedStateUnavailable` when Redis does not answer (the create is then refused, retryable, before any cost)."""

    def __init__(self, store: RedisStore) -> None:
        self._store = store

    async def recall(self, key: str) -> dict[str, Any] | None:
        text = await self._store.get(self._store.key("spend", self._store.digest(key)))
        return None if text is None else dict(json.loads(text))

    async def remember(self, key: str, estimate: dict[str, Any]) -> None:
        text = json.dumps(estimate, separators=(",", ":"))
        await self._store.put(self._store.key("spend", self._store.digest(key)), text, ESTIMATE_TTL_SECONDS)
