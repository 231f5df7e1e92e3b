"""A stand-in Sync API for fault tests: on loopback, it forwards every request to the sandbox, except where a
test steps in (`on`): a step may act first (swap a file mid-upload) and let the request through, or answer
itself (a download URL that leads to misbehaving storage). It also serves that storage: `StorageFaults`
gives the responses (drip-fed, endless, redirecting) a step hands out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from .http_support import serving

Step = Callable[[Request], Awaitable[Response | None]]
"""Runs for a matching request: a response answers it, None lets it through to the sandbox."""
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
HOP_BY_HOP = {"connection", "content-length", "content-encoding", "transfer-encoding", "keep-alive", "host"}


@dataclass
class _Rule:
    method: str
    path: str
    step: Step
    times: int


@dataclass
class FakeAPI:
    upstream: str
    url: str = ""
    rules: list[_Rule] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every request received, in order."""

    def on(self, method: str, path: str, step: Step, *, times: int = 1) -> None:
        """Run `step` for the next `times` requests of `method` whose path starts with `path`."""
        self.rules.append(_Rule(method.upper(), path, step, times))

    def _rule(self, request: Request) -> _Rule | None:
        for rule in self.rules:
            if rule.times > 0 and rule.method == request.method and request.url.path.startswith(rule.path):
                rule.times -= 1
                return rule
        return None

    async def handle(self, request: Request) -> Response:
        self.seen.append((request.method, request.url.path))
        rule = self._rule(request)
        if rule is not None:
            answer = await rule.step(request)
            if answer is not None:
                return answer
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as http:
            reply = await http.request(
                request.method,
                request.url.path,
                params=request.query_params,
                headers=headers,
                content=await request.body(),
            )
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in HOP_BY_HOP}
        return Response(reply.content, reply.status_code, kept)


@asynccontextmanager
async def fake_api(upstream: str) -> AsyncIterator[FakeAPI]:
    fake = FakeAPI(upstream)
    app = Starlette(routes=[Route("/{path:path}", fake.handle, methods=METHODS)])
    async with serving(app) as url:
        fake.url = url
        yield fake


def download_url(url: str) -> Step:
    """A step for `GET /v2/generations/{id}/download`: the API hands out `url` as the output's URL."""

    async def answer(request: Request) -> Response:
        return PlainTextResponse(url)

    return answer


class StorageFaults:
    """Misbehaving storage, as responses for steps (mounted under the fake API's own URL)."""

    def __init__(self) -> None:
        self.sent = 0
        """Body bytes handed to the connection so far."""

    def drip(self, every: float, chunk: bytes = b"x") -> Response:
        """A body with a length that never completes: one small chunk every `every` seconds."""

        async def body() -> AsyncIterator[bytes]:
            while True:
                self.sent += len(chunk)
                yield chunk
                await anyio.sleep(every)

        return StreamingResponse(body(), media_type="video/mp4", headers={"content-length": str(1 << 30)})

    def endless(self, chunk_size: int = 64 * 1024) -> Response:
        """A body without a length (chunked) that never ends."""
        chunk = b"\0" * chunk_size

        async def body() -> AsyncIterator[bytes]:
            while True:
                self.sent += len(chunk)
                yield chunk
                await anyio.lowlevel.checkpoint()

        return StreamingResponse(body(), media_type="video/mp4")


def redirect(location: str) -> Step:
    async def answer(request: Request) -> Response:
        return Response(status_code=302, headers={"location": location})

    return answer


@dataclass
class Bystander:
    """A service on loopback that a download must not reach; it records every request it gets."""

    url: str = ""
    hits: list[str] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.hits.append(request.url.path)
        return Response(b"\0\0\0\x18ftypisom internal data", media_type="video/mp4")


@asynccontextmanager
async def bystander() -> AsyncIterator[Bystander]:
    service = Bystander()
    async with serving(Starlette(routes=[Route("/{path:path}", service.handle, methods=METHODS)])) as url:
        service.url = url
        yield service
