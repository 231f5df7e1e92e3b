"""OAuth in tests: the server with SYNC_MCP_AUTH=oauth on loopback, a browser that signs in on its key page, the
SDK's own OAuth client (`OAuthClientProvider`), and the raw steps of the flow for the refusal tests."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

from sync_mcp.backend.oauth_store import MemoryOAuthStore
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server.app import SyncMCPServer
from sync_mcp.server.http import build_http_app

from .conftest import make_settings
from .http_support import mcp_http_client, serving
from .redis_support import RedisProcess, redis_binary

SECRET = "test-oauth-secret-0f6b1d2e9a7c4b3f8e5d"
REDIRECT = "http://127.0.0.1:33418/callback"
"""The test host's redirect URI: never contacted, the browser below reads the code off the redirect."""
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


class Clock:
    """The authorization server's clock, moved by the tests (wall time plus an offset)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class OAuthServer:
    server: SyncMCPServer
    base_url: str
    store: MemoryOAuthStore | None
    """The in-memory store (None when the server keeps its state in Redis)."""
    clock: Clock

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"


@asynccontextmanager
async def oauth_server(
    api: SandboxServer, redis_url: str | None = None, log_level: str = "warning", **overrides: Any
) -> AsyncIterator[OAuthServer]:
    """The server with SYNC_MCP_AUTH=oauth on a free loopback port, its public URL that port; the deployment has
    no Sync key of its own unless `overrides` give one. With `redis_url` its state is in that Redis."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    values = {
        "SYNC_API_KEY": "",
        "SYNC_MCP_AUTH": "oauth",
        "SYNC_MCP_PUBLIC_URL": base,
        "SYNC_MCP_SECRET_KEY": SECRET,
        **overrides,
    }
    if redis_url is not None:
        values |= {"SYNC_MCP_REDIS_URL": redis_url, "SYNC_MCP_REDIS_NAMESPACE": "sync-mcp-test"}
    clock = Clock()
    store = MemoryOAuthStore(clock=clock) if redis_url is None else None
    options: dict[str, Any] = {"clock": clock, **({"store": store} if store is not None else {})}
    server, app = build_http_app(make_settings(api, **values), oauth_options=options)
    async with serving(app, sock, log_level):
        yield OAuthServer(server, base, store, clock)


