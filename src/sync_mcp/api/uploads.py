"""Uploading a local file as an asset (reference §5.1, §5.2, §5.5): hash it (SHA-256, in chunks) and ask
`GET /v2/assets/uploaded` whether this key already registered it; if not, `POST /v2/assets/upload` for a presigned
URL, stream the file to it with a `PUT` carrying the same `Content-Type` and no API key, then `POST /v2/assets`.
Both passes read one open file (`FileSource`), never the path again, and the PUT withholds its last bytes unless
they hash as the first pass did. Chunks are fixed-size, so memory stays bounded whatever the size.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, BinaryIO
from xml.etree import ElementTree

import anyio
import httpx

from .assets import (
    CHUNK_SIZE,
    Asset,
    AssetDetails,
    CreateAssetRequest,
    CreateUploadUrlRequest,
    create_upload_url,
    find_uploaded,
    register_asset,
)
from .client import SyncClient
from .errors import SyncAPIError, TransportError
from .media import MediaFormat

OnBytes = Callable[[int], Awaitable[None]]
"""Called with the number of bytes handed to the connection so far."""

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
    file.seek(0)
    while n := file.readinto(buffer):  # type: ignore[attr-defined]
        digest.update(view[:n])
        read += n
        anyio.from_thread.check_cancelled()  # a cancelled upload stops hashing at the next chunk
    return digest.hexdigest(), read


def _changed(source: FileSource) -> SyncAPIError:
    return SyncAPIError(
        http_status=None,
        error_code="upload_failed",
        message=f"{source.name} changed while it was being uploaded ({source.size} bytes expected); "
        "the upload was stopped before its last bytes, so no asset was made of it.",
        suggestion="Wait until the file is completely written, then upload it again.",
    )


def _read_hashing(file: BinaryIO, n: int, digest: Any) -> bytes:
    """One chunk, hashed in the same worker thread (hashlib releases the GIL on large buffers)."""
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
    await anyio.to_thread.run_sync(source.file.seek, 0)
    digest = hashlib.sha256()
    sent = 0
    pending = b""
    while True:
        want = min(chunk_size, source.size - sent) or 1
        chunk = await anyio.to_thread.run_sync(_read_hashing, source.file, want, digest)
        if not chunk:
            break
        sent += len(chunk)
        if sent > source.size:
            raise _changed(source)
        if pending:
            yield pending
        pending = chunk
    if sent != source.size or (sha256 is not None and digest.hexdigest() != sha256):
        raise _changed(source)
    if pending:
        yield pending


async def put_upload(
    client: SyncClient,
    upload_url: str,
    source: FileSource,
    *,
    content_type: str,
    on_progress: OnBytes | None = None,
    chunk_size: int = CHUNK_SIZE,
    sha256: str | None = None,
) -> int:
    """Stream a file to a presigned URL: `PUT` with the announced Content-Type and length, without the key.

    With `sha256`, the bytes sent must hash to it (else `upload_failed`, before the body is complete).
    Returns the bytes sent. Storage refusals become `SyncAPIError` with code `upload_failed`.
    """

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in file_chunks(source, chunk_size=chunk_size, sha256=sha256):
            yield chunk
            sent += len(chunk)
            if on_progress is not None:
                await on_progress(sent)

    # The pool's default headers carry no key; the key is only ever added per request by SyncClient.request.
    headers = {"content-type": content_type, "content-length": str(source.size)}
    try:
        response = await client.http.put(upload_url, content=body(), headers=headers, timeout=UPLOAD_TIMEOUT)
    except httpx.TransportError as exc:
        raise TransportError(f"PUT of {source.name} to the upload URL failed: {type(exc).__name__}") from exc
    if not response.is_success:
        raise _storage_error(response)
    return source.size


def _storage_error(response: httpx.Response) -> SyncAPIError:
    """Storage answers S3-style XML (`<Error><Code/><Message/></Error>`) or plain text."""
    code = message = None
    try:
        root = ElementTree.fromstring(response.content)
        code, message = root.findtext("Code"), root.findtext("Message")
    except ElementTree.ParseError:
        message = response.text.strip()[:300] or None
    expired = response.status_code == 403 and code in ("AccessDenied", "ExpiredToken", "RequestExpired")
    suggestion = (
        "The upload URL expired or was refused: call upload_media again; it asks for a fresh URL."
        if response.status_code in (401, 403, 404)
        else "The storage service failed: call upload_media again shortly."
    )
    return SyncAPIError(
        http_status=response.status_code,
        error_code="upload_failed",
        message=f"The upload URL refused the file: {code or 'HTTP ' + str(response.status_code)}"
        + (f" ({message})" if message else "")
        + (" - the URL expired." if expired else ""),
        suggestion=suggestion,
    )


@dataclass(frozen=True)
class UploadOutcome:
    asset: Asset
    sha256: str
    reused: bool
    """True when `GET /v2/assets/uploaded` found the same file: no bytes were sent."""
    bytes_sent: int


async def upload_file(
    client: SyncClient,
    source: FileSource,
    media: MediaFormat,
    details: AssetDetails,
    *,
    on_progress: OnBytes | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> UploadOutcome:
    """Upload an opened local file as an asset, or reuse the asset this key already made of the same bytes.

    The outcome's `sha256` is of the bytes sent: the PUT stops short if the file's bytes change after hashing.
    """
    announce = CreateUploadUrlRequest(fileName=source.name, contentType=media.content_type, size=source.size)
    sha256 = await sha256_file(source, chunk_size=chunk_size)
    existing = await find_uploaded(client, sha256, media.asset_type)
    if existing is not None:
        return UploadOutcome(asset=existing, sha256=sha256, reused=True, bytes_sent=0)
    target = await create_upload_url(client, announce)
    sent = await put_upload(
        client,
        target.upload_url,
        source,
        content_type=media.content_type,
        on_progress=on_progress,
        chunk_size=chunk_size,
        sha256=sha256,
    )
    register = CreateAssetRequest.model_validate(
        {**details.to_wire(), "name": details.name or source.name, "url": target.url, "type": media.asset_type}
    )
    asset = await register_asset(client, register)
    return UploadOutcome(asset=asset, sha256=sha256, reused=False, bytes_sent=sent)
