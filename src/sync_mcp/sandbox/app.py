"""`create_app`: the sandbox's Starlette application, composed from the route modules.

Every request under /v2 passes through `SandboxMiddleware`, which records it in the request log (before
anything can refuse it, so 401s are logged too) and applies any scripted HTTP fault.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
from tempfile import SpooledTemporaryFile
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import routes as route_package
from .config import SandboxConfig
from .errors import catalog, message_for
from .http import ErrorReply, api_error, key_fingerprint, reason
from .state import RecordedRequest, SandboxState, ScriptedFault

SPOOL_BYTES = 1024 * 1024
"""Multipart bodies beyond this size go to a temporary file while a request is handled."""


def route_modules() -> list[ModuleType]:
    """Every module of `sandbox/routes/` (one per API domain), each exposing `routes`."""
    names = sorted(m.name for m in pkgutil.iter_modules(route_package.__path__))
    return [importlib.import_module(f"{route_package.__name__}.{name}") for name in names]


def _is_api_path(path: str) -> bool:
    return path == "/v2" or path.startswith("/v2/")


def _is_multipart(headers: Headers) -> bool:
    return "multipart/form-data" in headers.get("content-type", "").lower()


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def fault_response(fault: ScriptedFault, generation_id: str | None = None) -> Response:
    status = fault.status or 500
    code = fault.error_code
    message = fault.message or (message_for(code) if code in catalog() else reason(status))
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    extra = {"generationId": generation_id} if generation_id else {}
    return api_error(status, code, message, headers=headers, **extra)


async def _dropped(scope: Scope, receive: Receive, send: Send) -> None:
    """A reply that breaks off: the status line and a Content-Length go out, the body never does, and the
    server closes the connection (it logs one line about the incomplete response)."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})


async def _client_left_within(seconds: float, receive: Receive) -> bool:
    """Wait `seconds`, or less when the client disconnects first (True then). The request body was read
    already, so the next message the server hands over is the disconnect."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def next_message() -> bool:
        return (await receive())["type"] == "http.disconnect"

    try:
        if await asyncio.wait_for(next_message(), timeout=seconds):
            return True
    except asyncio.TimeoutError:
        return False
    await asyncio.sleep(max(0.0, end - loop.time()))
    return False


def _created_id(chunks: list[bytes]) -> str | None:
    body = _parse_json(b"".join(chunks))
    return body.get("id") if isinstance(body, dict) and isinstance(body.get("id"), str) else None


class SandboxMiddleware:
    """Request log and fault injection for /v2 (pure ASGI, so long-polls and bodies pass untouched)."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        # Multipart bodies (file uploads) are spooled, not held in memory, and are not logged.
        spool = SpooledTemporaryFile(max_size=SPOOL_BYTES) if _is_multipart(headers) else None
        raw = await _read_body(receive, spool)
        keys = headers.getlist("idempotency-key")
        entry = self.state.record_request(
            RecordedRequest(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                idempotency_key=", ".join(keys) if keys else None,
                has_api_key="x-api-key" in headers,
                body=_parse_json(raw),
                key_fingerprint=key_fingerprint(headers.get("x-api-key")),
            )
        )
        handled: list[bytes] = []

        async def discard(message: Message) -> None:
            if message["type"] == "http.response.body":
                handled.append(message.get("body", b""))

        replay = _replayer(raw, spool, receive)
        try:
            await self._handle(scope, receive, replay, _logging_send(send, entry), discard, handled, entry)
        finally:
            if spool is not None:
                spool.close()

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        replay: Receive,
        logged_send: Send,
        discard: Send,
        handled: list[bytes],
        entry: RecordedRequest,
    ) -> None:
        fault = self.state.take_fault(scope["method"], scope["path"])
        if fault is not None and fault.delay and await _client_left_within(fault.delay, receive):
            entry.disconnected = True
            return
        if fault is None or (fault.status is None and not fault.drop):
            await self.app(scope, replay, logged_send)
            return
        if fault.after_handling:
            await self.app(scope, replay, discard)
        if fault.drop:
            await _dropped(scope, replay, logged_send)
            return
        generation_id = _created_id(handled) if fault.report_generation_id else None
        await fault_response(fault, generation_id)(scope, replay, logged_send)


async def _error_reply(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ErrorReply)
    return exc.response


async def _route_not_found(request: Request, exc: Exception) -> Response:
    # The API (NestJS) answers unknown routes and wrong methods alike with this 404 body.
    return JSONResponse(
        {"message": f"Cannot {request.method} {request.url.path}", "error": "Not Found", "statusCode": 404}, 404
    )


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return api_error(exc.status_code, None, exc.detail or reason(exc.status_code))


async def _internal_error(request: Request, exc: Exception) -> Response:
    return api_error(500, "internal_error", "Internal server error")


def create_app(config: SandboxConfig | None = None, state: SandboxState | None = None) -> Starlette:
    """The sandbox application. `state` defaults to a fresh `SandboxState` for `config`."""
    if state is None:
        state = SandboxState(config or SandboxConfig())
    elif config is not None:
        state.config = config
    app = Starlette(
        routes=[route for module in route_modules() for route in module.routes],
        middleware=[Middleware(SandboxMiddleware, state=state)],
        exception_handlers={
            ErrorReply: _error_reply,
            404: _route_not_found,
            405: _route_not_found,
            HTTPException: _http_exception,
            Exception: _internal_error,
        },
    )
    app.state.sandbox = state
    return app


async def _read_body(receive: Receive, spool: SpooledTemporaryFile[bytes] | None) -> bytes:
    """The request body: in memory, or written to `spool` (rewound) and then b""."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        if spool is not None:
            spool.write(message.get("body", b""))
        else:
            chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    if spool is not None:
        spool.seek(0)
    return b"".join(chunks)


def _replayer(raw: bytes, spool: SpooledTemporaryFile[bytes] | None, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read (from memory or the spool), then the real one."""
    size = spool.seek(0, 2) if spool is not None else 0
    if spool is not None:
        spool.seek(0)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed and spool is not None:
            piece = spool.read(SPOOL_BYTES)
            replayed = spool.tell() >= size
            return {"type": "http.request", "body": piece, "more_body": not replayed}
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay


def _logging_send(send: Send, entry: RecordedRequest) -> Send:
    """A `send` that records the reply's status, and an error reply's `errorCode` and `field`, on `entry`."""
    error_body: list[bytes] = []

    async def logged_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            entry.status = message["status"]
        elif message["type"] == "http.response.body" and (entry.status or 0) >= 400:
            error_body.append(message.get("body", b""))
            if not message.get("more_body", False):
                reply = _parse_json(b"".join(error_body))
                if isinstance(reply, dict):
                    entry.error_code, entry.error_field = reply.get("errorCode"), reply.get("field")
        await send(message)

    return logged_send
