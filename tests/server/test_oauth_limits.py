"""What anyone may ask of the authorization server before signing in is bounded, in memory and on Redis.

Registration and `/authorize` are open doors: a flood through them from one address (here 127.0.0.2, a loopback
address of its own) must not cost a signed-in user their connection, nor a user mid-sign-in their open page.
Oversized registrations are refused; registrations that never signed in are forgotten in hours.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server.oauth.limits import (
    MAX_REDIRECT_URIS,
    MAX_REGISTRATION_BYTES,
    REGISTRATIONS,
    SIGN_INS,
    UNUSED_CLIENT_TTL,
)

from ..conftest import TEST_KEY
from ..oauth_support import (
    REDIRECT,
    OAuthServer,
    Pkce,
    authorization_url,
    callback_query,
    exchange,
    list_tools_with,
    oauth_server,
    open_login_page,
    page_error,
    redis_url,
    refresh,
    register,
    submit_key,
    tokens_for,
)

__all__ = ["redis_url"]  # fixtures

pytestmark = pytest.mark.anyio

ATTACKER = "127.0.0.2"
"""Another loopback address: the flood comes from there, the users from 127.0.0.1."""


@asynccontextmanager
async def from_address(address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(transport=transport, timeout=30) as http:
        yield http


async def test_registrations_too_large_are_refused(api: SandboxServer) -> None:
    many = [f"http://127.0.0.1:{4000 + i}/cb" for i in range(MAX_REDIRECT_URIS + 1)]
    bodies = {
        "redirect URIs": {"redirect_uris": many},
        "a long redirect URI": {"redirect_uris": [REDIRECT + "?" + "x" * 600]},
        "a long name": {"redirect_uris": [REDIRECT], "client_name": "n" * 101},
        "a long logo URI": {"redirect_uris": [REDIRECT], "logo_uri": "https://logo.invalid/" + "l" * 600},
        "many contacts": {"redirect_uris": [REDIRECT], "contacts": ["a@b.invalid"] * 6},
    }
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        replies = {what: await http.post(f"{srv.base_url}/register", json=body) for what, body in bodies.items()}
        huge = await http.post(
            f"{srv.base_url}/register",
            json={"redirect_uris": [REDIRECT], "jwks": {"keys": ["k" * MAX_REGISTRATION_BYTES]}},
        )
        fine = await http.post(f"{srv.base_url}/register", json={"redirect_uris": [REDIRECT], "client_name": "ok"})
    for what, reply in replies.items():
        assert reply.status_code == 400, what
        assert reply.json()["error"] == "invalid_client_metadata", what
    assert huge.status_code == 413 and huge.json()["error"] == "invalid_client_metadata"
    assert fine.status_code == 201


async def test_registrations_per_address_are_limited_and_others_still_register(
    api: SandboxServer, redis_url: str | None
) -> None:
    async with oauth_server(api, redis_url) as srv, httpx.AsyncClient() as user:
        async with from_address(ATTACKER) as attacker:
            body = {"redirect_uris": [REDIRECT]}
            tries = [
                await attacker.post(f"{srv.base_url}/register", json=body) for _ in range(REGISTRATIONS.per_address + 5)
            ]
        mine = await user.post(f"{srv.base_url}/register", json=body)
    statuses = [reply.status_code for reply in tries]
    assert statuses == [201] * REGISTRATIONS.per_address + [429] * 5
    assert tries[-1].headers["retry-after"] and tries[-1].json()["error"] == "temporarily_unavailable"
    assert mine.status_code == 201, "another address is not held back"


async def test_an_unused_registration_is_forgotten_in_hours_a_signed_in_one_lives_on(
    api: SandboxServer, redis_url: str | None
) -> None:
    async with oauth_server(api, redis_url) as srv, httpx.AsyncClient() as http:
        unused = await register(http, srv.base_url)
        client, tokens = await tokens_for(http, srv.base_url, TEST_KEY)
        if redis_url is not None:  # Redis forgets by its own clock: ask it how long each client has
            ttl = await _client_ttls(redis_url, [unused["client_id"], client["client_id"]])
            assert ttl[0] <= UNUSED_CLIENT_TTL < 24 * 3600 < ttl[1]
            return
        srv.clock.offset += UNUSED_CLIENT_TTL + 1
        gone = await http.get(authorization_url(srv.base_url, unused, Pkce.new()))
        refreshed = await refresh(http, srv.base_url, client, tokens["refresh_token"])
    assert gone.status_code == 400 and "not registered" in page_error(gone)
    assert refreshed.status_code == 200, refreshed.text


async def _client_ttls(redis_url: str, client_ids: list[str]) -> list[float]:
    import redis.asyncio as aioredis

    async with aioredis.from_url(redis_url) as r:
        return [(await r.pttl(f"sync-mcp-test:oauth:client:{cid}")) / 1000 for cid in client_ids]


async def test_a_flood_of_registrations_and_sign_ins_leaves_users_signed_in(
    api: SandboxServer, redis_url: str | None
) -> None:
    """20,000 registrations and 20,000 authorize calls from one address: a signed-in user still refreshes, and a
    user with an open sign-in page still signs in with it."""
    flood = 20_000
    async with oauth_server(api, redis_url) as srv, httpx.AsyncClient(timeout=30) as http:
        client, tokens = await tokens_for(http, srv.base_url, TEST_KEY)
        waiting, pkce = await register(http, srv.base_url), Pkce.new()
        page = await open_login_page(http, authorization_url(srv.base_url, waiting, pkce))
        async with from_address(ATTACKER) as attacker:
            target = await register(attacker, srv.base_url)
        counts = await _flood(srv, target, flood)
        refreshed = await refresh(http, srv.base_url, client, tokens["refresh_token"])
        done = await submit_key(http, page, TEST_KEY)
        code = callback_query(done.headers["location"])["code"]
        exchanged = await exchange(http, srv.base_url, waiting, code, pkce.verifier)
        works = await list_tools_with(http, srv.base_url, exchanged.json()["access_token"])
    assert counts["register"] == {201: REGISTRATIONS.per_address - 1, 429: flood - REGISTRATIONS.per_address}
    assert counts["authorize"] == {302: SIGN_INS.per_address, 429: flood - SIGN_INS.per_address}
    assert refreshed.status_code == 200, refreshed.text
    assert done.status_code == 303 and exchanged.status_code == 200 and works.status_code == 200


async def _flood(srv: OAuthServer, target: dict[str, str], flood: int) -> dict[str, Counter[int]]:
    """`flood` authorize calls and one registration fewer (the target was one) from ATTACKER, each kind pipelined
    on one connection (raw HTTP/1.1: what a flooding script sends, at a pace a test can afford)."""
    port = int(srv.base_url.rsplit(":", 1)[1])
    head = f"Host: 127.0.0.1:{port}\r\n"
    body = json.dumps({"redirect_uris": [REDIRECT], "client_name": "flood"})
    register = (
        f"POST /register HTTP/1.1\r\n{head}Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    )
    query = authorization_url(srv.base_url, target, Pkce.new()).split("/authorize", 1)[1]
    authorize = f"GET /authorize{query} HTTP/1.1\r\n{head}\r\n"
    counts: dict[str, Counter[int]] = {}

    async def send_all(kind: str, request: str, n: int) -> None:
        tally = counts.setdefault(kind, Counter())
        async with await anyio.connect_tcp("127.0.0.1", port, local_host=ATTACKER) as stream:
            buffer = bytearray()
            for start in range(0, n, 500):
                batch = min(500, n - start)
                await stream.send(request.encode() * batch)
                for _ in range(batch):
                    tally[await _status(stream, buffer)] += 1

    async with anyio.create_task_group() as tg:
        tg.start_soon(send_all, "register", register, flood - 1)
        tg.start_soon(send_all, "authorize", authorize, flood)
    return counts


async def _status(stream: anyio.abc.ByteStream, buffer: bytearray) -> int:
    """Read one reply (headers and a Content-Length body) off `stream`; its status code."""
    while b"\r\n\r\n" not in buffer:
        buffer += await stream.receive()
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end]).decode("latin-1")
    length = int(re.search(r"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
    while len(buffer) < end + length:
        buffer += await stream.receive()
    del buffer[: end + length]
    return int(head.split(" ", 2)[1])