@pytest.fixture(params=["memory", "redis"])
def redis_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """Where the server keeps its OAuth state: None (in memory), or the URL of a fresh Redis."""
    if request.param == "memory":
        yield None
        return
    server = RedisProcess(redis_binary(), tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


async def stored_text(srv: OAuthServer, redis_url: str | None) -> str:
    """Everything the server's OAuth store holds, keys and values, as one text (what a dump would show)."""
    if redis_url is None:
        assert srv.store is not None
        return "\n".join(f"{kind} {key} {text}" for kind, key, text in srv.store.records())
    import redis.asyncio as aioredis

    async with aioredis.from_url(redis_url, decode_responses=True) as r:
        keys = [key async for key in r.scan_iter(count=1000)]
        values = [await r.get(key) if await r.type(key) == "string" else "" for key in keys]
    return "\n".join(f"{key} {value}" for key, value in zip(keys, values, strict=True))


@dataclass
class Browser:
    """The user's browser: follows the authorization URL to the sign-in page, pastes the key, and hands the
    code the server redirects back with to the client (`callback`)."""

    api_key: str
    sign_ins: int = 0
    redirects: list[str] = field(default_factory=list)

    async def open(self, authorization_url: str) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            self.redirects.append(await sign_in(http, authorization_url, self.api_key))
        self.sign_ins += 1

    async def callback(self) -> AuthorizationCodeResult:
        query = callback_query(self.redirects[-1])
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


async def sign_in(http: httpx.AsyncClient, authorization_url: str, api_key: str) -> str:
    """Open the authorization URL, sign in with `api_key`; the URL the server sends the browser back to."""
    page = await open_login_page(http, authorization_url)
    done = await submit_key(http, page, api_key)
    assert done.status_code == 303, done.text
    return done.headers["location"]


async def open_login_page(http: httpx.AsyncClient, authorization_url: str) -> httpx.Response:
    to_login = await http.get(authorization_url)
    assert to_login.status_code == 302, to_login.text
    page = await http.get(to_login.headers["location"])
    assert page.status_code == 200, page.text
    return page


async def submit_key(
    http: httpx.AsyncClient, page: httpx.Response, api_key: str, action: str = "sign-in"
) -> httpx.Response:
    request_id = re.search(r'name="request" value="([^"]+)"', page.text)
    assert request_id is not None, page.text
    login_url = str(page.url).split("?", 1)[0]
    return await http.post(login_url, data={"request": request_id[1], "api_key": api_key, "action": action})


def callback_query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def page_error(page: httpx.Response) -> str:
    found = re.search(r'role="alert">([^<]*)<', page.text)
    return found[1] if found else ""


class MemoryTokens:
    """The SDK client's `TokenStorage`, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


@asynccontextmanager
async def oauth_client(
    url: str,
    browser: Browser,
    *,
    mode: str,
    storage: MemoryTokens | None = None,
    client_metadata_url: str | None = None,
    **options: Any,
) -> AsyncIterator[tuple[Client, OAuthClientProvider]]:
    """The SDK's MCP client over Streamable HTTP, authenticated by the SDK's own OAuth client (with
    `client_metadata_url`, in its Client ID Metadata Document mode when the server supports it)."""
    auth = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(redirect_uris=[AnyUrl(REDIRECT)], client_name="Test host"),
        storage=storage or MemoryTokens(),
        redirect_handler=browser.open,
        callback_handler=browser.callback,
        client_metadata_url=client_metadata_url,
    )
    http = mcp_http_client(auth=auth)
    async with http, Client(streamable_http_client(url, http_client=http), mode=mode, **options) as client:  # type: ignore[arg-type]
        yield client, auth


# ------------------------------------------------------------------------------------ the raw flow


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        return cls(verifier, challenge)


def credentials(client: dict[str, Any]) -> dict[str, str]:
    """What a client sends to authenticate at /token and /revoke: its id, and its secret if it has one."""
    secret = client.get("client_secret")
    return {"client_id": client["client_id"], **({"client_secret": secret} if secret else {})}


async def register(
    http: httpx.AsyncClient, base: str, redirect: str = REDIRECT, *, public: bool = False, name: str = "Raw client"
) -> dict[str, Any]:
    """Register a client: confidential (client_secret_post), or `public` (auth method `none`, no secret)."""
    body: dict[str, Any] = {"redirect_uris": [redirect], "client_name": name}
    if public:
        body["token_endpoint_auth_method"] = "none"
    reply = await http.post(f"{base}/register", json=body)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def authorization_url(base: str, client: dict[str, Any], pkce: Pkce, redirect: str = REDIRECT) -> str:
    query = httpx.QueryParams(
        response_type="code",
        client_id=client["client_id"],
        redirect_uri=redirect,
        code_challenge=pkce.challenge,
        code_challenge_method="S256",
        state="state-1",
        resource=f"{base}/mcp",
    )
    return f"{base}/authorize?{query}"


async def exchange(
    http: httpx.AsyncClient, base: str, client: dict[str, Any], code: str, verifier: str, redirect: str = REDIRECT
) -> httpx.Response:
    return await http.post(
        f"{base}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            **credentials(client),
            "code_verifier": verifier,
            "resource": f"{base}/mcp",
        },
    )


async def tokens_for(
    http: httpx.AsyncClient, base: str, api_key: str, *, public: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register a client and sign in with `api_key`: (client, token reply)."""
    client, pkce = await register(http, base, public=public), Pkce.new()
    back = await sign_in(http, authorization_url(base, client, pkce), api_key)
    reply = await exchange(http, base, client, callback_query(back)["code"], pkce.verifier)
    assert reply.status_code == 200, reply.text
    return client, dict(reply.json())


async def refresh(http: httpx.AsyncClient, base: str, client: dict[str, Any], refresh_token: str) -> httpx.Response:
    """The refresh-token grant, as the client sends it (its secret only if it has one)."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **credentials(client)}
    return await http.post(f"{base}/token", data=data)


async def list_tools_with(http: httpx.AsyncClient, base: str, access_token: str) -> httpx.Response:
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {access_token}"}
    return await http.post(f"{base}/mcp", json=TOOLS_LIST, headers=headers)
