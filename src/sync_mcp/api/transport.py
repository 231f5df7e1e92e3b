"""`ShardedTransport`: many concurrent requests (long-polls above all) without a quadratic connection pool.

httpcore's pool re-examines every connection, and for each idle one counts the idle ones again, whenever
a request starts or ends, so its cost per request grows with the square of the open connections. A
long-poll holds an HTTP/1.1 connection for its whole window, so 200 concurrent waits meant 200 (or, with
the default limit of 100, 100 plus a queue) connections in one pool, and most of the server's CPU went to
that bookkeeping. Here requests are spread over small pools (shards) instead: a request goes to the first
shard with a free slot, so light traffic stays on one warm pool, and a new shard opens only when all are
busy; shards at the end of the list that stayed idle past the keep-alive expiry are closed, so the open
connections shrink back after a burst. All shards share one TLS context, which is costly to build.

Measured with 200 concurrent waits of two long-polls each (CPU of the client process): one pool 1.9 s,
shards of 16 connections 0.9 s, of 4 0.75 s, of 1 0.7 s.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

SHARD_SIZE = 2
"""Connections per shard: small enough that a pool's per-request scan stays cheap."""
MAX_SHARDS = 128
"""At most 256 connections in all; beyond that requests queue in the least busy shard."""


@dataclass
class _Shard:
    transport: httpx.AsyncHTTPTransport
    in_flight: int = 0
    idle_since: float = 0.0

    def release(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self.idle_since = time.monotonic()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that frees its shard slot when closed (httpx closes every response it reads)."""

    def __init__(self, stream: httpx.AsyncByteStream, shard: _Shard) -> None:
        self._stream = stream
        self._shard: _Shard | None = shard

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._shard is not None:
                self._shard.release()
                self._shard = None


class ShardedTransport(httpx.AsyncBaseTransport):
    """An `httpx` transport over up to `max_shards` pools of `shard_size` connections each (through `proxy`, if
    given)."""

    def __init__(
        self,
        *,
        shard_size: int = SHARD_SIZE,
        max_shards: int = MAX_SHARDS,
        verify: ssl.SSLContext | bool = True,
        keepalive_expiry: float = 5.0,
        proxy: str | None = None,
    ) -> None:
        if shard_size < 1 or max_shards < 1:
            raise ValueError("shard_size and max_shards must be at least 1")
        self.shard_size = shard_size
        self.max_shards = max_shards
        self._verify = verify
        self._proxy = proxy
        self._expiry = keepalive_expiry
        self._limits = httpx.Limits(
            max_connections=shard_size, max_keepalive_connections=shard_size, keepalive_expiry=keepalive_expiry
        )
        self._shards: list[_Shard] = []

    @property
    def shard_count(self) -> int:
        return len(self._shards)

    def _pick(self) -> _Shard:
        for shard in self._shards:
            if shard.in_flight < self.shard_size:
                return shard
        if len(self._shards) < self.max_shards:
            if self._verify is True:
                self._verify = httpx.create_ssl_context()  # built once, on first need, shared by all shards
            try:
                pool = httpx.AsyncHTTPTransport(verify=self._verify, limits=self._limits, proxy=self._proxy)
            except (ImportError, ValueError) as exc:  # a SOCKS proxy without `socksio`, or an unknown scheme
                scheme = httpx.URL(self._proxy or "").scheme  # not the whole URL: it may hold the proxy's password
                raise httpx.ProxyError(f"the {scheme} proxy cannot be used: {str(exc).rstrip('.')}") from None
            shard = _Shard(pool)
            self._shards.append(shard)
            return shard
        return min(self._shards, key=lambda s: s.in_flight)

    async def _trim(self) -> None:
        """Close trailing shards idle for longer than the keep-alive expiry (the first one always stays)."""
        now = time.monotonic()
        while len(self._shards) > 1:
            last = self._shards[-1]
            if last.in_flight or now - last.idle_since <= self._expiry:
                return
            self._shards.pop()
            await last.transport.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._trim()
        shard = self._pick()
        shard.in_flight += 1
        try:
            response = await shard.transport.handle_async_request(request)
        except BaseException:
            shard.release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_ReleasingStream(response.stream, shard),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        shards, self._shards = self._shards, []
        for shard in shards:
            await shard.transport.aclose()
