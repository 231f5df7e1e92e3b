"""A real `redis-server` (Debian's package) on a free loopback port, two server replicas sharing it, and a tiny
round-robin balancer in front of them: the topology of a deployment with several replicas, in one test process.

The replicas are in-process uvicorn apps (tests/http_support.py), each built by `build_http_app` with its own
state backend, so they share nothing but Redis, as separate processes would. The balancer sends each HTTP
request to the next replica in turn and streams the reply back (SSE included), as a stateless balancer does.
"""

from __future__ import annotations

import itertools
import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import redis
from starlette.types import Receive, Scope, Send

from sync_mcp.config import Settings

from .http_support import HttpServer, http_server, serving

NAMESPACE = "sync-mcp-test"
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
     "upgrade", "host", "content-length"}
)  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisProcess:
    """`redis-server` on loopback. Without persistence (`--save '' --appendonly no`) unless `persistent`, which
    appends every write to a file before answering (`--appendonly yes --appendfsync always`), so a killed
    server restarts with everything it had acknowledged, as a deployment's Redis must."""

    def __init__(self, binary: str, folder: Path, *, persistent: bool = False) -> None:
        self.binary = binary
        self.folder = folder
        self.persistent = persistent
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        durability = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        return [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            *durability,
            "--dir", str(self.folder),
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    log = (self.folder / "redis.log").read_text()
                    raise RuntimeError(f"redis-server did not start: {log}") from None
                time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final save: what a crash or a lost host does."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=2)

    def entries(self) -> dict[str, tuple[str, float]]:
        """Every key with its value (as text; other types by their type name) and its TTL in seconds (-1: none)."""
        client = self.client()
        found: dict[str, tuple[str, float]] = {}
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            value = client.get(key) if kind == "string" else f"<{kind}>"
            found[key] = (str(value), client.pttl(key) / 1000)
        return found


def redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server is not installed (Debian package redis-server; .ci/run installs it): the replica tests "
            "need a real Redis"
        )
    return binary


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    """A fresh Redis without persistence, for one test."""
    server = RedisProcess(redis_binary(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A fresh Redis that persists every write (AOF, fsync always), for the kill-and-restart tests."""
    server = RedisProcess(redis_binary(), tmp_path, persistent=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def shared(redis_server: RedisProcess, **overrides: str) -> dict[str, str]:
    """The settings overrides that put a server's state in this Redis."""
    return {"SYNC_MCP_REDIS_URL": redis_server.url, "SYNC_MCP_REDIS_NAMESPACE": NAMESPACE, **overrides}


@asynccontextmanager
async def replicas(settings: Settings, count: int = 2) -> AsyncIterator[list[HttpServer]]:
    """`count` replicas of the HTTP server, each with its own state backend, on their own loopback ports."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(http_server(settings)) for _ in range(count)]


class RoundRobin:
    """An ASGI reverse proxy sending each request to the next upstream in turn (`routed` records which)."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self._next = itertools.cycle(range(len(upstreams)))
        self.routed: list[tuple[int, str, str]] = []
        """(upstream index, method, path) of every request, in order."""
        self.rpc: list[tuple[int, str]] = []
        """(upstream index, JSON-RPC method) of every MCP request, in order."""
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(60, connect=5), follow_redirects=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        index = next(self._next)
        self.routed.append((index, scope["method"], scope["path"]))
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/mcp" and body:
            try:
                self.rpc.append((index, str(json.loads(body).get("method"))))
            except (ValueError, AttributeError):
                pass
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.decode().lower() not in HOP_BY_HOP]
        host = next((v.decode() for k, v in scope["headers"] if k == b"host"), "")
        query = scope.get("query_string", b"").decode()
        url = self.upstreams[index] + scope["path"] + (f"?{query}" if query else "")
        request = self.http.build_request(scope["method"], url, headers=[*headers, ("host", host)], content=body)
        upstream = await self.http.send(request, stream=True)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": upstream.status_code,
                    "headers": [
                        (k.encode(), v.encode())
                        for k, v in upstream.headers.multi_items()
                        if k.lower() not in HOP_BY_HOP
                    ],
                }
            )
            async with anyio.create_task_group() as tg:

                async def client_gone() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    tg.cancel_scope.cancel()  # the client closed the stream (a listen ending): close upstream's

                tg.start_soon(client_gone)
                async for chunk in upstream.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                tg.cancel_scope.cancel()
        finally:
            await upstream.aclose()

    def served_by(self, method_path: str | None = None) -> set[int]:
        return {i for i, method, path in self.routed if method_path is None or f"{method} {path}" == method_path}


@asynccontextmanager
async def balancer(upstreams: list[str], sock: socket.socket | None = None) -> AsyncIterator[tuple[str, RoundRobin]]:
    """The round-robin proxy on a loopback port (or on `sock`): yields its base URL and the proxy."""
    proxy = RoundRobin(upstreams)
    async with proxy.http, serving(proxy, sock=sock) as base:  # type: ignore[arg-type]
        yield base, proxy


def data_of(error: Any) -> dict[str, Any]:
    """The `data` object of a JSON-RPC error raised by the SDK client."""
    return dict(error.error.data or {})
