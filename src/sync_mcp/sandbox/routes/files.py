"""Signed output files: `GET /files/outputs/{id}.mp4?X-Sync-Signature=...&Expires=...`.

Stands in for the storage bucket behind `outputUrl`. Like a signed storage URL it is fetched without
the API key, and it is refused when the signature or expiry in the query do not match what the API
handed out (compared after percent-decoding, as storage services do, so a client that re-encodes `%2B`
as `+` is caught). [INF] Error replies imitate S3-style XML; the real storage provider is not documented.

The body is a short video a browser can play (`sandbox/data/output.mp4`: 5 s, H.264 + AAC, index first,
labelled as a sandbox output; made by `scripts/make_sandbox_video.py`), not a lip-sync, followed by a
`free` box (which players skip) whose payload names the generation, padded to
`SandboxConfig.output_size_bytes` when that is larger. It is streamed in chunks with a Content-Length, like
a storage download, and like one it answers a single `Range: bytes=...` with 206 Partial Content (the
way a browser's video player reads it). `script_output_drop(state, after_bytes)` makes
the next output transfer break off after that many bytes (the connection is dropped mid-body; with
`hold=True` it stalls there until the client goes away instead). Each output fetch is noted in the store
`"output_fetches"` as `{"id", "has_api_key"}` (the key itself is never kept).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from functools import cache
from importlib import resources
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..http import sandbox_config, sandbox_state
from ..state import GenerationRecord, SandboxState
from .storage import storage_error

OUTPUT_NAME = re.compile(r"^(?P<id>[0-9a-f-]{36})\.mp4$")


def output_url(base_url: str, record: GenerationRecord) -> str:
    signature = quote(record.signature, safe="")
    return f"{base_url}/files/outputs/{record.id}.mp4?X-Sync-Signature={signature}&Expires={record.expires}"


CHUNK_BYTES = 64 * 1024
_DROPS = "output_drops"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _box_head(kind: bytes, payload_size: int) -> bytes:
    return (payload_size + 8).to_bytes(4, "big") + kind


@cache
def sample_video() -> bytes:
    """The playable MP4 every output starts with (ftyp, moov, then mdat)."""
    return resources.files("sync_mcp.sandbox").joinpath("data/output.mp4").read_bytes()


def _placeholder_head(generation_id: str) -> tuple[bytes, bytes]:
    note = (
        f"sync-mcp sandbox placeholder output for {generation_id}\n"
        "This file stands in for a lip-synced video: the sandbox emulates the Sync API, it does not render.\n"
    ).encode()
    return sample_video(), note


def placeholder_size(generation_id: str, size: int = 0) -> int:
    video, note = _placeholder_head(generation_id)
    return max(size, len(video) + 8 + len(note))


def placeholder_chunks(generation_id: str, size: int = 0) -> AsyncIterator[bytes]:
    """The output of `placeholder_size(generation_id, size)` bytes: the video, then a `free` box holding the
    note and zero padding."""
    video, note = _placeholder_head(generation_id)
    total = placeholder_size(generation_id, size)
    head = video + _box_head(b"free", total - len(video) - 8) + note

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        left = total - len(head)
        while left > 0:
            step = min(CHUNK_BYTES, left)
            yield bytes(step)
            left -= step

    return chunks()


async def _slice(chunks: AsyncIterator[bytes], start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes `start`..`end` (inclusive) of a chunked body."""
    offset = 0
    async for chunk in chunks:
        lo, hi = max(start - offset, 0), min(end + 1 - offset, len(chunk))
        if lo < hi:
            yield chunk[lo:hi]
        offset += len(chunk)
        if offset > end:
            return


def _byte_range(header: str | None, total: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single `Range: bytes=a-b | a- | -n` within `total`; None for no range (or
    one this store ignores, like several ranges: the whole body is sent). Raises ValueError when the range
    cannot be satisfied."""
    match = _RANGE.match((header or "").strip())
    if match is None or not (match[1] or match[2]):
        return None
    if not match[1]:  # the last n bytes
        suffix = int(match[2])
        if suffix == 0:
            raise ValueError(header)
        return max(total - suffix, 0), total - 1
    first = int(match[1])
    last = min(int(match[2]), total - 1) if match[2] else total - 1
    if first >= total or last < first:
        raise ValueError(header)
    return first, last


def script_output_drop(state: SandboxState, after_bytes: int, *, hold: bool = False) -> None:
    """Make the next output download break off after `after_bytes` bytes of its body (with `hold`, stall
    there until the client disconnects)."""
    if after_bytes < 0:
        raise ValueError("after_bytes must be >= 0")
    state.store(_DROPS, list).append((after_bytes, hold))


def _take_drop(state: SandboxState) -> tuple[int, bool] | None:
    drops: list[tuple[int, bool]] = state.store(_DROPS, list)
    return drops.pop(0) if drops else None


class _BrokenTransfer(StreamingResponse):
    """Streams the first `after_bytes` bytes, then returns without finishing the body: the server closes
    the connection mid-transfer (it logs one line about the incomplete response). With `hold`, it first
    waits for the client to disconnect."""

    def __init__(
        self, content: AsyncIterator[bytes], after_bytes: int, hold: bool, headers: dict[str, str], status: int
    ) -> None:
        super().__init__(content, status, media_type="video/mp4", headers=headers)
        self.after_bytes = after_bytes
        self.hold = hold

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        sent = 0
        async for chunk in self.body_iterator:
            part = bytes(chunk)[: self.after_bytes - sent]
            if part:
                await send({"type": "http.response.body", "body": part, "more_body": True})
                sent += len(part)
            if sent >= self.after_bytes:
                break
        while self.hold and (await receive())["type"] != "http.disconnect":
            pass


async def get_output(request: Request) -> Response:
    state = sandbox_state(request)
    match = OUTPUT_NAME.match(request.path_params["name"])
    record = state.get(match["id"]) if match else None
    if record is None or record.status_at(state.now()) != "COMPLETED":
        return storage_error(404, "NoSuchKey", "The specified key does not exist.")
    query = parse_qs(request.url.query, keep_blank_values=True)
    if query.get("X-Sync-Signature") != [record.signature] or query.get("Expires") != [str(record.expires)]:
        return storage_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature does not match. Use the outputUrl exactly as the API returned it.",
        )
    if record.expires < time.time():
        return storage_error(403, "AccessDenied", "Request has expired.")
    filename = f"{record.output_file_name or record.id}.mp4"
    size = sandbox_config(request).output_size_bytes
    total = placeholder_size(record.id, size)
    try:
        wanted = _byte_range(request.headers.get("range"), total)
    except ValueError:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{total}"})
    body = placeholder_chunks(record.id, size)
    headers = {"Content-Disposition": f'inline; filename="{filename}"', "Accept-Ranges": "bytes"}
    status = 200
    if wanted is None:
        headers["Content-Length"] = str(total)
    else:
        first, last = wanted
        body = _slice(body, first, last)
        headers["Content-Length"] = str(last - first + 1)
        headers["Content-Range"] = f"bytes {first}-{last}/{total}"
        status = 206
    state.store("output_fetches", list).append({"id": record.id, "has_api_key": "x-api-key" in request.headers})
    drop = _take_drop(state)
    if drop is not None:
        return _BrokenTransfer(body, *drop, headers, status)
    return StreamingResponse(body, status, media_type="video/mp4", headers=headers)


routes = [Route("/files/outputs/{name}", get_output, methods=["GET"])]
