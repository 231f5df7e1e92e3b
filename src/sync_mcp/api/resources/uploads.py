"""Uploads (reference §5.1, §5.2, §5.5): a local file or a stream of bytes made an asset, through a presigned URL.

How a file is read, hashed and checked is `uploads.py`; a stream's counting and hashing is `stream_uploads.py`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from sync_mcp.api.types.shared import MediaFormat

from .. import file_hashes
from ..errors import TransportError
from ..stream_uploads import Hashing
from ..types.assets import AssetDetails, CreateAssetRequest, CreateUploadUrlRequest, UploadUrl
from ..uploads import (
    CHUNK_SIZE,
    SPECULATE_FROM,
    UPLOAD_TIMEOUT,
    Expected,
    FileSource,
    OnBytes,
    UploadOutcome,
    checked_chunks,
    hash_and_remember,
    positional_fd,
    storage_error,
)
from .base import Resource


class _Reuse(Exception):
    """The lookup found the file's asset: the PUT is abandoned before its last bytes."""


class Uploads(Resource):
    """`client.uploads`: files and streams made assets (deduplicated by content against this key's uploads)."""

    async def put(
        self,
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

        async def expected(read: str) -> str | None:
            return sha256

        return await self._put(upload_url, source, content_type, on_progress, chunk_size, expected)

    async def _put(
        self,
        upload_url: str,
        source: FileSource,
        content_type: str,
        on_progress: OnBytes | None,
        chunk_size: int,
        expected: Expected,
    ) -> int:
        async def body() -> AsyncIterator[bytes]:
            sent = 0
            async for chunk in checked_chunks(source, chunk_size, expected):
                yield chunk
                sent += len(chunk)
                if on_progress is not None:
                    await on_progress(sent)

        # The pool's default headers carry no key; the key is only ever added per request by SyncClient.request.
        headers = {"content-type": content_type, "content-length": str(source.size)}
        try:
            response = await self._client.http.put(upload_url, content=body(), headers=headers, timeout=UPLOAD_TIMEOUT)
        except httpx.TransportError as exc:
            failed = f"PUT of {source.name} to the upload URL failed: {type(exc).__name__}"
            raise TransportError(exc.request, failed) from exc
        if not response.is_success:
            raise storage_error(response)
        return source.size

    async def file(
        self,
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
        key = file_hashes.key_of(source.file) if positional_fd(source.file) is not None else None
        sha256 = file_hashes.known(key) if key is not None else None
        if sha256 is None and key is not None and source.size >= SPECULATE_FROM:
            return await self._upload_while_hashing(source, media, details, announce, on_progress, chunk_size)
        if sha256 is None:
            sha256 = await hash_and_remember(source, chunk_size)
        existing = await self._client.assets.find_uploaded(sha256, media.asset_type)
        if existing is not None:
            return UploadOutcome(asset=existing, sha256=sha256, reused=True, bytes_sent=0)
        target = await self._client.assets.create_upload_url(announce)
        sent = await self.put(
            target.upload_url,
            source,
            content_type=media.content_type,
            on_progress=on_progress,
            chunk_size=chunk_size,
            sha256=sha256,
        )
        return await self._register(source, media, details, target, sha256, sent)

    async def _upload_while_hashing(
        self,
        source: FileSource,
        media: MediaFormat,
        details: AssetDetails,
        announce: CreateUploadUrlRequest,
        on_progress: OnBytes | None,
        chunk_size: int,
    ) -> UploadOutcome:
        """`file` in one pass: the PUT starts at once, and the hash of the bytes it reads is the one the lookup
        asks about, once every byte but the last chunk is on its way. A lookup that finds the asset abandons the PUT
        (its last bytes never go) and reuses the asset; otherwise the last bytes go and the upload is registered. The
        file is read and hashed once, and what is sent is by construction what was hashed."""
        started = time.time_ns()
        key = file_hashes.key_of(source.file)
        found: dict[str, Any] = {}

        async def decide(read: str) -> str:
            if key is not None:
                file_hashes.remember(key, read, source.file, hashed_at_ns=started)
            found["sha256"], found["asset"] = read, await self._client.assets.find_uploaded(read, media.asset_type)
            if found["asset"] is not None:
                raise _Reuse
            return read

        target = await self._client.assets.create_upload_url(announce)
        try:
            sent = await self._put(target.upload_url, source, media.content_type, on_progress, chunk_size, decide)
        except _Reuse:
            return UploadOutcome(asset=found["asset"], sha256=found["sha256"], reused=True, bytes_sent=0)
        return await self._register(source, media, details, target, found["sha256"], sent)

    async def _register(
        self,
        source: FileSource,
        media: MediaFormat,
        details: AssetDetails,
        target: UploadUrl,
        sha256: str,
        sent: int,
    ) -> UploadOutcome:
        """`POST /v2/assets` for the file just uploaded to `target`."""
        register = CreateAssetRequest.model_validate(
            {**details.to_wire(), "name": details.name or source.name, "url": target.url, "type": media.asset_type}
        )
        asset = await self._client.assets.create(register)
        return UploadOutcome(asset=asset, sha256=sha256, reused=False, bytes_sent=sent)

    async def stream(
        self,
        chunks: AsyncIterator[bytes],
        *,
        name: str,
        size: int,
        media: MediaFormat,
        details: AssetDetails,
        on_progress: OnBytes | None = None,
    ) -> UploadOutcome:
        """Upload `size` bytes from `chunks` as an asset named `details.name or name` (see `stream_uploads.py`)."""
        announce = CreateUploadUrlRequest(fileName=name, contentType=media.content_type, size=size)
        target = await self._client.assets.create_upload_url(announce)
        stream = Hashing(chunks, name, size, on_progress)
        headers = {"content-type": media.content_type, "content-length": str(size)}
        try:
            response = await self._client.http.put(
                target.upload_url, content=stream.body(), headers=headers, timeout=UPLOAD_TIMEOUT
            )
        except httpx.TransportError as exc:
            failed = f"PUT of {name} to the upload URL failed: {type(exc).__name__}"
            raise TransportError(exc.request, failed) from exc
        if not response.is_success:
            raise storage_error(response)
        sha256 = stream.digest.hexdigest()
        existing = await self._client.assets.find_uploaded(sha256, media.asset_type)
        if existing is not None:
            return UploadOutcome(asset=existing, sha256=sha256, reused=True, bytes_sent=size)
        register = CreateAssetRequest.model_validate(
            {**details.to_wire(), "name": details.name or name, "url": target.url, "type": media.asset_type}
        )
        asset = await self._client.assets.create(register)
        return UploadOutcome(asset=asset, sha256=sha256, reused=False, bytes_sent=size)
