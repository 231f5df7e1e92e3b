"""What anyone may ask of the authorization server, bounded: registrations and sign-in pages.

Registration (RFC 7591) and `/authorize` are open to anyone, before any sign-in, so each is bounded three ways:
- per record: a registration's fields (`registration_problem`) and its whole body (`MAX_REGISTRATION_BYTES`);
- per address: `PER_ADDRESS` registrations (sign-in pages) from one address (an IPv6 /64) per window;
- overall: `OVERALL` per window from every address together, which bounds what the store may hold.

Beyond a limit a request is refused (429), never admitted at another's expense: no registration or sign-in
page of anyone else is evicted to make room. A registration that never completes a sign-in is forgotten after
`UNUSED_CLIENT_TTL`; one with a live grant lives as long as its grants (provider.py). The counters are the
store's own (`OAuthStore.count`), so the same limits hold in memory and in Redis, across replicas.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request

from sync_mcp.backend.oauth_store import OAuthStore

UNUSED_CLIENT_TTL = 6 * 3600
"""Seconds a registered client lives until one of its sign-ins completes (then as long as its grants)."""
MAX_REGISTRATION_BYTES = 16 * 1024
"""Most bytes of a registration request's body."""
MAX_RECORD_BYTES = 8 * 1024
"""Most bytes of a registered client's record as stored."""
MAX_REDIRECT_URIS = 10
MAX_URI_LENGTH = 512
MAX_NAME_LENGTH = 100
MAX_CONTACTS = 5
MAX_SCOPE_LENGTH = 256
URI_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri", "jwks_uri")
NAME_FIELDS = ("client_name", "software_id", "software_version")


@dataclass(frozen=True)
class Limit:
    name: str
    per_address: int
    overall: int
    window: float
    """Seconds of one counting window."""


REGISTRATIONS = Limit("register", per_address=20, overall=2_000, window=3600)
SIGN_INS = Limit("authorize", per_address=30, overall=5_000, window=600)


def address_of(request: Request) -> str:
    """Who is asking, as far as limits go: the peer's address (the one the server's proxy headers name, with
    uvicorn's `--forwarded-allow-ips`), an IPv6 address by its /64, as one host holds the whole /64."""
    host = request.client.host if request.client else "unknown"
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


async def admit(store: OAuthStore, limit: Limit, address: str) -> bool:
    """Count one request of `address` against `limit`: False when it is over (refuse it)."""
    if await store.count(f"{limit.name}:{address}", limit.window) > limit.per_address:
        return False
    return await store.count(f"{limit.name}:*", limit.window) <= limit.overall


def registration_problem(client: OAuthClientInformationFull, record_bytes: int) -> str | None:
    """Why a registration is refused for its size, or None."""
    uris = [str(uri) for uri in client.redirect_uris or []]
    if len(uris) > MAX_REDIRECT_URIS:
        return f"register at most {MAX_REDIRECT_URIS} redirect_uris"
    for field_name in URI_FIELDS:
        uris.append(str(getattr(client, field_name) or ""))
    if any(len(uri) > MAX_URI_LENGTH for uri in uris):
        return f"a URI is longer than {MAX_URI_LENGTH} characters"
    for field_name in NAME_FIELDS:
        if len(getattr(client, field_name) or "") > MAX_NAME_LENGTH:
            return f"{field_name} is longer than {MAX_NAME_LENGTH} characters"
    contacts = client.contacts or []
    if len(contacts) > MAX_CONTACTS or any(len(c) > MAX_URI_LENGTH for c in contacts):
        return f"give at most {MAX_CONTACTS} contacts of at most {MAX_URI_LENGTH} characters"
    if len(client.scope or "") > MAX_SCOPE_LENGTH:
        return f"scope is longer than {MAX_SCOPE_LENGTH} characters"
    if record_bytes > MAX_RECORD_BYTES:
        return f"the registration is larger than {MAX_RECORD_BYTES} bytes"
    return None
