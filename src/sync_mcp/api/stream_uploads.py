"""Uploading a stream of known length but unknown hash as an asset (reference §5.1, §5.2, §5.5): bytes that
arrive from elsewhere (an upload link's page, a chat attachment) and cannot be read twice.

`POST /v2/assets/upload` for a presigned URL, then the bytes are passed on to it as they arrive (`PUT`, the
announced Content-Type and length, no API key), hashed on the way; only then is the SHA-256 known, so the
dedupe of `upload_file` comes after the PUT here: `GET /v2/assets/uploaded` finds the asset this key already
made of the same bytes, which is returned instead of registering a second one. A stream longer or shorter than
announced is cut off before its last byte reaches storage, so no asset is made of it. Memory holds one chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx

from .assets import (
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
from .uploads import UPLOAD_TIMEOUT, OnBytes, UploadOutcome, _storage_error


class StreamLengthError(SyncAPIError):
    """The stream did not hold the bytes it announced."""


def _wrong_length(name: str, size: int, received: int) -> StreamLengthError:
    return StreamLengthError(
        http_status=None,
        error_code="upload_failed",
        message=f"{name}: {size} bytes were announced but {'more' if received > size else received} arrived; "
        "the upload was stopped before its last bytes, so no asset was made of it.",
        suggestion="Send the whole file again.",
    )


class _Hashing:
    """Passes chunks on, counting and hashing them; holds the last one back until the length is right."""

    def __init__(self, chunks: AsyncIterator[bytes], name: str, size: int, on_progress: OnBytes | None) -> None:
        self._chunks, self._name, self._size, self._on_progress = chunks, name, size, on_progress
        self.digest = hashlib.sha256()
        self.received = 0

    async def body(self) -> AsyncIterator[bytes]:
        pending = b""
        async for chunk in self._chunks:
            if not chunk:
                continue
            self.received += len(chunk)
            if self.received > self._size:
                raise _wrong_length(self._name, self._size, self.received)
            self.digest.update(chunk)
            if pending:
                yield pending
            pending = chunk
            if self._on_progress is not None:
                await self._on_progress(self.received)
        if self.received != self._size:
            raise _wrong_length(self._name, self._size, self.received)
        if pending:
            yield pending


async def upload_stream(
    client: SyncClient,
    chunks: AsyncIterator[bytes],
    *,
    name: str,
    size: int,
    media: MediaFormat,
    details: AssetDetails,
    on_progress: OnBytes | None = None,
) -> UploadOutcome:
    """Upload `size` bytes from `chunks` as an asset named `details.name or name` (see the module docstring)."""
    announce = CreateUploadUrlRequest(fileName=name, contentType=media.content_type, size=size)
    target = await create_upload_url(client, announce)
    stream = _Hashing(chunks, name, size, on_progress)
    headers = {"content-type": media.content_type, "content-length": str(size)}
    try:
        response = await client.http.put(
            target.upload_url, content=stream.body(), headers=headers, timeout=UPLOAD_TIMEOUT
        )
    except httpx.TransportError as exc:
        raise TransportError(exc.request, f"PUT of {name} to the upload URL failed: {type(exc).__name__}") from exc
    if not response.is_success:
        raise _storage_error(response)
    sha256 = stream.digest.hexdigest()
    existing = await find_uploaded(client, sha256, media.asset_type)
    if existing is not None:
        return UploadOutcome(asset=existing, sha256=sha256, reused=True, bytes_sent=size)
    register = CreateAssetRequest.model_validate(
        {**details.to_wire(), "name": details.name or name, "url": target.url, "type": media.asset_type}
    )
    asset = await register_asset(client, register)
    return UploadOutcome(asset=asset, sha256=sha256, reused=False, bytes_sent=size)
