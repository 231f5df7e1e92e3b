"""Signed output files: `GET /files/outputs/{id}.mp4?X-Sync-Signature=...&Expires=...`.

Stands in for the storage bucket behind `outputUrl`. Like a signed storage URL it is fetched without
the API key, and it is refused when the signature or expiry in the query do not match what the API
handed out (compared after percent-decoding, as storage services do, so a client that re-encodes `%2B`
as `+` is caught). [INF] Error replies imitate S3-style XML; the real storage provider is not documented.

The body is a labelled placeholder, not a video: a valid `ftyp` box followed by a `free` box whose
payload says what it is.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import sandbox_state
from ..state import GenerationRecord

OUTPUT_NAME = re.compile(r"^(?P<id>[0-9a-f-]{36})\.mp4$")


def output_url(base_url: str, record: GenerationRecord) -> str:
    signature = quote(record.signature, safe="")
    return f"{base_url}/files/outputs/{record.id}.mp4?X-Sync-Signature={signature}&Expires={record.expires}"


def placeholder_mp4(generation_id: str) -> bytes:
    def box(kind: bytes, payload: bytes) -> bytes:
        return (len(payload) + 8).to_bytes(4, "big") + kind + payload

    ftyp = box(b"ftyp", b"isom" + (0x200).to_bytes(4, "big") + b"isomiso2avc1mp41")
    note = (
        f"sync-mcp sandbox placeholder output for {generation_id}\n"
        "This file stands in for a lip-synced video: the sandbox emulates the Sync API, it does not render.\n"
    )
    return ftyp + box(b"free", note.encode("utf-8"))


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
    return Response(
        placeholder_mp4(record.id),
        media_type="video/mp4",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


routes = [Route("/files/outputs/{name}", get_output, methods=["GET"])]
