"""The storage side of assets (reference §5): the presigned upload URL `PUT /uploads/{token}`, the stored
files `GET /files/assets/{key}`, and the storage URLs the asset API (`assets.py`) hands out and reads back.

The upload URL is served without the API key, like a storage bucket's presigned PUT: the Content-Type and
length must be the ones announced, it expires, and the body is streamed to disk while its size and SHA-256
are computed. [INF] Storage error replies imitate S3-style XML; the real provider is not documented.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import quote, unquote, urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..asset_store import AssetStore, asset_store
from ..http import public_base_url, sandbox_state

STORAGE_PREFIX = "/files/assets/"
UPLOAD_PREFIX = "/uploads/"


def store_of(request: Request) -> AssetStore:
    """The asset store of this request's sandbox: upload slots, stored files and asset records."""
    return asset_store(sandbox_state(request))


def upload_url(request: Request, token: str) -> str:
    """The presigned upload URL of an upload slot."""
    return f"{public_base_url(request)}{UPLOAD_PREFIX}{token}"


def storage_url(request: Request, key: str) -> str:
    return f"{public_base_url(request)}{STORAGE_PREFIX}{quote(key)}"


def storage_key(request: Request, url: str) -> str | None:
    """The storage key of a URL served by this sandbox's storage, else None (a URL somewhere else)."""
    parts, base = urlsplit(url), urlsplit(public_base_url(request))
    if parts.netloc != base.netloc or not parts.path.startswith(STORAGE_PREFIX):
        return None
    return unquote(parts.path[len(STORAGE_PREFIX) :])


def storage_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>\n'
    return Response(body, status, media_type="application/xml")


async def put_upload(request: Request) -> Response:
    """The presigned PUT: no API key; the announced Content-Type and size; streamed to disk."""
    store = store_of(request)
    token = request.path_params["token"]
    content_type = request.headers.get("content-type")
    receipt = store.new_receipt(token, content_type, "x-api-key" in request.headers)
    slot = store.slot(token)
    refusal: Response | None = None
    if slot is None:
        refusal = storage_error(403, "SignatureDoesNotMatch", "The upload URL is not valid.")
    elif slot.expires < time.time():
        refusal = storage_error(403, "AccessDenied", "Request has expired.")
    elif content_type != slot.content_type:
        refusal = storage_error(
            403, "SignatureDoesNotMatch", f"Content-Type must be {slot.content_type}, as announced for this URL."
        )
    elif request.headers.get("content-length") is None:
        refusal = storage_error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
    elif request.headers.get("content-length") != str(slot.size):
        refusal = storage_error(403, "SignatureDoesNotMatch", f"Content-Length must be {slot.size}, as announced.")
    if refusal is not None or slot is None:
        async for chunk in request.stream():  # read the body so the client gets the reply, not a reset
            receipt.chunks.append(len(chunk))
        refusal = refusal or storage_error(403, "AccessDenied", "Access denied.")
        receipt.status = refusal.status_code
        return refusal

    async def received() -> AsyncIterator[bytes]:
        async for chunk in request.stream():
            if chunk:
                receipt.chunks.append(len(chunk))
                yield chunk

    spooled = await store.spool(received())
    if spooled.size != slot.size:
        spooled.path.unlink(missing_ok=True)
        receipt.status = 400
        return storage_error(400, "IncompleteBody", "You did not provide the number of bytes specified.")
    store.keep_file(slot, spooled.path, spooled.size, spooled.sha256)
    receipt.status = 200
    return Response(status_code=200)


async def get_stored_file(request: Request) -> Response:
    stored = store_of(request).file(request.path_params["key"])
    if stored is None or not stored.path.exists():
        return storage_error(404, "NoSuchKey", "The specified key does not exist.")
    return FileResponse(stored.path, media_type=stored.content_type)


routes = [
    Route(UPLOAD_PREFIX + "{token}", put_upload, methods=["PUT"]),
    Route(STORAGE_PREFIX + "{key:path}", get_stored_file, methods=["GET"]),
]
