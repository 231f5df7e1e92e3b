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
Anticipated failures raise `DownloadFailed`, whose `info` is the agent-facing error; API errors raise
`SyncAPIError` as usual.
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
from sync_mcp.guidance.errors import ErrorInfo
from sync_mcp.guidance.failures import explain_generation_failure
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


def _failure(code: str, message: str, fix: str, *, generation_id: str, retryable: bool, status: int | None = None):
    return DownloadFailed(
        ErrorInfo(
            errorCode=code,
            httpStatus=status,
            message=message,
            fix=fix,
            retryable=retryable,
            generationId=generation_id,
        )
    )


async def _not_ready(state: ServiceContext, generation: Generation) -> DownloadFailed:
    gid = generation.id
    if generation.status in TERMINAL_STATUSES:
        fix = (await explain_generation_failure(state.catalog, generation, "lipsync or create_generation")).fix
        return _failure(
            "generation_not_completed",
            f"Generation {gid} ended {generation.status} ({generation.error_code or 'no errorCode'}), so it has "
            "no output to download.",
            fix,
            generation_id=gid,
            retryable=False,
        )
    return _failure(
        "generation_not_completed",
        f"Generation {gid} is still {generation.status}: there is no output to download yet.",
        f"Call get_generation with id={gid} and wait=true until it is COMPLETED, then call download_output again.",
        generation_id=gid,
        retryable=True,
    )


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
                raise _over_budget(exc, gid, folders) from None
            except TimeoutError:
                raise _failure(
                    "output_download_timed_out",
                    f"Downloading the output of {gid} took longer than the {settings.download_timeout:g} s a "
                    "download may take; no partial file was kept.",
                    "Call download_output again (the storage may have been slow); if it keeps timing out, the "
                    "server's operator can raise SYNC_MCP_DOWNLOAD_TIMEOUT.",
                    generation_id=gid,
                    retryable=True,
                ) from None
        os.replace(temp, target)
        _sync_folder(target.parent)
        return size
    except BaseException:  # failure or cancellation: never leave a partial file behind
        _discard(temp)
        raise
    finally:
        if reservation is not None:
            reservation.release()


def _over_budget(exc: OverBudget, gid: str, folders: Folders) -> DownloadFailed:
    if exc.setting == "SYNC_MCP_OUTPUT_QUOTA_BYTES" and not folders.per_caller:
        fix = f"Delete videos you no longer need from {folders.output} or raise {exc.setting}, then call again."
    elif exc.setting == "SYNC_MCP_OUTPUT_QUOTA_BYTES":
        fix = (
            f"Ask the server's operator to clear old videos from your folder ({folders.output}) or to raise "
            f"{exc.setting}, then call again."
        )
    else:
        fix = f"Ask the server's operator to free space or raise {exc.setting}, then call again."
    fix += " Meanwhile the generation's outputUrl (get_generation) serves the video directly."
    return _failure(
        exc.error_code,
        f"The output of {gid} was not saved: {exc}. No partial file was kept.",
        fix,
        generation_id=gid,
        retryable=False,
    )


@asynccontextmanager
async def _open(http: httpx.AsyncClient, url: str, gid: str, guard: FetchGuard) -> AsyncIterator[httpx.Response]:
    """The response of `url`, redirects followed by hand (at most `MAX_REDIRECTS`). The URL the API handed
    out must be http(s); every redirect must pass the guard, before connecting and once connected.
    Yields the final response, still streaming."""
    try:
        async with guarded_get(http, httpx.URL(url), guard, trust_first=True, max_redirects=MAX_REDIRECTS) as response:
            yield response
    except UnsafeURL as exc:
        raise _unsafe(gid, str(exc)) from None
    except TooManyRedirects:
        raise _failure(
            "output_download_failed",
            f"The output URL of {gid} redirected more than {MAX_REDIRECTS} times; nothing was saved.",
            "Call download_output again shortly; if it persists, quote the generation id to support.",
            generation_id=gid,
            retryable=True,
        ) from None


def _unsafe(gid: str, why: str) -> DownloadFailed:
    return _failure(
        "unsafe_download_url",
        f"The output URL of {gid} was not fetched: {why}. Nothing was saved.",
        "Use the generation's outputUrl from get_generation in a browser; if download_output keeps refusing, "
        "quote the generation id to support (the API should hand out public storage URLs).",
        generation_id=gid,
        retryable=False,
    )


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
                    raise _http_failure(response.status_code, gid)
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                if total is not None:
                    reservation.check(total)
                async for block in _batched(response.aiter_bytes(), reservation):
                    yield block
        except httpx.TransportError as exc:
            raise _interrupted(gid, f"the transfer broke off ({type(exc).__name__})") from exc

    async def on_written(done: int) -> None:
        nonlocal reported
        step = max(WRITE_BYTES, (total or 0) // 100)
        if done - reported >= step or done == total:
            reported = done
            await _report(progress, done, total)

    try:
        done = await write_behind(sink, blocks(), on_written)
    except OSError as exc:
        raise _failure(
            "output_write_failed",
            f"Could not write the output file: {exc.strerror or type(exc).__name__}.",
            "Free disk space or set SYNC_MCP_OUTPUT_DIR to a writable folder, then call download_output again.",
            generation_id=gid,
            retryable=False,
        ) from exc
    if reported != done:
        await _report(progress, done, total)
    if total is not None and done != total:
        raise _interrupted(gid, f"received {done} of {total} bytes")
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


def _interrupted(gid: str, why: str) -> DownloadFailed:
    return _failure(
        "output_download_interrupted",
        f"Downloading the output of {gid} failed: {why}. No partial file was kept.",
        "Call download_output again; it asks the API for a fresh URL and starts over.",
        generation_id=gid,
        retryable=True,
    )


def _http_failure(status: int, gid: str) -> DownloadFailed:
    if status in (401, 403):
        fix = "The signed URL was refused (expired or altered). Call download_output again for a fresh URL."
    elif status == 404:
        fix = f"The output file is not available. Check the generation with get_generation id={gid}."
    else:
        fix = "The storage service failed; call download_output again shortly."
    return _failure(
        "output_download_failed",
        f"The output URL answered HTTP {status}; nothing was saved.",
        fix,
        generation_id=gid,
        retryable=status != 404,
        status=status,
    )
