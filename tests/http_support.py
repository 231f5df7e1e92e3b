"""Serving the MCP server's Streamable HTTP app in-process (uvicorn on loopback) and connecting SDK clients."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client  # the tests' one private SDK import: see mcp_http_client
from starlette.applications import Starlette

from sync_mcp.api.webhooks import SIGNATURE_HEADER, signature_header
from sync_mcp.config import Settings
from sync_mcp.server.app import SyncMCPServer
from sync_mcp.server.http import build_http_app

TOKEN = "test-bearer-token-5b2e8f7a1c-93d04e6b"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def mcp_http_client(*, headers: dict[str, str] | None = None, auth: Any = None) -> Any:
    """An HTTP client made the way the SDK makes its own for Streamable HTTP (its timeouts, redirects).

    The SDK keeps this in a private module (`mcp.shared._httpx_utils`); every test reaches it through here, so an
    SDK upgrade that moves it breaks one line, not several files."""
    return create_mcp_http_client(headers=headers, auth=auth)


class HttpServer:
    def __init__(self, server: SyncMCPServer, base_url: str) -> None:
        self.server = server
        self.base_url = base_url
        self.mcp_url = f"{base_url}/mcp"
        self.webhook_url = f"{base_url}/webhooks/sync"


@asynccontextmanager
async def serving(
    app: Starlette, sock: socket.socket | None = None, log_level: str = "warning", tls: tuple[str, str] | None = None
) -> AsyncIterator[str]:
    """Run `app` on a free loopback port (or on `sock`, bound already); yields its base URL. At `log_level`
    "info" uvicorn writes its access log; with `tls` (certificate and key files) it serves https."""
    if sock is None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    certificate, key = tls or (None, None)
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level=log_level,
        timeout_graceful_shutdown=1,
        ssl_certfile=certificate,
        ssl_keyfile=key,
    )
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: server.serve(sockets=[sock]))
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
                await anyio.sleep(0.01)
        try:
            yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        finally:
            server.should_exit = True


@asynccontextmanager
async def http_server(settings: Settings) -> AsyncIterator[HttpServer]:
    server, app = build_http_app(settings)
    async with serving(app) as base:
        yield HttpServer(server, base)


@asynccontextmanager
async def http_client(
    url: str,
    *,
    mode: str,
    token: str | None = TOKEN,
    api_key: str | None = None,
    headers: dict[str, str] | None = None,
    **options: Any,
) -> AsyncIterator[Client]:
    headers = dict(headers or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if api_key is not None:
        headers["X-Sync-Api-Key"] = api_key
    http = mcp_http_client(headers=headers)
    async with http, Client(streamable_http_client(url, http_client=http), mode=mode, **options) as client:  # type: ignore[arg-type]
        yield client


async def post_delivery(
    url: str, body: bytes, secret: str, *, timestamp: int | None = None, signature: str | None = None
) -> httpx.Response:
    """POST a webhook delivery the way the API does (signed unless `signature` overrides the header)."""
    header = signature if signature is not None else signature_header(secret, body, timestamp)
    headers = {"content-type": "application/json", SIGNATURE_HEADER: header}
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(url, content=body, headers=headers)
