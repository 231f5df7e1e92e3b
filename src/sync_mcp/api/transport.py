"""The client's transport: the route each request takes (direct, or through the proxy the environment names),
and the sharded connection pools behind each route.

## Proxies

The proxy the environment asks for: `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` (or their lower-case forms),
with `NO_PROXY` naming hosts reached directly, read by the standard library's rules, so the client's routing and
the download guard's idea of who is on the other end of a connection (services/fetch_guard.py) are the same.

`ProxyRouting` is the client's transport: each request goes to a pool for its route (direct, or through one
proxy), each pool made on first use by the given factory (the sharded pools below).

## Pools

`ShardedTransport`: many concurrent requests (long-polls above all) without a quadratic connection pool.

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

import os
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
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


# ---------------------------------------------------------------------------------------------- proxies

SCHEMES = ("http", "https", "all", "no")


def environment_proxies() -> dict[str, str]:
    """{scheme: proxy URL} (and "no": the NO_PROXY list) from the environment, by the standard library's rules:
    the lower-case name wins, and `HTTP_PROXY` is ignored in a CGI request (where a client can set it)."""
    found: dict[str, str] = {}
    for scheme in SCHEMES:
        upper = os.environ.get(f"{scheme.upper()}_PROXY")
        if upper and not (scheme == "http" and "REQUEST_METHOD" in os.environ):
            found[scheme] = upper
        lower = os.environ.get(f"{scheme}_proxy")
        if lower is not None:
            found.pop(scheme, None)
            if lower:
                found[scheme] = lower
    return found


def proxy_for(url: httpx.URL) -> str | None:
    """The proxy URL the environment routes `url` through, or None for a direct connection."""
    proxies = environment_proxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(url.host, proxies):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"  # `HTTPS_PROXY=host:port` means an HTTP proxy


class ProxyRouting(httpx.AsyncBaseTransport):
    """Sends each request over the pool of its route: `make(None)` for direct connections, `make(proxy)` for
    those through a proxy."""

    def __init__(self, make: Callable[[str | None], httpx.AsyncBaseTransport]) -> None:
        self._make = make
        self._routes: dict[str | None, httpx.AsyncBaseTransport] = {}

    def _route(self, proxy: str | None) -> httpx.AsyncBaseTransport:
        transport = self._routes.get(proxy)
        if transport is None:
            transport = self._routes[proxy] = self._make(proxy)
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._route(proxy_for(request.url)).handle_async_request(request)

    async def aclose(self) -> None:
        routes, self._routes = self._routes, {}
        for transport in routes.values():
            await transport.aclose()
