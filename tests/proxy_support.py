"""A forward HTTP proxy on loopback, as a company network puts between a server and the internet: it takes
requests in absolute form (`GET http://host:port/path HTTP/1.1`), records them, and forwards them itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import h11
import httpx
from anyio.abc import SocketStream

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "transfer-encoding", "host"}


@dataclass
class Proxied:
    method: str
    url: str
    headers: dict[str, str]


@dataclass
class ForwardProxy:
    http: httpx.AsyncClient
    url: str = ""
    seen: list[Proxied] = field(default_factory=list)

    def paths(self, method: str) -> list[str]:
        """The paths of the `method` requests it forwarded, in order."""
        return [httpx.URL(r.url).path for r in self.seen if r.method == method]

    async def serve(self, stream: SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        async with stream:
            while True:
                request = await _next(conn, stream)
                if not isinstance(request, h11.Request):
                    return
                body = b""
                while not isinstance(event := await _next(conn, stream), h11.EndOfMessage):
                    if isinstance(event, h11.Data):
                        body += event.data
                    elif not isinstance(event, h11.Request):
                        return
                await self._forward(conn, stream, request, body)
                if conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()

    async def _forward(self, conn: h11.Connection, stream: SocketStream, request: h11.Request, body: bytes) -> None:
        method, url = request.method.decode(), request.target.decode()
        headers = {k.decode().lower(): v.decode() for k, v in request.headers}
        self.seen.append(Proxied(method, url, headers))
        sent = {k: v for k, v in headers.items() if k not in HOP_BY_HOP and k != "content-length"}
        reply = await self.http.request(method, url, headers=sent, content=body)
        kept = [(k, v) for k, v in reply.headers.items() if k.lower() not in HOP_BY_HOP | {"content-length"}]
        kept.append(("content-length", str(len(reply.content))))
        await stream.send(conn.send(h11.Response(status_code=reply.status_code, headers=kept)) or b"")
        await stream.send(conn.send(h11.Data(data=reply.content)) or b"")
        await stream.send(conn.send(h11.EndOfMessage()) or b"")


async def _next(conn: h11.Connection, stream: SocketStream) -> object:
    while (event := conn.next_event()) is h11.NEED_DATA:
        try:
            conn.receive_data(await stream.receive())
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            conn.receive_data(b"")
    return event


@asynccontextmanager
async def forward_proxy() -> AsyncIterator[ForwardProxy]:
    """A `ForwardProxy` on a free loopback port (its own requests go out directly, whatever the environment)."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http, listener, anyio.create_task_group() as tg:
        proxy = ForwardProxy(http, f"http://127.0.0.1:{port}")
        tg.start_soon(listener.serve, proxy.serve)
        try:
            yield proxy
        finally:
            tg.cancel_scope.cancel()
