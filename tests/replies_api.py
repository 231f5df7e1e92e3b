"""A fake Sync API on loopback that misbehaves on cue, in front of the sandbox.

Every request is forwarded to the sandbox (so generations, keys and Idempotency-Key replays are the sandbox's
own) unless a cue says otherwise; a cue then replaces the reply of the next matching request(s): a reply that
does not parse, a body echoing the key, a reply held until the test releases it. Two more switches:

- `private`: each key reads only the generations it created (others get the API's 404), as two users of
  different organisations would, which the sandbox (one organisation) cannot show;
- `cookie_for`: replies to requests carrying that key set a cookie, as a load balancer might.

Every request received is recorded with its headers (`seen`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .http_support import serving

FORWARDED = ("x-api-key", "idempotency-key", "content-type", "user-agent", "x-sync-source")
GENERATION_PATH = re.compile(r"^/v2/generat(?:e|ions)/([^/]+)")

Reply = Callable[[httpx.Response], Response]


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
    reply: Reply | None
    times: int
    forward: bool
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
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.cues: list[Cue] = []
        self.seen: list[Seen] = []
        self.private = False
        self.cookie_for: str | None = None
        self.owners: dict[str, str | None] = {}
        self.base_url = ""
        self._http: httpx.AsyncClient | None = None
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST", "DELETE", "PUT"])])

    def on(
        self,
        method: str,
        path: str,
        reply: Reply | None = None,
        *,
        times: int = 1,
        forward: bool = True,
        hold: anyio.Event | None = None,
    ) -> Cue:
        """For the next `times` requests `method path...`: forward (unless `forward=False`), then answer with
        `reply(sandbox_reply)` (or the sandbox's reply), after `hold` is set if given."""
        cue = Cue(method, path, reply, times, forward, hold)
        self.cues.append(cue)
        return cue

    def requests_to(self, path: str) -> list[Seen]:
        return [r for r in self.seen if r.path.startswith(path)]

    def _take(self, method: str, path: str) -> Cue | None:
        for cue in self.cues:
            if cue.method == method and path.startswith(cue.path):
                cue.times -= 1
                if cue.times <= 0:
                    self.cues.remove(cue)
                return cue
        return None

    async def _handle(self, request: Request) -> Response:
        assert self._http is not None
        path = request.url.path
        body = await request.body()
        self.seen.append(Seen(request.method, path, {k.lower(): v for k, v in request.headers.items()}))
        key = request.headers.get("x-api-key")
        owned = GENERATION_PATH.match(path)
        if self.private and owned and owned[1] in self.owners and self.owners[owned[1]] != key:
            return JSONResponse(
                {
                    "statusCode": 404,
                    "errorCode": "generation_not_found",
                    "message": f"Generation {owned[1]} not found.",
                },
                404,
            )
        cue = self._take(request.method, path)
        if cue is not None:
            cue.arrived.set()
            if cue.hold is not None:
                await cue.hold.wait()
        upstream: httpx.Response | None = None
        if cue is None or cue.forward:
            headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED}
            upstream = await self._http.request(
                request.method, self.upstream + path, params=request.query_params, content=body, headers=headers
            )
            if request.method == "POST" and path == "/v2/generate" and upstream.is_success:
                self.owners[upstream.json()["id"]] = key
        if cue is not None and cue.reply is not None:
            assert upstream is not None or not cue.forward
            response = cue.reply(upstream) if upstream is not None else cue.reply(httpx.Response(200))
        else:
            assert upstream is not None
            media = upstream.headers.get("content-type")
            response = Response(upstream.content, upstream.status_code, media_type=media)
        if self.cookie_for is not None and key == self.cookie_for:
            response.set_cookie("lb_session", "cookie-of-user-a", path="/")
        return response


@asynccontextmanager
async def fake_api(upstream: str) -> AsyncIterator[FakeApi]:
    """A `FakeApi` in front of `upstream` (the sandbox), served on a free loopback port."""
    fake = FakeApi(upstream)
    async with httpx.AsyncClient(timeout=30) as http:
        fake._http = http
        async with serving(fake.app) as base_url:
            fake.base_url = base_url
            yield fake
