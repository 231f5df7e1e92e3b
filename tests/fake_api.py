"""A stand-in Sync API on loopback that misbehaves on cue, in front of the sandbox.

Every request is forwarded to the sandbox (so generations, keys, uploads and Idempotency-Key replays are the
sandbox's own) unless a cue steps in (`on`) for the next matching request(s):

- a `step` runs first with the request: it may act (swap a file mid-upload) and let the request through, or
  answer itself (a download URL that leads to misbehaving storage, served by `StorageFaults`);
- a `reply` replaces the sandbox's reply: a body that does not parse, a body echoing the key, an edited reply;
- `hold` keeps the request until the test releases it (`arrived` says it is here).

Two switches: `private` makes each key read only the generations it created (others get the API's 404), as two
users of different organisations would, which the sandbox (one organisation) cannot show; `cookie_for` makes
replies to requests carrying that key set a cookie, as a load balancer might. Every request received is recorded
with its headers (`seen`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from .http_support import serving

Step = Callable[[Request], Awaitable[Response | None]]
"""Runs first for a matching request: a response answers it, None lets it through to the sandbox."""
Reply = Callable[[httpx.Response], Response]
"""Replaces the sandbox's reply to a matching request (given that reply)."""
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
HOP_BY_HOP = {"connection", "content-length", "content-encoding", "transfer-encoding", "keep-alive", "host"}
GENERATION_PATH = re.compile(r"^/v2/generat(?:e|ions)/([^/]+)")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]

    @property
    def key(self) -> str | None:
        return self.headers.get("x-api-key")


@dataclass
class Cue:
    method: str
    path: str
    times: int
    step: Step | None = None
    reply: Reply | None = None
    forward: bool = True
    hold: anyio.Event | None = None
    """Wait for this event before answering (`arrived` is set once the request is here)."""
    arrived: anyio.Event = field(default_factory=anyio.Event)


def json_reply(body: Any, status: int = 200) -> Reply:
    return lambda _: JSONResponse(body, status)


def raw_reply(text: str, status: int = 200, media_type: str = "application/json") -> Reply:
    return lambda _: Response(text, status, media_type=media_type)


def edited_reply(edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Reply:
    """The sandbox's own JSON reply, changed by `edit`."""
    return lambda upstream: JSONResponse(edit(upstream.json()), upstream.status_code)


class FakeApi:
    def __init__(self, upstream: str, http: httpx.AsyncClient) -> None:
        self.upstream = upstream.rstrip("/")
        self.base_url = ""
        self.cues: list[Cue] = []
        self.seen: list[Seen] = []
        self.private = False
        self.cookie_for: str | None = None
        self.owners: dict[str, str | None] = {}
        self._http = http
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=METHODS)])

    def on(
        self,
        method: str,
        path: str,
        reply: Reply | None = None,
        *,
        step: Step | None = None,
        times: int = 1,
        forward: bool = True,
        hold: anyio.Event | None = None,
    ) -> Cue:
        """For the next `times` requests `method path...`: run `step` (its response answers), forward (unless
        `forward=False`), then answer with `reply(sandbox_reply)` (or the sandbox's reply), after `hold` is set."""
        cue = Cue(method.upper(), path, times, step, reply, forward, hold)
        self.cues.append(cue)
        return cue

    def requests_to(self, path: str, method: str | None = None) -> list[Seen]:
        return [r for r in self.seen if r.path.startswith(path) and method in (None, r.method)]

    def _take(self, method: str, path: str) -> Cue | None:
        for cue in self.cues:
            if cue.method == method and path.startswith(cue.path):
                cue.times -= 1
                if cue.times <= 0:
                    self.cues.remove(cue)
                return cue
        return None

    def _hidden(self, path: str, key: str | None) -> str | None:
        """The generation this path names, when `private` hides it from this key."""
        owned = GENERATION_PATH.match(path)
        if self.private and owned is not None and owned[1] in self.owners and self.owners[owned[1]] != key:
            return owned[1]
        return None

    async def _handle(self, request: Request) -> Response:
        path, key = request.url.path, request.headers.get("x-api-key")
        self.seen.append(Seen(request.method, path, {k.lower(): v for k, v in request.headers.items()}))
        if gid := self._hidden(path, key):
            body = {"statusCode": 404, "errorCode": "generation_not_found", "message": f"Generation {gid} not found."}
            return JSONResponse(body, 404)
        cue = self._take(request.method, path)
        if cue is not None:
            cue.arrived.set()
            if cue.hold is not None:
                await cue.hold.wait()
            answer = await cue.step(request) if cue.step is not None else None
            if answer is not None:
                return answer
        upstream = await self._forward(request) if cue is None or cue.forward else httpx.Response(200)
        if cue is not None and cue.reply is not None:
            response = cue.reply(upstream)
        else:
            kept = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
            response = Response(upstream.content, upstream.status_code, kept)
        if self.cookie_for is not None and key == self.cookie_for:
            response.set_cookie("lb_session", "cookie-of-user-a", path="/")
        return response

    async def _forward(self, request: Request) -> httpx.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = await self._http.request(
            request.method,
            self.upstream + request.url.path,
            params=request.query_params,
            headers=headers,
            content=await request.body(),
        )
        if request.method == "POST" and request.url.path == "/v2/generate" and upstream.is_success:
            self.owners[upstream.json()["id"]] = request.headers.get("x-api-key")
        return upstream


@asynccontextmanager
async def fake_api(upstream: str) -> AsyncIterator[FakeApi]:
    """A `FakeApi` in front of `upstream` (the sandbox), served on a free loopback port."""
    async with httpx.AsyncClient(timeout=30) as http:
        fake = FakeApi(upstream, http)
        async with serving(fake.app) as base_url:
            fake.base_url = base_url
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
