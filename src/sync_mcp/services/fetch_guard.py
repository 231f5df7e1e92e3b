"""Where a download may go: http(s) only, and never redirected to this machine or a private network unless
the API itself is there.

A download fetches the URL the API handed over (from the configured API base, so trusted as far as the
API is), then follows the redirects the storage answers. Without a rule, a redirect reaches whatever the
server's machine can reach: a service on loopback, a cloud metadata address, a router. So every URL must be
http(s), and a redirect's host must not resolve to a loopback, private, link-local, shared (CGNAT),
reserved, multicast or unspecified address, unless the configured API base itself resolves to such an
address (the sandbox on 127.0.0.1, an API gateway on the company network): then addresses of that same
kind are allowed as well.

A redirect is checked twice: on its name before connecting, and on the address actually connected to when
the transport reports it (so a name that resolves differently the second time gains nothing). Through a proxy
the second check cannot be made (the peer is the proxy), so a name that does not resolve here is refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import anyio
import httpx

from sync_mcp.api.transport import proxy_for

AddressClass = Literal["public", "loopback", "private"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, not `is_private` in every Python


def address_class(address: IPAddress) -> AddressClass:
    """`loopback` for this machine, `private` for any other address that is not publicly routable."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if (
        address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED)
        or not address.is_global
    ):
        return "private"
    return "public"


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


async def resolve(host: str) -> list[IPAddress]:
    """The addresses `host` resolves to (an IP literal is itself; a name that does not resolve: none)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = await anyio.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found: list[IPAddress] = []
    for info in infos:
        address = _literal(str(info[4][0]))
        if address is not None and address not in found:
            found.append(address)
    return found


async def api_base_classes(base_url: str) -> frozenset[AddressClass]:
    """The kinds of address the configured API base resolves to ({"public"} when it does not resolve)."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return frozenset({"loopback"})
    classes = {address_class(a) for a in await resolve(host)}
    return frozenset(classes or {"public"})


class UnsafeURL(Exception):
    """A download URL (or redirect) the rule refuses; the message says which rule, never the address."""


@dataclass(frozen=True)
class FetchGuard:
    """The rule for one download: which kinds of non-public address the API base allows."""

    allowed: frozenset[AddressClass]
    https_only: bool = False
    """Files handed over by others (chat attachments): https, except to a non-public kind of address the API
    base allows (a deployment against a local API)."""

    @classmethod
    async def for_api_base(cls, base_url: str, *, https_only: bool = False) -> FetchGuard:
        return cls(frozenset({"public"}) | await api_base_classes(base_url), https_only)

    def _check(self, address: IPAddress) -> None:
        kind = address_class(address)
        if kind not in self.allowed:
            where = "this machine (loopback)" if kind == "loopback" else "a private or reserved network address"
            raise UnsafeURL(f"it leads to {where}, which downloads may not reach")

    @staticmethod
    def check_scheme(url: httpx.URL) -> None:
        if url.scheme not in ("http", "https"):
            raise UnsafeURL(f"it leads to a {url.scheme or 'relative'}: URL, and only http(s) is fetched")
        if not url.host:
            raise UnsafeURL("it leads to a URL without a host")

    async def check_url(self, url: httpx.URL) -> None:
        """Before connecting: http(s), and a host that resolves only to allowed kinds of address. Through a
        proxy (by the same rules the client routes by), a name that does not resolve here is refused: the proxy
        would resolve it on its own network, where it may lead anywhere, and the peer cannot be checked after."""
        self.check_scheme(url)
        addresses = await resolve(url.host)
        if not addresses and proxy_for(url) is not None:
            raise UnsafeURL("its host name does not resolve here, so where the proxy would take it cannot be checked")
        for address in addresses:
            self._check(address)
        public = not addresses or "public" in map(address_class, addresses)
        if self.https_only and url.scheme != "https" and public:
            raise UnsafeURL("it is not https")

    def check_peer(self, response: httpx.Response) -> None:
        """After connecting: the address actually connected to (when the transport tells, and no proxy is used)."""
        if proxy_for(response.request.url) is not None:  # the peer is then the proxy, not the host
            return
        stream = response.extensions.get("network_stream")
        get_extra_info = getattr(stream, "get_extra_info", None)
        if get_extra_info is None:
            return
        try:
            peer = get_extra_info("server_addr")
        except Exception:  # a transport that cannot say: the name was checked already
            return
        address = _literal(str(peer[0])) if isinstance(peer, tuple) and peer else None
        if address is not None:
            self._check(address)


class TooManyRedirects(Exception):
    """More redirects than a download follows."""


@asynccontextmanager
async def guarded_get(
    http: httpx.AsyncClient, url: httpx.URL, guard: FetchGuard, *, trust_first: bool, max_redirects: int
) -> AsyncIterator[httpx.Response]:
    """The final response of `url` (still streaming), redirects followed by hand, each hop checked by `guard`
    before connecting and once connected; the first hop only for its scheme when `trust_first` (a URL the API
    handed out). Raises `UnsafeURL` or `TooManyRedirects`."""
    current = url
    guard.check_scheme(current)
    for hop in range(max_redirects + 1):
        checked = hop > 0 or not trust_first
        if checked:
            await guard.check_url(current)
        async with http.stream("GET", current, follow_redirects=False) as response:
            if checked:
                guard.check_peer(response)
            location = response.headers.get("location")
            if not (response.is_redirect and location):
                yield response
                return
            current = response.url.join(location)
    raise TooManyRedirects(f"it redirected more than {max_redirects} times")
