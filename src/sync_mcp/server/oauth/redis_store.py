"""`OAuthStore` in Redis (`SYNC_MCP_REDIS_URL`): a user who signs in through one replica is signed in on all.

Each record is one key, `oauth:<kind>:<key>`, holding the record's JSON, with the record's TTL; `take` is GETDEL,
so of two replicas exchanging the same code or refresh token at once exactly one succeeds. What the provider
stores holds nothing a caller could present: tokens and codes are keys only as SHA-256 digests, and Sync API
keys only sealed with SYNC_MCP_SECRET_KEY (which Redis never sees). A record stored without a TTL (a
registered client) gets `IDLE_TTL_SECONDS`, renewed each time it is read: a client unused that long registers
again, as clients do when a server no longer knows them.
"""

from __future__ import annotations

import json

from sync_mcp.backend import RedisStore

from .store import Kind, Record

IDLE_TTL_SECONDS = 90 * 24 * 3600.0
SLIDING_KINDS: frozenset[str] = frozenset({"client"})


class RedisOAuthStore:
    def __init__(self, store: RedisStore) -> None:
        self._store = store

    def __repr__(self) -> str:
        return f"RedisOAuthStore({self._store.where!r})"

    def _key(self, kind: Kind, key: str) -> str:
        return self._store.key("oauth", kind, key)

    async def put(self, kind: Kind, key: str, record: Record, ttl: float | None) -> None:
        text = json.dumps(record, separators=(",", ":"))
        await self._store.put(self._key(kind, key), text, ttl if ttl is not None else IDLE_TTL_SECONDS)

    async def get(self, kind: Kind, key: str) -> Record | None:
        if kind in SLIDING_KINDS:
            text = await self._store.refresh(self._key(kind, key), IDLE_TTL_SECONDS)
        else:
            text = await self._store.get(self._key(kind, key))
        return None if text is None else dict(json.loads(text))

    async def take(self, kind: Kind, key: str) -> Record | None:
        text = await self._store.take(self._key(kind, key))
        return None if text is None else dict(json.loads(text))

    async def delete(self, kind: Kind, key: str) -> None:
        await self._store.delete(self._key(kind, key))
