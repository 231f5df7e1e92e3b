"""Where the state that a deployment's replicas must share is kept, below the MCP layer: one module per shared
thing, each with its in-process store (the default: this process's memory, nothing to install, one replica) and
its Redis store (`SYNC_MCP_REDIS_URL`, built on `RedisStore`, so any replica gives the same answer).

- redis_store.py: the Redis primitives (namespaced keys with a TTL, atomic takes, counters, events);
  errors.py: Redis unreachable (`SharedStateUnavailable`) or refused at start (`StateBackendError`).
- task_handles.py and shared_tasks.py: task handles; deliveries.py: verified webhook deliveries;
  oauth_store.py: OAuth sign-ins; entries.py: upload and download links; spend_memory.py: spend estimates.

The logic that uses them stays with its layer (server/tasks.py, services/waiting.py, server/oauth/,
services/upload_links.py, toolkit/spending.py), and the server picks the implementation (server/state_backend.py).
Generation sightings and their subscription fan-out are MCP notifications, built on `RedisStore` in
server/updates.py; the key that seals multi-round-trip request state is the SDK's codec, in
server/state_backend.py.
"""

from __future__ import annotations

import asyncio

from .errors import SharedStateUnavailable, StateBackendError
from .redis_store import DEFAULT_NAMESPACE, RedisStore, redis_password, where

__all__ = [
    "DEFAULT_NAMESPACE",
    "RedisStore",
    "SharedStateUnavailable",
    "StateBackendError",
    "preflight",
    "redis_password",
    "where",
]


def preflight(redis_url: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Before serving in Redis mode: raise `StateBackendError` (with what to do) unless Redis answers."""

    async def ping() -> None:
        store = RedisStore(redis_url, namespace=namespace)
        await store.start()
        await store.stop()

    asyncio.run(ping())
