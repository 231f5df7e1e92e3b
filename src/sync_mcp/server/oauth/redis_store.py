"""`OAuthStore` in Redis (`SYNC_MCP_REDIS_URL`): a user who signs in through one replica is signed in on all.

Each record is one key, `oauth:<kind>:<key>`, holding the record's JSON, with the record's TTL; `take` is GETDEL,
so of two replicas exchanging the same code or refresh token at once exactly one succeeds. Counters (the
per-address limits, a sign-in page's attempts) are `oauth:count:<bucket>`, each incremented atomically and
expiring with its window. What the provider stores holds nothing a caller could present: tokens, codes and
sign-in ids are keys only as digests, client secrets only as digests, and Sync API keys only sealed with
SYNC_MCP_SECRET_KEY (which Redis never sees). Every record has the TTL the provider gives it: a registration
that never completed a sign-in lives hours, one with a live grant as long as the grant.
"""

from __future__ import annotations

import json

from sync_mcp.backend import RedisStore

from .store import Kind, Record

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
