"""Counting and hashing a stream of known length but unknown hash on its way to becoming an asset
(`client.uploads.stream`; reference §5.1, §5.2, §5.5): bytes that arrive from elsewhere (an upload link's page, a
chat attachment) and cannot be read twice.

`POST /v2/assets/upload` for a presigned URL, then the bytes are passed on to it as they arrive (`PUT`, the
announced Content-Type and length, no API key), hashed on the way; only then is the SHA-256 known, so the
dedupe of `client.uploads.file` comes after the PUT here: `GET /v2/assets/uploaded` finds the asset this key already
made of the same bytes, which is returned instead of registering a second one. A stream longer or shorter than
announced is cut off before its last byte reaches storage, so no asset is made of it. Memory holds one chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from .errors import SyncAPIError
from .uploads import OnBytes


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


class Hashing:
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
