"""Redis, as every replica of a deployment sees it: namespaced keys that each carry a TTL, and one event stream.

The primitives are the few that the shared stores need, each one Redis command (so each is atomic):
`get`/`get_many`, `put` (SET PX), `add` (SET NX PX: first writer wins), `replace` (SET XX KEEPTTL), `swap`
(SET GET PX), `take` (GETDEL: of two concurrent takes one gets the value), `refresh` (GETEX PX), `delete`,
`count` (SET NX PX and INCRBY in one transaction), and
`publish`/`listen` on topics. Events are published to one Redis stream (`<namespace>:events`: XADD, capped at
`EVENTS_KEPT` entries, expiring `EVENTS_TTL_SECONDS` after the last one), which every replica's reader follows
(XREAD BLOCK), its own publications included. A stream rather than plain PUBLISH, so that a replica that lost
Redis for a while reads, once it is back, the events published meanwhile by the others: no replica misses a change.

Faults. `start` pings Redis and raises `StateBackendError` when it cannot (the server does not start). While
serving, a command that fails raises `SharedStateUnavailable` (the caller answers a retryable error; the
command changed nothing) and marks Redis as lost; the reader reconnects with backoff, resumes after the last
event it read, and runs the recovery hooks (for what this replica could not write meanwhile). Nothing falls back
to this process's memory. Built on the `redis` package's asyncio client (`pip install 'sync-mcp[redis]'`), so
asyncio only.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from sync_mcp import telemetry

from .errors import SharedStateUnavailable, StateBackendError

logger = logging.getLogger(__name__)

Listener = Callable[[str], Awaitable[None] | None]
"""Called with each message of a topic, on the event loop; may be async. It must not raise (it is logged)."""
RecoveryHook = Callable[[], Awaitable[None]]

DEFAULT_NAMESPACE = "sync-mcp"
OPERATION_TIMEOUT = 2.0
"""Seconds one command (or a connection attempt) may take before Redis counts as unavailable."""
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0)
HEALTH_CHECK_SECONDS = 5
EVENTS_KEPT = 10_000
"""Events the stream keeps (about; older ones are trimmed): what a replica can catch up on after an outage."""
EVENTS_TTL_SECONDS = 24 * 3600.0
READ_BLOCK_MS = 1000


def where(url: str) -> str:
    """The Redis URL without credentials, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    path = parts.path if parts.path not in ("", "/") else ""
    return f"{parts.scheme}://{host}{port}{path}"


def redis_password(url: str) -> str | None:
    return urlsplit(url).password


def _client(url: str) -> Any:
    try:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
    except ImportError as exc:  # an optional dependency
        raise StateBackendError(
            "SYNC_MCP_REDIS_URL is set but the redis package is not installed: pip install 'sync-mcp[redis]'"
        ) from exc
    return aioredis.from_url(
        url,
        decode_responses=True,
        socket_timeout=OPERATION_TIMEOUT,
        socket_connect_timeout=OPERATION_TIMEOUT,
        # One immediate retry: a pooled connection that Redis closed (a restart) fails once, then reconnects.
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError],
        health_check_interval=HEALTH_CHECK_SECONDS,
        client_name="sync-mcp",
    )


def _failures() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError, asyncio.TimeoutError)


def _ms(ttl: float) -> int:
    if not ttl > 0:
        raise ValueError(f"every shared entry needs a positive TTL, not {ttl!r}")
    return max(1, round(ttl * 1000))


