"""Writing behind a transfer (`services.write_behind`): every block lands in order, a failing disk or a failing
source stops both sides and surfaces as itself, and memory stays bounded while the disk lags."""

from __future__ import annotations

import io
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sync_mcp.services import write_behind as wb

pytestmark = pytest.mark.anyio


async def _blocks(count: int, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(count):
        yield bytes([i % 256]) * size


async def test_every_block_is_written_in_order_with_progress() -> None:
    sink = io.BytesIO()
    seen: list[int] = []

    async def on_written(done: int) -> None:
        seen.append(done)

    assert await wb.write_behind(sink, _blocks(50), on_written) == 50_000
    assert sink.getvalue() == b"".join(bytes([i]) * 1000 for i in range(50))
    assert seen == [1000 * (i + 1) for i in range(50)]


class FullDisk(io.BytesIO):
    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() >= 3000:
            raise OSError(28, "No space left on device")
        return super().write(data)


async def test_a_failed_write_stops_the_source_and_is_raised_as_itself() -> None:
    produced: list[int] = []
    closed = threading.Event()

    async def source() -> AsyncIterator[bytes]:
        try:
            for i in range(10_000):
                produced.append(i)
                yield b"x" * 1000
        finally:
            closed.set()

    async def ignore(done: int) -> None:
        return None

    with pytest.raises(OSError) as failure:
        await wb.write_behind(FullDisk(), source(), ignore)
    assert failure.value.errno == 28
    assert len(produced) < 3 + wb.QUEUED_BLOCKS + 3, "the source stopped soon after the disk failed"
    assert closed.is_set(), "the source was closed"


async def test_a_failing_source_is_raised_as_itself() -> None:
    sink = io.BytesIO()

    async def source() -> AsyncIterator[bytes]:
        yield b"abc"
        raise LookupError("the transfer broke off")

    async def ignore(done: int) -> None:
        return None

    with pytest.raises(LookupError, match="broke off"):
        await wb.write_behind(sink, source(), ignore)


async def test_data_is_synced_while_the_transfer_goes_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    synced_at: list[int] = []
    monkeypatch.setattr(wb, "SYNC_BYTES", 10_000)
    monkeypatch.setattr(wb, "_datasync", lambda fd: synced_at.append(fd))

    async def ignore(done: int) -> None:
        return None

    with (tmp_path / "out").open("wb") as sink:
        await wb.write_behind(sink, _blocks(35), ignore)
    assert len(synced_at) == 3  # at 10, 20 and 30 kB; the caller syncs the rest at the end
