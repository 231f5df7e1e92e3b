"""Reading a local file to upload it as an asset (reference §5.1, §5.2, §5.5; the requests are `client.uploads`): hash
it (SHA-256, in chunks) and ask `GET /v2/assets/uploaded` whether this key already registered it; if not, `POST
/v2/assets/upload` for a presigned URL, stream the file to it with a `PUT` carrying the same `Content-Type` and no
API key, then `POST /v2/assets`. Both passes read one open file (`FileSource`), never the path again, and the PUT
withholds its last bytes unless they hash as the first pass did. Chunks are fixed-size, so memory stays bounded
whatever the size.

The first pass costs a read and a hash of the whole file before the first byte is sent, so a large file is
read once instead: the PUT starts at once, and the hash of the bytes it reads is what the lookup asks about
before its last chunk is let go; the lookup finds the asset (the PUT is then abandoned before its last bytes,
and the asset reused) or not (the last bytes go: what was sent is what was hashed). A file hashed before and
unchanged since (`file_hashes`) is not hashed again before its lookup.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, BinaryIO
from xml.etree import ElementTree

import anyio
import httpx

from . import file_hashes
from .errors import SyncAPIError
from .types.assets import Asset

CHUNK_SIZE = 1024 * 1024
"""Bytes read from disk (and handed to the socket) at a time, for hashing and uploading."""

OnBytes = Callable[[int], Awaitable[None]]
"""Called with the number of bytes handed to the connection so far."""

SPECULATE_FROM = 32 * 1024 * 1024
"""Files at least this large are sent while they are hashed (smaller ones hash in a blink)."""
Expected = Callable[[str], Awaitable[str | None]]
"""Given the SHA-256 of the bytes read (every byte of the file, the last chunk not yet let go), resolves to the
SHA-256 they must have (None: any)."""

UPLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=60.0, pool=10.0)
"""Per-operation bounds of the PUT (each chunk write, and the storage's answer after the last byte)."""


@dataclass(frozen=True)
class FileSource:
    """A local file opened once for reading: hashed, then sent, from this one open file (never reopened by
    name, so what is sent is what was hashed and checked). Read from offset 0 each time."""

    file: BinaryIO
    name: str
    size: int


async def sha256_file(source: FileSource, *, chunk_size: int = CHUNK_SIZE) -> str:
    """SHA-256 of the file, read `chunk_size` bytes at a time into one reused buffer, in one worker thread:
    this pass comes before the upload, so it is kept to the speed of the hash itself (a thread hop and a
    new buffer per chunk cost a tenth more on 1 GiB, and far more on a busy machine). Fails (`upload_failed`)
    if the file no longer has `source.size` bytes."""
    digest, read = await anyio.to_thread.run_sync(_sha256_file, source.file, chunk_size)
    if read != source.size:
        raise _changed(source)
    return digest


def _sha256_file(file: BinaryIO, chunk_size: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    read = 0
    fd = positional_fd(file)
    if fd is None:
        file.seek(0)
    while n := (os.preadv(fd, [buffer], read) if fd is not None else file.readinto(buffer)):  # type: ignore[attr-defined]
        digest.update(view[:n])
        read += n
        anyio.from_thread.check_cancelled()  # a cancelled upload stops hashing at the next chunk
    return digest.hexdigest(), read


def positional_fd(file: BinaryIO) -> int | None:
    """The descriptor to read at offsets from (`os.pread`/`os.preadv`, which move no shared file position, so
    two readers can share it), or None where the OS or the file object has none (then: seek, then read)."""
    if not (hasattr(os, "pread") and hasattr(os, "preadv")):
        return None
    try:
        return file.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _changed(source: FileSource) -> SyncAPIError:
    return SyncAPIError(
        http_status=None,
        error_code="upload_failed",
        message=f"{source.name} changed while it was being uploaded ({source.size} bytes expected); "
        "the upload was stopped before its last bytes, so no asset was made of it.",
        suggestion="Wait until the file is completely written, then upload it again.",
    )


def _read_hashing(file: BinaryIO, n: int, offset: int, digest: Any) -> bytes:
    """One chunk at `offset`, hashed in the same worker thread (hashlib releases the GIL on large buffers)."""
    fd = positional_fd(file)
    if fd is not None:
        chunk = os.pread(fd, n, offset)
    else:
        file.seek(offset)
        chunk = file.read(n)
    if chunk:
        digest.update(chunk)
    return chunk


async def file_chunks(
    source: FileSource, *, chunk_size: int = CHUNK_SIZE, sha256: str | None = None
) -> AsyncIterator[bytes]:
    """The file's bytes in chunks of at most `chunk_size`, from offset 0.

    The last chunk is held back until the end of the file is seen: if the file no longer has `source.size`
    bytes, or (with `sha256`) its bytes no longer hash to it, `upload_failed` is raised instead, so a
    receiver of the stream never gets a complete body of other bytes than the ones hashed.
    """

    async def expected(read: str) -> str | None:
        return sha256

    async for chunk in checked_chunks(source, chunk_size, expected):
        yield chunk


async def checked_chunks(source: FileSource, chunk_size: int, expected: Expected) -> AsyncIterator[bytes]:
    """`file_chunks`, where the hash the bytes must have may become known only by the end (`expected` is
    awaited, with the hash of what was read, before the last chunk is let go)."""
    digest = hashlib.sha256()
    sent = 0
    pending = b""
    while True:
        want = min(chunk_size, source.size - sent) or 1
        chunk = await anyio.to_thread.run_sync(_read_hashing, source.file, want, sent, digest)
        if not chunk:
            break
        sent += len(chunk)
        if sent > source.size:
            raise _changed(source)
        if pending:
            yield pending
        pending = chunk
    if sent != source.size:
        raise _changed(source)
    read = digest.hexdigest()
    sha256 = await expected(read)
    if sha256 is not None and read != sha256:
        raise _changed(source)
    if pending:
        yield pending


def storage_error(response: httpx.Response) -> SyncAPIError:
    """Storage answers S3-style XML (`<Error><Code/><Message/></Error>`) or plain text."""
    code = message = None
    try:
        root = ElementTree.fromstring(response.content)
        code, message = root.findtext("Code"), root.findtext("Message")
    except ElementTree.ParseError:
        message = response.text.strip()[:300] or None
    expired = response.status_code == 403 and code in ("AccessDenied", "ExpiredToken", "RequestExpired")
    return SyncAPIError(
        http_status=response.status_code,
        error_code="upload_failed",
        message=f"The upload URL refused the file: {code or 'HTTP ' + str(response.status_code)}"
        + (f" ({message})" if message else "")
        + (" - the URL expired." if expired else ""),
        request=response.request,
        response=response,
    )


@dataclass(frozen=True)
class UploadOutcome:
    asset: Asset
    sha256: str
    reused: bool
    """True when `GET /v2/assets/uploaded` found the same file: no upload was completed (a PUT started beside
    the hash was abandoned before its last bytes)."""
    bytes_sent: int


async def hash_and_remember(source: FileSource, chunk_size: int) -> str:
    """`sha256_file`, remembered for the file's identity when the file stayed the same (`file_hashes`)."""
    started = time.time_ns()
    key = file_hashes.key_of(source.file) if positional_fd(source.file) is not None else None
    sha256 = await sha256_file(source, chunk_size=chunk_size)
    if key is not None:
        file_hashes.remember(key, sha256, source.file, hashed_at_ns=started)
    return sha256