class RedisStore:
    """One deployment's keys (`<namespace>:...`) and events on one Redis (see the module docstring)."""

    def __init__(self, url: str, *, namespace: str = DEFAULT_NAMESPACE, secret: str | None = None) -> None:
        self._url = url
        self._digest_key = (
            hashlib.sha256(b"sync-mcp redis names v1\0" + secret.encode("utf-8")).digest() if secret else None
        )
        self.where = where(url)
        self.namespace = namespace.strip(":") or DEFAULT_NAMESPACE
        self.channel = f"{self.namespace}:events"
        """The event stream's key."""
        self.available = False
        """False from a failed command (or a lost subscription) until a command or the reader succeeds again."""
        self._redis: Any = None
        self._listeners: dict[str, list[Listener]] = {}
        self._recovery: list[RecoveryHook] = []
        self._users = 0
        self._reader: asyncio.Task[None] | None = None
        self._last_event = "0-0"

    def __repr__(self) -> str:
        return f"RedisStore({self.where!r}, namespace={self.namespace!r})"

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    def digest(self, value: str) -> str:
        """What to store in place of a value derived from a caller's API key: an HMAC keyed with the server's
        secret (SYNC_MCP_SECRET_KEY) when it has one, so Redis alone cannot test guesses; else SHA-256."""
        if self._digest_key is None:
            return hashlib.sha256(value.encode("utf-8")).hexdigest()
        return hmac.new(self._digest_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect and check that Redis answers (raises `StateBackendError` otherwise). Nested starts share the
        connection; each needs its `stop`."""
        self._users += 1
        if self._users > 1:
            return
        try:
            self._redis = _client(self._url)
            await asyncio.wait_for(self._redis.ping(), OPERATION_TIMEOUT * 2)
            self._last_event = await asyncio.wait_for(self._latest_event(), OPERATION_TIMEOUT * 2)
        except StateBackendError:
            self._users -= 1
            raise
        except _failures() as exc:
            self._users -= 1
            await self._close_client()
            raise StateBackendError(
                f"cannot reach Redis at {self.where} (SYNC_MCP_REDIS_URL): {_reason(exc)}. In Redis mode sync-mcp "
                "keeps task handles, webhook deliveries, subscriptions and sign-ins there and does not start "
                "without it (it never falls back to this process's memory): start Redis or fix the URL, or unset "
                "SYNC_MCP_REDIS_URL to keep that state in one process (one replica only)."
            ) from None
        self.available = True
        # Follows the events published from now on (and, after an outage, those published meanwhile).
        self._reader = asyncio.get_running_loop().create_task(self._read(), name="sync-mcp redis reader")
        logger.info("shared state in Redis at %s (namespace %s)", self.where, self.namespace)

    async def stop(self) -> None:
        self._users -= 1
        if self._users > 0:
            return
        self._users = 0
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
            self._reader = None
        await self._close_client()
        self.available = False

    async def _close_client(self) -> None:
        if self._redis is not None:
            try:
                await self._redis.aclose()
            except _failures():
                pass
            self._redis = None

    async def check(self) -> bool:
        """Ping Redis now; True when it answered."""
        try:
            await self._run(lambda r: r.ping())
        except SharedStateUnavailable:
            return False
        return True

    # ------------------------------------------------------------------------------------------- commands

    async def _run(self, command: Callable[[Any], Awaitable[Any]]) -> Any:
        if self._redis is None:
            raise SharedStateUnavailable("not connected")
        try:
            result = await asyncio.wait_for(command(self._redis), OPERATION_TIMEOUT * 2)
        except _failures() as exc:
            if telemetry.recorder is not None:
                telemetry.recorder.redis_error()
            self._lost(exc)
            raise SharedStateUnavailable(_reason(exc)) from None
        if not self.available:
            self.available = True
            logger.warning("Redis at %s answers again", self.where)
        return result

    async def get(self, key: str) -> str | None:
        return await self._run(lambda r: r.get(key))  # type: ignore[no-any-return]

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        if not keys:
            return []
        return list(await self._run(lambda r: r.mget(list(keys))))

    async def put(self, key: str, value: str, ttl: float) -> None:
        ms = _ms(ttl)
        await self._run(lambda r: r.set(key, value, px=ms))

    async def add(self, key: str, value: str, ttl: float) -> bool:
        """Store only if absent; True when this call stored it."""
        ms = _ms(ttl)
        return bool(await self._run(lambda r: r.set(key, value, px=ms, nx=True)))

    async def replace(self, key: str, value: str) -> bool:
        """Overwrite only if present, keeping its TTL; False when it is gone (expired)."""
        return bool(await self._run(lambda r: r.set(key, value, xx=True, keepttl=True)))

    async def swap(self, key: str, value: str, ttl: float) -> str | None:
        """Store and return what was there before (None: nothing)."""
        ms = _ms(ttl)
        return await self._run(lambda r: r.set(key, value, px=ms, get=True))  # type: ignore[no-any-return]

    async def take(self, key: str) -> str | None:
        """Get and delete in one step."""
        return await self._run(lambda r: r.getdel(key))  # type: ignore[no-any-return]

    async def refresh(self, key: str, ttl: float) -> str | None:
        """Get and give the entry a new TTL (a sliding expiry)."""
        ms = _ms(ttl)
        return await self._run(lambda r: r.getex(key, px=ms))  # type: ignore[no-any-return]

    async def delete(self, key: str) -> None:
        await self._run(lambda r: r.delete(key))

    async def count(self, key: str, window: float, step: int = 1) -> int:
        """Add `step` to a counter and return its new value; the counter expires `window` seconds after it was
        created (SET NX PX, then INCRBY, in one transaction: atomic, and never a counter without a TTL)."""
        ms = _ms(window)

        async def add(r: Any) -> int:
            async with r.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, px=ms, nx=True)
                pipe.incrby(key, step)
                return int((await pipe.execute())[1])

        return await self._run(add)  # type: ignore[no-any-return]

    async def remaining(self, key: str) -> float | None:
        """Seconds the entry has left (None when it is gone)."""
        ms = await self._run(lambda r: r.pttl(key))
        return None if ms is None or ms < 0 else ms / 1000

    # -------------------------------------------------------------------------------------------- events

    async def publish(self, topic: str, message: str) -> None:
        """Send `message` to every replica's listeners of `topic` (this one's included)."""
        fields = {"topic": topic, "data": message}

        async def send(r: Any) -> None:
            async with r.pipeline(transaction=True) as pipe:
                pipe.xadd(self.channel, fields, maxlen=EVENTS_KEPT, approximate=True)
                pipe.pexpire(self.channel, _ms(EVENTS_TTL_SECONDS))
                await pipe.execute()

        await self._run(send)

    def listen(self, topic: str, listener: Listener) -> Callable[[], None]:
        """Register a local listener of `topic`; returns an idempotent unsubscribe."""
        self._listeners.setdefault(topic, []).append(listener)

        def unsubscribe() -> None:
            listeners = self._listeners.get(topic, [])
            if listener in listeners:
                listeners.remove(listener)

        return unsubscribe

    def on_recovery(self, hook: RecoveryHook) -> None:
        """Run `hook` each time the reader listens again after losing Redis (messages may have been missed)."""
        self._recovery.append(hook)

    async def _latest_event(self) -> str:
        """The id of the stream's newest event (a reader starting now follows what comes after it)."""
        newest = await self._redis.xrevrange(self.channel, count=1)
        return str(newest[0][0]) if newest else "0-0"

    async def _read(self) -> None:
        attempt = 0
        recovering = False
        while True:
            try:
                while True:
                    batches = await self._redis.xread({self.channel: self._last_event}, count=100, block=READ_BLOCK_MS)
                    if recovering:
                        recovering, attempt = False, 0
                        await self._recovered()
                    for _, events in batches or ():
                        for event_id, fields in events:
                            self._last_event = str(event_id)
                            await self._dispatch(fields)
            except asyncio.CancelledError:
                raise
            except _failures() as exc:
                self._lost(exc)
                recovering = True
                await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
                attempt += 1

    async def _recovered(self) -> None:
        if not self.available:
            self.available = True
            logger.warning("Redis at %s answers again", self.where)
        for hook in list(self._recovery):
            try:
                await hook()
            except SharedStateUnavailable:
                return  # lost again: the reader will notice and run the hooks once more
            except Exception:  # one hook must not keep the others from running
                logger.exception("a recovery step after a Redis outage failed")

    async def _dispatch(self, fields: dict[str, str]) -> None:
        topic, data = fields.get("topic"), fields.get("data")
        if topic is None or data is None:
            logger.warning("ignored a malformed event on %s", self.channel)
            return
        for listener in list(self._listeners.get(topic, ())):
            try:
                outcome = listener(data)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:  # fan-out boundary: one listener must not starve the others
                logger.exception("a listener of %s raised", topic)

    def _lost(self, exc: BaseException) -> None:
        if self.available:
            self.available = False
            logger.warning(
                "lost Redis at %s (%s): requests that need shared state answer shared_state_unavailable until it "
                "returns",
                self.where,
                _reason(exc),
            )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
