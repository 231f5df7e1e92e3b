"""Receiving the bytes of an upload link (services/upload_links.py) and passing them on to Sync storage.

The same checks as a local upload, before the link is spent: a known length (at most 5 GB, reference §16.2, and
not empty) and a media type the API accepts (§16.1), from the file's name, else its Content-Type, else its
first bytes (so `curl -T file URL` works without a name). A refused upload leaves the link usable and stores
nothing. An accepted one takes the link (it works once), streams the bytes to storage as they arrive
(`api.stream_uploads`, memory bounded to a chunk), and records the upload's progress and outcome under its
`uploadId` for `upload_media` to report.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from sync_mcp.api import SyncClient
from sync_mcp.api.errors import SyncAPIError
from sync_mcp.api.types.assets import AssetDetails
from sync_mcp.api.types.shared import CONTENT_TYPES, FORMATS_BY_EXTENSION, MAX_UPLOAD_BYTES, MediaFormat, format_of
from sync_mcp.api.types.shared import supported_text as supported
from sync_mcp.api.uploads import OnBytes
from sync_mcp.config import Settings

from .upload_links import ClaimedLink, UploadLinks, UploadStatus

logger = logging.getLogger(__name__)

REPORT_EVERY_BYTES = 8 * 1024 * 1024
"""Progress of a link upload is recorded at most every 8 MiB (or 2% of the file, if more)."""

_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftypqt", ".mov"),
    (4, b"ftyp", ".mp4"),
    (0, b"\x1a\x45\xdf\xa3", ".webm"),
    (0, b"OggS", ".ogg"),
    (0, b"fLaC", ".flac"),
    (0, b"ID3", ".mp3"),
    (0, b"\xff\xfb", ".mp3"),
    (0, b"\xff\xf3", ".mp3"),
    (0, b"\x89PNG\r\n\x1a\n", ".png"),
    (0, b"\xff\xd8\xff", ".jpg"),
)
_RIFF = {b"WAVE": ".wav", b"AVI ": ".avi", b"WEBP": ".webp"}


class UploadRefused(Exception):
    """An upload this server will not take; `status` is the HTTP status to answer, `message` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Incoming:
    """An upload as it arrives: what it says it is, and its bytes."""

    name: str | None
    content_type: str | None
    size: int | None
    chunks: AsyncIterator[bytes]


def sniffed(head: bytes) -> MediaFormat | None:
    """The media format the first bytes of a file show (the common containers only), or None."""
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return FORMATS_BY_EXTENSION[_RIFF[head[8:12]]]
    for offset, signature, extension in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return FORMATS_BY_EXTENSION[extension]
    return None


def media_of(name: str | None, content_type: str | None, head: bytes) -> MediaFormat | None:
    """The format by the file's name, else by its Content-Type, else by its first bytes."""
    if name and (by_name := format_of(name)) is not None:
        return by_name
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in CONTENT_TYPES:
        by_type = next((f for f in FORMATS_BY_EXTENSION.values() if f.content_type == declared), None)
        if by_type is not None:
            return by_type
    return sniffed(head)


def check_size(size: int | None) -> int:
    if size is None:
        raise UploadRefused(411, "The upload must say its length (Content-Length); send the file as one PUT.")
    if size == 0:
        raise UploadRefused(400, "The file is empty (0 bytes); choose a file that holds media.")
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            413, f"The file is {size / 1e9:.2f} GB; a single upload may be at most 5 GB. Trim or re-encode it."
        )
    return size


async def _peeked(chunks: AsyncIterator[bytes]) -> tuple[bytes, AsyncIterator[bytes]]:
    """The first bytes of the stream (at least 12 if there are), and the whole stream again."""
    head = b""
    async for chunk in chunks:
        head += chunk
        if len(head) >= 12:
            break

    async def again() -> AsyncIterator[bytes]:
        if head:
            yield head
        async for chunk in chunks:
            yield chunk

    return head, again()


async def checked(incoming: Incoming) -> tuple[int, MediaFormat, AsyncIterator[bytes]]:
    """The upload's size and format, and its bytes; `UploadRefused` when it is not one to take."""
    size = check_size(incoming.size)
    head, chunks = await _peeked(incoming.chunks)
    media = media_of(incoming.name, incoming.content_type, head)
    if media is None:
        shown = f"'{incoming.name}'" if incoming.name else "This file"
        raise UploadRefused(415, f"{shown} is not a media type the Sync API accepts ({supported()}).")
    return size, media, chunks


def client_for(settings: Settings, api_key: str | None) -> SyncClient:
    """A client acting with the link's key (the caller's own), else the deployment's."""
    timeout = httpx.Timeout(settings.request_timeout, connect=10.0, pool=10.0)
    return SyncClient(
        api_key or settings.secret_key(), base_url=settings.base_url, timeout=timeout, retry=settings.retry_policy()
    )


async def receive(links: UploadLinks, settings: Settings, token: str, incoming: Incoming) -> UploadStatus:
    """Take an upload through the link `token`: `LinkRefused` (unknown, expired, used) or `UploadRefused`
    (refused before or during the upload) when it cannot, else the finished upload's state."""
    await links.check(token)
    size, media, chunks = await checked(incoming)
    claimed = await links.claim(token)
    name = incoming.name or f"upload{media.extension}"
    await links.report(claimed, state="receiving", size=size, fileName=name)
    try:
        async with client_for(settings, claimed.api_key) as client:
            outcome = await client.uploads.stream(
                chunks,
                name=name,
                size=size,
                media=media,
                details=AssetDetails.model_validate(claimed.details),
                on_progress=_reporter(links, claimed, size),
            )
    except SyncAPIError as exc:
        await links.report(claimed, state="failed", reason=exc.message)
        raise UploadRefused(502, exc.message) from exc
    except Exception:
        await links.report(claimed, state="failed", reason="The upload was interrupted before it was complete.")
        raise
    asset = outcome.asset
    done = {"assetId": asset.id, "url": asset.url, "type": asset.type, "sha256": outcome.sha256}
    status = await links.report(claimed, state="done", bytesReceived=size, reused=outcome.reused, **done)
    logger.info("upload link %s: %d bytes, asset %s", claimed.upload_id, size, asset.id)
    return status


def _reporter(links: UploadLinks, claimed: ClaimedLink, size: int) -> OnBytes:
    step = max(REPORT_EVERY_BYTES, size // 50)
    last = 0

    async def on_bytes(received: int) -> None:
        nonlocal last
        if received - last >= step and received < size:
            last = received
            await links.report(claimed, state="receiving", bytesReceived=received)

    return on_bytes
