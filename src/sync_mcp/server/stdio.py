"""The stdio transport without a worker-thread hop per message.

The SDK's `stdio_server()` reads stdin and writes stdout through `anyio.wrap_file`, so every line read and
every message written (a write and a flush) is handed to a worker thread and back. With 200 concurrent
waits that is some 2,000 hand-offs, a fifth of the server's CPU time. Here, when stdin and stdout are
pipes, sockets or terminals the event loop can poll (what MCP hosts give), on a POSIX asyncio loop, they
are served by asyncio's own non-blocking pipe transports instead, and the SDK's `stdio_server` is fed
these streams, so the framing and parsing of messages stay the SDK's. Anything else (regular files,
/dev/null, Windows, another event loop) falls back to the SDK's transport unchanged.

As the SDK does, while serving, fd 0 reads the null device and fd 1 writes to stderr, so stray reads and
prints (of this process or its children) cannot touch the JSON-RPC stream; both are restored on exit.

A line that is not a JSON-RPC message gets the JSON-RPC answer (the SDK's transport hands it on as an
exception, and its dispatcher drops it unanswered): -32700 "Parse error" for a line that is not JSON,
-32600 "Invalid Request" for JSON that is not a message (with the line's `id` when it has a usable one).
Blank lines are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import selectors
import signal
import stat
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp.types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError
from pydantic import ValidationError

from sync_mcp.sdk_internals import message_streams, stdio_over
from sync_mcp.services.concurrent_waits import DRAIN

logger = logging.getLogger(__name__)

LINE_LIMIT = 1 << 30
"""Longest message line accepted (asyncio's default of 64 KiB would refuse a large tool call)."""
REPLY_FLUSH_SECONDS = 0.05
CLOSE_TIMEOUT = 5.0
"""Seconds to flush what is still buffered for stdout at exit."""


def pipe_like(fd: int, events: int = selectors.EVENT_READ) -> bool:
    """Can asyncio serve this descriptor without blocking: a pipe, socket or terminal that the event loop's
    selector accepts (a regular file is not one, nor is /dev/null, a character device epoll refuses)?"""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)):
        return False
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(fd, events)
    except (OSError, ValueError):
        return False
    return True


class PipeLines:
    """stdin as the SDK's transport reads it: an async iterator of decoded lines."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> PipeLines:
        return self

    async def __anext__(self) -> str:
        line = await self._reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


class PipeWriter:
    """stdout as the SDK's transport writes it: `write` buffers at once, `flush` waits only when the
    reader lags (asyncio's flow control)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


def _claim(fd: int, diversion: Callable[[], int]) -> tuple[int, Callable[[], None]]:
    """A private duplicate of `fd` (close-on-exec, above the standard range), `fd` pointed at the diversion,
    and the function restoring it."""
    private = _dup_above_std(fd)
    target = diversion()
    try:
        os.dup2(target, fd)
    except OSError:
        os.close(private)
        raise
    finally:
        os.close(target)

    def restore() -> None:
        with contextlib.suppress(OSError):
            os.dup2(private, fd)

    return private, restore


def _dup_above_std(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)


@contextlib.asynccontextmanager
async def pipe_streams(stdin_fd: int = 0, stdout_fd: int = 1) -> AsyncIterator[tuple[PipeLines, PipeWriter]]:
    """Serve `stdin_fd` and `stdout_fd` through asyncio pipes, diverted meanwhile (see the module doc)."""
    loop = asyncio.get_running_loop()
    in_fd, restore_in = _claim(stdin_fd, lambda: os.open(os.devnull, os.O_RDONLY))
    try:
        out_fd, restore_out = _claim(stdout_fd, lambda: os.dup(2))
    except OSError:
        restore_in()
        os.close(in_fd)
        raise
    wire_in, wire_out = os.fdopen(in_fd, "rb", buffering=0), os.fdopen(out_fd, "wb", buffering=0)
    reader = asyncio.StreamReader(limit=LINE_LIMIT, loop=loop)
    read_transport: asyncio.BaseTransport | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader, loop=loop), wire_in
        )
        write_transport, protocol = await loop.connect_write_pipe(
            lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader(loop=loop), loop=loop), wire_out
        )
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        with _sigterm_as_eof(loop, reader):
            yield PipeLines(reader), PipeWriter(writer)
    finally:
        restore_in()
        restore_out()
        if read_transport is not None:
            read_transport.close()
        else:
            wire_in.close()
        if writer is not None:
            writer.close()
            with anyio.move_on_after(CLOSE_TIMEOUT, shield=True), contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()
        else:
            wire_out.close()
        for fd in (stdin_fd, stdout_fd):  # the pipe transports made the shared descriptions non-blocking
            with contextlib.suppress(OSError):
                os.set_blocking(fd, True)


