"""Where the state that a deployment's replicas must share is kept, below the MCP layer.

Two implementations sit behind the server's `StateBackend` (server/state.py): in-process (the default: the
stores of server/, tools/ and services/ in this process's memory, nothing to install, one replica), and Redis
(`SYNC_MCP_REDIS_URL`), whose primitives are here (`RedisStore`). Everything a second replica needs to give
the same answer goes through it: task handles, generation sightings and subscription fan-out, verified webhook
deliveries, OAuth sign-ins, spend estimates, and the key that seals multi-round-trip request state.
"""

from __future__ import annotations

import asyncio

from .errors import UNAVAILABLE_CODE, SharedStateUnavailable, StateBackendError, unavailable_error
from .redis_store import DEFAULT_NAMESPACE, RedisStore, redis_password, where

__all__ = [
    "DEFAULT_NAMESPACE",
    "UNAVAILABLE_CODE",
    "RedisStore",
    "SharedStateUnavailable",
    "StateBackendError",
    "preflight",
    "redis_password",
    "unavailable_error",
    "where",
]


def preflight(redis_url: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Before serving in Redis mode: raise `StateBackendError` (with what to do) unless Redis answers."""

    async def ping() -> None:
        store = RedisStore(redis_url, namespace=namespace)
        await store.start()
        await store.stop()

    asyncio.run(ping())
