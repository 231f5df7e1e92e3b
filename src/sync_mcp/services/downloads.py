"""Saving a finished generation's video into the caller's output folder (for `download_output` and `lipsync`).

`await save_output(state, folders, progress, generation_id) -> DownloadResult` reads the generation, asks the
API for its download URL (`GET /v2/generations/{id}/download`, falling back to the generation's `outputUrl`) and streams
that URL, without the API key, into the caller's output folder (`SYNC_MCP_OUTPUT_DIR`, or the caller's own
folder under it over HTTP: `folders`; `paths.output_file` keeps it inside), so one caller's download never
replaces another's file. The file is written atomically: a temp file in the same folder, fsync,
`os.replace`; a failed or cancelled transfer leaves neither a partial file nor a temp file. Disk writes run
behind the transfer (`write_behind`). Progress is reported per MiB, or per 1 % of a large file.

Bounded: one deadline for the whole download (`SYNC_MCP_DOWNLOAD_TIMEOUT`, however slowly the bytes come),
a size cap and folder quotas counted as bytes arrive (`disk_budget`), and only http(s) URLs, redirects
followed by hand, none to loopback or private addresses unless the API base is one (`fetch_guard`).
Anticipated failures raise `DownloadFailed`, whose `info` is the agent-facing error, worded in
`sync_mcp.guidance.failures` (one function per situation, given the facts); API errors raise `SyncAPIError` as
usual.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO, Literal

import anyio
import httpx
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp import telemetry
from sync_mcp.api import Generation, SyncAPIError, SyncClient
from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.guidance import failures
from sync_mcp.guidance.errors import ErrorInfo
from sync_mcp.guidance.steps import ProgressSink, bytes_done, percent_of, phase_message

from .context import ServiceContext
from .disk_budget import OverBudget, Reservation, reserve
from .fetch_guard import FetchGuard, TooManyRedirects, UnsafeURL, guarded_get
from .paths import Folders, output_file
from .write_behind import write_behind

logger = logging.getLogger(__name__)

WRITE_BYTES = 1024 * 1024
"""Bytes gathered before one write to disk."""
MAX_REDIRECTS = 5
"""Redirects followed from the output URL, each checked like the URL itself (`fetch_guard`)."""
TEMP_PREFIX_CHARS = 100
"""Characters of the file name kept in its temp file's name, so the temp name stays short enough too."""


class DownloadResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="Generation id.")
    path: str | None = Field(default=None, description="Absolute path of the saved video on the server's machine.")
    file_name: str = Field(alias="fileName")
    size_bytes: int | None = Field(default=None, alias="sizeBytes")
    source: Literal["download endpoint", "outputUrl"] | None = Field(
        default=None, description="Where the URL came from."
    )
    replaced: bool | None = Field(default=None, description="True when an earlier file of the same name was replaced.")
    download_url: str | None = Field(
        default=None, alias="downloadUrl", description="Give this link to the user: it saves the video as fileName."
    )
    expires_at: str | None = Field(default=None, alias="expiresAt", description="The download link works until then.")


