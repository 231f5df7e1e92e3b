"""Where the authorization server keeps its state: registered clients, pending sign-ins, codes, tokens, grants.

`OAuthStore` is four operations on JSON records under (kind, key) with a time to live, and one atomic counter
(for the per-address limits and the sign-in page's attempts), which a shared backend (Redis: SET with PX, GET,
GETDEL, DEL, INCR) implements directly. `MemoryOAuthStore` keeps them in this process, bounded per kind: a
restart forgets every registration and sign-in, and clients then sign in again. What anyone may create
(registrations, sign-in pages) is bounded before it reaches the store, by the limits in server/oauth/gate.py, so
the store's own bound is a last resort that a flood never reaches.

Tokens and codes are never keys as such: the provider stores them under a SHA-256 digest, so the store holds
nothing a caller could present. Sync API keys are stored sealed (server/oauth/sealing.py).

`RedisOAuthStore` is the store in Redis (`SYNC_MCP_REDIS_URL`): a user who signs in through one replica is signed in
on all. Each record is one key, `oauth:<kind>:<key>`, holding the record's JSON, with the record's TTL; `take` is
GETDEL, so of two replicas exchanging the same code or refresh token at once exactly one succeeds. Counters (the
per-address limits, a sign-in page's attempts) are `oauth:count:<bucket>`, each incremented atomically and expiring
with its window. What the provider stores holds nothing a caller could present: tokens, codes and sign-in ids are
keys only as digests, client secrets only as digests, and Sync API keys only sealed with SYNC_MCP_SECRET_KEY (which
Redis never sees). Every record has the TTL the provider gives it: a registration that never completed a sign-in
lives hours, one with a live grant as long as the grant.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal, Protocol

from .redis_store import RedisStore

Kind = Literal[
    "client",  # registered client (dynamic client registration)
    "login",  # an authorization request waiting for the user to sign in
    "code",  # authorization code -> grant
    "used_code",  # a code that was exchanged (a second exchange revokes its grant)
    "grant",  # one user's sign-in: the sealed Sync key
    "ended_grant",  # why a grant ended (revoked, key refused by the API, replay)
    "access",  # access token -> grant
    "refresh",  # refresh token -> grant
    "used_refresh",  # a rotated refresh token (presenting it again revokes its grant)
]

Record = dict[str, Any]


class OAuthStore(Protocol):
    async def put(self, kind: Kind, key: str, record: Record, ttl: float | None) -> None:
        """Store `record` (JSON-serialisable) under (kind, key), replacing any; forget it after `ttl` seconds."""

    async def get(self, kind: Kind, key: str) -> Record | None:
        """The record, or None when absent or expired."""

    async def take(self, kind: Kind, key: str) -> Record | None:
        """Get and delete in one step: of two concurrent takes, exactly one gets the record."""

    async def delete(self, kind: Kind, key: str) -> None:
        """Forget the record (absent is fine)."""

    async def count(self, bucket: str, window: float, step: int = 1) -> int:
        """Add `step` to the counter `bucket` and return its new value, in one atomic step; a counter starts at
        zero and is forgotten `window` seconds after its first step."""


DEFAULT_LIMIT = 100_000
"""Most records of a kind kept in memory (the oldest go first): a last resort, above what the limits admit."""
MAX_COUNTERS = 100_000
SWEEP_EVERY = 1024
"""Every so many writes, a kind's expired records are dropped (reads drop the ones they meet)."""


class MemoryOAuthStore:
    """`OAuthStore` in this process. Records are kept as JSON text, as a shared backend would keep them."""

    def __init__(self, *, clock: Callable[[], float] = time.time, limits: dict[str, int] | None = None) -> None:
        self._clock = clock
        self._limits = dict(limits or {})
        self._counters: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._kinds: dict[str, OrderedDict[str, tuple[float | None, str]]] = {}
        self._lock = threading.Lock()
        self._puts = 0

    def __repr__(self) -> str:
        return f"MemoryOAuthStore({sum(len(k) for k in self._kinds.values())} records)"

    def _table(self, kind: str) -> OrderedDict[str, tuple[float | None, str]]:
        return self._kinds.setdefault(kind, OrderedDict())

    def _live(self, kind: str, key: str) -> str | None:
        table = self._table(kind)
        entry = table.get(key)
        if entry is None:
            return None
        expires, text = entry
        if expires is not None and self._clock() >= expires:
            del table[key]
            return None
        return text

    async def put(self, kind: Kind, key: str, record: Record, ttl: float | None) -> None:
        text = json.dumps(record, separators=(",", ":"))
        expires = None if ttl is None else self._clock() + ttl
        with self._lock:
            table = self._table(kind)
            table[key] = (expires, text)
            table.move_to_end(key)
            self._puts += 1
            limit = self._limits.get(kind, DEFAULT_LIMIT)
            if len(table) > limit or self._puts % SWEEP_EVERY == 0:  # expired records go, then the oldest
                now = self._clock()
                for stale in [k for k, (until, _) in table.items() if until is not None and now >= until]:
                    del table[stale]
            while len(table) > limit:
                table.popitem(last=False)

    async def get(self, kind: Kind, key: str) -> Record | None:
        with self._lock:
            text = self._live(kind, key)
        return None if text is None else dict(json.loads(text))

    async def take(self, kind: Kind, key: str) -> Record | None:
        with self._lock:
            text = self._live(kind, key)
            if text is not None:
                del self._table(kind)[key]
        return None if text is None else dict(json.loads(text))

    async def delete(self, kind: Kind, key: str) -> None:
        with self._lock:
            self._table(kind).pop(key, None)

    async def count(self, bucket: str, window: float, step: int = 1) -> int:
        now = self._clock()
        with self._lock:
            expires, value = self._counters.get(bucket, (now + window, 0))
            if now >= expires:
                expires, value = now + window, 0
            self._counters[bucket] = (expires, value + step)
            self._counters.move_to_end(bucket)
            while len(self._counters) > MAX_COUNTERS:
                self._counters.popitem(last=False)
        return value + step

    def records(self) -> list[tuple[str, str, str]]:
        """Every live record as (kind, key, JSON text): what a dump of the store would hold."""
        with self._lock:
            return [
                (kind, key, text)
                for kind, table in self._kinds.items()
                for key, (expires, text) in table.items()
                if expires is None or self._clock() < expires
            ]


DEFAULT_TTL_SECONDS = 24 * 3600.0
"""The TTL of a record stored without one (the provider gives every record its own)."""


class RedisOAuthStore:
    def __init__(self, store: RedisStore) -> None:
        self._store = store

    def __repr__(self) -> str:
        return f"RedisOAuthStore({self._store.where!r})"

    def _key(self, kind: Kind, key: str) -> str:
        return self._store.key("oauth", kind, key)

    async def put(self, kind: Kind, key: str, record: Record, ttl: float | None) -> None:
        text = json.dumps(record, separators=(",", ":"))
        await self._store.put(self._key(kind, key), text, ttl if ttl is not None else DEFAULT_TTL_SECONDS)

    async def get(self, kind: Kind, key: str) -> Record | None:
        text = await self._store.get(self._key(kind, key))
        return None if text is None else dict(json.loads(text))

    async def take(self, kind: Kind, key: str) -> Record | None:
        text = await self._store.take(self._key(kind, key))
        return None if text is None else dict(json.loads(text))

    async def delete(self, kind: Kind, key: str) -> None:
        await self._store.delete(self._key(kind, key))

    async def count(self, bucket: str, window: float, step: int = 1) -> int:
        return await self._store.count(self._store.key("oauth", "count", bucket), window, step)