@contextlib.contextmanager
def _sigterm_as_eof(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader) -> Iterator[None]:
    """SIGTERM ends stdin as its EOF does: calls in flight finish (waits cut short), then the server stops and
    the process exits 0 (see `answering_bad_lines`)."""

    def stop() -> None:
        logger.info("SIGTERM: finishing the calls in flight (waits end within %.0f s)", DRAIN.grace)
        reader.feed_eof()

    try:
        loop.add_signal_handler(signal.SIGTERM, stop)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _on_asyncio() -> bool:
    """Whether the running event loop is asyncio's (anyio may run on trio, where the SDK transport is kept)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def rejection(problem: Exception) -> JSONRPCError | None:
    """The JSON-RPC error answering a line the transport could not read as a message (None for a blank line)."""
    errors = problem.errors(include_url=False) if isinstance(problem, ValidationError) else []
    if errors and all(e["type"] == "json_invalid" for e in errors):
        text = errors[0].get("input")
        if isinstance(text, str) and not text.strip():
            return None
        return JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=PARSE_ERROR, message="Parse error"))
    request_id = None
    for e in errors:
        value = e.get("input")
        if isinstance(value, dict) and type(value.get("id")) in (int, str):
            request_id = value["id"]
            break
    return JSONRPCError(
        jsonrpc="2.0",
        id=request_id,
        error=ErrorData(code=INVALID_REQUEST, message="Invalid Request: not a JSON-RPC 2.0 message"),
    )


@contextlib.asynccontextmanager
async def answering_bad_lines(read_stream: Any, write_stream: Any) -> AsyncIterator[tuple[Any, Any]]:
    """`read_stream` without the exceptions the transport puts on it for unreadable lines: each is answered
    on `write_stream` instead (see `rejection`)."""
    send, receive = message_streams()

    async def relay() -> None:
        async with send:
            async for item in read_stream:
                if not isinstance(item, Exception):
                    await send.send(item)
                    continue
                reply = rejection(item)
                if reply is not None:
                    logger.debug("answered an unreadable stdin line with %s", reply.error.code)
                    await write_stream.send(SessionMessage(reply))
            # stdin closed: calls in flight end (waits cut short), and their replies, written just after, reach
            # the transport before the server stops; then the drain is over (a process may serve again)
            try:
                if await DRAIN.settle():
                    await anyio.sleep(REPLY_FLUSH_SECONDS)
            finally:
                DRAIN.reset()

    async with anyio.create_task_group() as tg:
        tg.start_soon(relay)
        try:
            yield receive, write_stream
        finally:
            tg.cancel_scope.cancel()


@contextlib.asynccontextmanager
async def stdio_streams() -> AsyncIterator[tuple[Any, Any]]:
    """The (read, write) message streams of the stdio transport: over asyncio pipes where possible, with
    unreadable lines answered (see the module doc)."""
    usable = sys.platform != "win32" and _on_asyncio() and pipe_like(0) and pipe_like(1)
    if not usable:
        async with stdio_server() as streams, answering_bad_lines(*streams) as answered:
            yield answered
        return
    async with (
        pipe_streams() as (lines, out),
        stdio_over(lines, out) as streams,
        answering_bad_lines(*streams) as answered,
    ):
        yield answered