class DownloadFailed(Exception):
    """An anticipated download failure; `info` is what the agent sees. Nothing is left on disk."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info


async def _not_ready(state: ServiceContext, generation: Generation) -> DownloadFailed:
    if generation.status in TERMINAL_STATUSES:
        return DownloadFailed(await failures.ended_without_output(state.catalog, generation))
    return DownloadFailed(failures.output_not_ready(generation.id, generation.status))


async def output_url(
    client: SyncClient, generation: Generation
) -> tuple[str, Literal["download endpoint", "outputUrl"]]:
    """Where the output can be fetched: the download endpoint's URL, else the generation's `outputUrl`."""
    try:
        return await client.generations.download_url(generation.id), "download endpoint"
    except SyncAPIError as exc:
        if not generation.output_url or exc.error_code == "missing_api_key":
            raise
        logger.info("download URL of %s unavailable (%s); using its outputUrl", generation.id, exc.error_code)
        return generation.output_url, "outputUrl"


async def save_output(
    state: ServiceContext, folders: Folders, progress: ProgressSink, generation_id: str, name: str | None = None
) -> DownloadResult:
    """Save a COMPLETED generation's output into the caller's output folder as `<name>.mp4` (default: its
    outputFileName, else its id); see the module docstring."""
    generation = await state.client.generations.get(generation_id)
    if generation.status != "COMPLETED":
        raise await _not_ready(state, generation)
    url, source = await output_url(state.client, generation)
    target = output_file(folders, f"{name or generation.output_file_name or generation.id}.mp4")
    replaced = target.exists()
    guard = await FetchGuard.for_api_base(state.settings.base_url)
    with telemetry.span("download") as span:
        size = await _stream_to_file(progress, state, url, target, folders, guard, generation.id)
        span.set_attribute("sync.download.bytes", size)
    telemetry.transfer("down", size)
    logger.info("saved the output of %s to %s (%d bytes)", generation.id, target, size)
    return DownloadResult(
        id=generation.id,
        path=str(target.resolve()),
        fileName=target.name,
        sizeBytes=size,
        source=source,
        replaced=replaced,
    )


async def _stream_to_file(
    progress: ProgressSink,
    state: ServiceContext,
    url: str,
    target: Path,
    folders: Folders,
    guard: FetchGuard,
    gid: str,
) -> int:
    settings = state.settings
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:TEMP_PREFIX_CHARS]}.", suffix=".part")
    temp = Path(temp_name)
    reservation: Reservation | None = None
    try:
        with os.fdopen(fd, "wb") as sink:
            try:
                reservation = await reserve(folders, settings.max_download_bytes, replacing=target, temp=temp)
                with anyio.fail_after(settings.download_timeout):
                    size = await _transfer(progress, state.client.http, url, sink, gid, guard, reservation)
                    await anyio.to_thread.run_sync(_flush_and_sync, sink)
            except OverBudget as exc:
                info = failures.over_budget(gid, str(exc), exc.setting, folders.output, per_caller=folders.per_caller)
                raise DownloadFailed(info) from None
            except TimeoutError:
                raise DownloadFailed(failures.download_timed_out(gid, settings.download_timeout)) from None
        os.replace(temp, target)
        _sync_folder(target.parent)
        return size
    except BaseException:  # failure or cancellation: never leave a partial file behind
        _discard(temp)
        raise
    finally:
        if reservation is not None:
            reservation.release()


@asynccontextmanager
async def _open(http: httpx.AsyncClient, url: str, gid: str, guard: FetchGuard) -> AsyncIterator[httpx.Response]:
    """The response of `url`, redirects followed by hand (at most `MAX_REDIRECTS`). The URL the API handed
    out must be http(s); every redirect must pass the guard, before connecting and once connected.
    Yields the final response, still streaming."""
    try:
        async with guarded_get(http, httpx.URL(url), guard, trust_first=True, max_redirects=MAX_REDIRECTS) as response:
            yield response
    except UnsafeURL as exc:
        raise DownloadFailed(failures.unsafe_download_url(gid, str(exc))) from None
    except TooManyRedirects:
        raise DownloadFailed(failures.too_many_redirects(gid, MAX_REDIRECTS)) from None


async def _transfer(
    progress: ProgressSink,
    http: httpx.AsyncClient,
    url: str,
    sink: BinaryIO,
    gid: str,
    guard: FetchGuard,
    reservation: Reservation,
) -> int:
    """Stream `url` (no API key: the shared pool's default headers carry none) into `sink`; returns the size.

    Disk writes run behind the transfer (`write_behind`); progress counts bytes on disk, reported every MiB
    or every 1 % of the size, whichever is larger (at most about a hundred notifications). Every block is
    counted against the reservation before it is queued for the disk.
    """
    total: int | None = None
    reported = 0

    async def blocks() -> AsyncIterator[bytes]:
        nonlocal total
        try:
            async with _open(http, url, gid, guard) as response:
                if response.status_code != 200:
                    raise DownloadFailed(failures.download_refused(gid, response.status_code))
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                if total is not None:
                    reservation.check(total)
                async for block in _batched(response.aiter_bytes(), reservation):
                    yield block
        except httpx.TransportError as exc:
            raise DownloadFailed(failures.transfer_broke_off(gid, type(exc).__name__)) from exc

    async def on_written(done: int) -> None:
        nonlocal reported
        step = max(WRITE_BYTES, (total or 0) // 100)
        if done - reported >= step or done == total:
            reported = done
            await _report(progress, done, total)

    try:
        done = await write_behind(sink, blocks(), on_written)
    except OSError as exc:
        raise DownloadFailed(failures.output_write_failed(gid, exc.strerror or type(exc).__name__)) from exc
    if reported != done:
        await _report(progress, done, total)
    if total is not None and done != total:
        raise DownloadFailed(failures.transfer_cut_short(gid, done, total))
    return done


async def _batched(chunks: AsyncIterator[bytes], reservation: Reservation) -> AsyncIterator[bytes]:
    """The chunks as they arrive, gathered into blocks of about `WRITE_BYTES`; each chunk is counted against the
    reservation on arrival, before it is queued for the disk."""
    parts: list[bytes] = []
    gathered = 0
    async for chunk in chunks:
        reservation.add(len(chunk))
        parts.append(chunk)
        gathered += len(chunk)
        if gathered >= WRITE_BYTES:
            yield b"".join(parts)
            parts, gathered = [], 0
    if parts:
        yield b"".join(parts)


def _flush_and_sync(sink: BinaryIO) -> None:
    sink.flush()
    os.fsync(sink.fileno())


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the OS allows opening a folder (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


async def _report(progress: ProgressSink, done: int, total: int | None) -> None:
    percent = percent_of(done, total)
    await progress.report(percent, phase_message("download", percent, bytes_done(done, total)))
