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
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import selectors
import stat
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from mcp.server.stdio import stdio_server

from sync_mcp.sdk_internals import stdio_over

LINE_LIMIT = 1 << 30
"""Longest message line accepted (asyncio's default of 64 KiB would refuse a large tool call)."""
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


def _on_asyncio() -> bool:
    """Whether the running event loop is asyncio's (anyio may run on trio, where the SDK transport is kept)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@contextlib.asynccontextmanager
async def stdio_streams() -> AsyncIterator[tuple[Any, Any]]:
    """The (read, write) message streams of the stdio transport: over asyncio pipes where possible."""
    usable = sys.platform != "win32" and _on_asyncio() and pipe_like(0) and pipe_like(1)
    if not usable:
        async with stdio_server() as streams:
            yield streams
        return
    async with pipe_streams() as (lines, out), stdio_over(lines, out) as streams:
        yield streams
