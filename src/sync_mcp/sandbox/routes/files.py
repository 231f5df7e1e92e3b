"""Signed output files: `GET /files/outputs/{id}.mp4?X-Sync-Signature=...&Expires=...`.

Stands in for the storage bucket behind `outputUrl`. Like a signed storage URL it is fetched without
the API key, and it is refused when the signature or expiry in the query do not match what the API
handed out (compared after percent-decoding, as storage services do, so a client that re-encodes `%2B`
as `+` is caught). [INF] Error replies imitate S3-style XML; the real storage provider is not documented.

The body is a labelled placeholder, not a video: a valid `ftyp` box followed by a `free` box whose
payload says what it is, padded to `SandboxConfig.output_size_bytes` when that is larger. It is streamed
in chunks with a Content-Length, like a storage download. `script_output_drop(state, after_bytes)` makes
the next output transfer break off after that many bytes (the connection is dropped mid-body; with
`hold=True` it stalls there until the client goes away instead). Each output fetch is noted in the store
`"output_fetches"` as `{"id", "has_api_key"}` (the key itself is never kept).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..http import sandbox_config, sandbox_state
from ..state import GenerationRecord, SandboxState

OUTPUT_NAME = re.compile(r"^(?P<id>[0-9a-f-]{36})\.mp4$")


def output_url(base_url: str, record: GenerationRecord) -> str:
    signature = quote(record.signature, safe="")
    return f"{base_url}/files/outputs/{record.id}.mp4?X-Sync-Signature={signature}&Expires={record.expires}"


CHUNK_BYTES = 64 * 1024
_DROPS = "output_drops"


def _box_head(kind: bytes, payload_size: int) -> bytes:
    return (payload_size + 8).to_bytes(4, "big") + kind


def _placeholder_head(generation_id: str) -> tuple[bytes, bytes]:
    ftyp_payload = b"isom" + (0x200).to_bytes(4, "big") + b"isomiso2avc1mp41"
    note = (
        f"sync-mcp sandbox placeholder output for {generation_id}\n"
        "This file stands in for a lip-synced video: the sandbox emulates the Sync API, it does not render.\n"
    ).encode()
    return _box_head(b"ftyp", len(ftyp_payload)) + ftyp_payload, note


def placeholder_size(generation_id: str, size: int = 0) -> int:
    ftyp, note = _placeholder_head(generation_id)
    return max(size, len(ftyp) + 8 + len(note))


def placeholder_chunks(generation_id: str, size: int = 0) -> AsyncIterator[bytes]:
    """The placeholder of `placeholder_size(generation_id, size)` bytes: the note, then zero padding."""
    ftyp, note = _placeholder_head(generation_id)
    total = placeholder_size(generation_id, size)
    head = ftyp + _box_head(b"free", total - len(ftyp) - 8) + note

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        left = total - len(head)
        while left > 0:
            step = min(CHUNK_BYTES, left)
            yield bytes(step)
            left -= step

    return chunks()


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

    def __init__(self, content: AsyncIterator[bytes], after_bytes: int, hold: bool, headers: dict[str, str]) -> None:
        super().__init__(content, media_type="video/mp4", headers=headers)
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


def _storage_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>\n'
    return Response(body, status, media_type="application/xml")


async def get_output(request: Request) -> Response:
    state = sandbox_state(request)
    match = OUTPUT_NAME.match(request.path_params["name"])
    record = state.get(match["id"]) if match else None
    if record is None or record.status_at(state.now()) != "COMPLETED":
        return _storage_error(404, "NoSuchKey", "The specified key does not exist.")
    query = parse_qs(request.url.query, keep_blank_values=True)
    if query.get("X-Sync-Signature") != [record.signature] or query.get("Expires") != [str(record.expires)]:
        return _storage_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature does not match. Use the outputUrl exactly as the API returned it.",
        )
    if record.expires < time.time():
        return _storage_error(403, "AccessDenied", "Request has expired.")
    filename = f"{record.output_file_name or record.id}.mp4"
    size = sandbox_config(request).output_size_bytes
    body = placeholder_chunks(record.id, size)
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Content-Length": str(placeholder_size(record.id, size)),
    }
    state.store("output_fetches", list).append({"id": record.id, "has_api_key": "x-api-key" in request.headers})
    drop = _take_drop(state)
    if drop is not None:
        return _BrokenTransfer(body, *drop, headers)
    return StreamingResponse(body, media_type="video/mp4", headers=headers)


routes = [Route("/files/outputs/{name}", get_output, methods=["GET"])]
