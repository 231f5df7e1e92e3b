"""`write_behind`: blocks written to a file by a worker thread while the event loop produces the next ones.

A download that writes each block and waits for it before reading on, then fsyncs the whole file at the
end, spends its disk time in series with its network time: about a third of a loopback download of 1 GiB.
Here blocks queue (a few MiB at most, so memory stays bounded) for a writer that hands them to a worker
thread and syncs the data every `SYNC_BYTES`, so the final fsync has little left to do.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import BinaryIO

import anyio

QUEUED_BLOCKS = 8
"""Blocks waiting for the disk at most (with 1 MiB blocks: 8 MiB of memory)."""
SYNC_BYTES = 32 * 1024 * 1024
"""Data synced to disk every this many bytes, while the transfer goes on."""

OnWritten = Callable[[int], Awaitable[None]]
"""Called with the bytes on disk so far, after each block."""

_datasync = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync


async def write_behind(sink: BinaryIO, blocks: AsyncIterator[bytes], on_written: OnWritten) -> int:
    """Write every block of `blocks` to `sink`; returns the bytes written.

    An exception of `blocks` or of a write (`OSError`) stops both sides and is raised as itself;
    cancellation stops both sides too. The caller still flushes and fsyncs `sink` at the end.
    """
    send, receive = anyio.create_memory_object_stream[bytes](QUEUED_BLOCKS)
    failure: Exception | None = None
    written = synced = 0

    def put(block: bytes) -> None:
        nonlocal written, synced
        sink.write(block)
        written += len(block)
        if written - synced >= SYNC_BYTES:
            sink.flush()
            _datasync(sink.fileno())
            synced = written

    async def produce() -> None:
        nonlocal failure
        async with send:
            try:
                async for block in blocks:
                    await send.send(block)
            except Exception as exc:  # raised below as itself, not wrapped in an exception group
                failure = failure or exc
                group.cancel_scope.cancel()
            finally:
                close = getattr(blocks, "aclose", None)
                if close is not None:  # end the source (an HTTP stream) now, even when cancelled
                    with anyio.CancelScope(shield=True):
                        await close()

    async def consume() -> None:
        nonlocal failure
        async with receive:
            try:
                async for block in receive:
                    await anyio.to_thread.run_sync(put, block)
                    await on_written(written)
            except Exception as exc:
                failure = failure or exc
                group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(produce)
        group.start_soon(consume)
    if failure is not None:
        raise failure
    return written
