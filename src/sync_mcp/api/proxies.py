"""The proxy the environment asks for: `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` (or their lower-case forms),
with `NO_PROXY` naming hosts reached directly, read by the standard library's rules, so the client's routing and
the download guard's idea of who is on the other end of a connection (services/fetch_guard.py) are the same.

`ProxyRouting` is the client's transport: each request goes to a pool for its route (direct, or through one
proxy), each pool made on first use by the given factory (the sharded pools of transport.py).
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable

import httpx

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
