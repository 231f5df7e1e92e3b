"""Namespaced entries with a time to live, the plain store upload and download links live in
(services/upload_links.py): `RedisStore` is one (several replicas), `InProcessEntries` another (this process).
"""

from __future__ import annotations

import time
from typing import Protocol

MAX_IN_PROCESS_ENTRIES = 10_000


class Entries(Protocol):
    """Where links live: namespaced keys with a TTL (`backend.RedisStore` is one, `InProcessEntries` another)."""

    def key(self, *parts: str) -> str: ...

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str, ttl: float) -> None: ...

    async def take(self, key: str) -> str | None: ...


class InProcessEntries:
    """This process's memory: one replica only. Expired entries are dropped as new ones arrive."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, str]] = {}

    def key(self, *parts: str) -> str:
        return ":".join(parts)

    def _live(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def put(self, key: str, value: str, ttl: float) -> None:
        now = time.monotonic()
        if len(self._entries) >= MAX_IN_PROCESS_ENTRIES:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        self._entries[key] = (now + ttl, value)

    async def take(self, key: str) -> str | None:
        value = self._live(key)
        self._entries.pop(key, None)
        return value
