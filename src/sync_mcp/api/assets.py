"""Assets (reference §5): wire models, the endpoint functions, and the upload of a local file.

Upload flow (§5.1, §5.2, §5.5): hash the file (SHA-256, in chunks) and ask `GET /v2/assets/uploaded`
whether this key already registered it; if not, `POST /v2/assets/upload` for a presigned URL, stream the
file to it with a `PUT` carrying the same `Content-Type` and no API key, then `POST /v2/assets`.
Both passes read one open file (`FileSource`), never the path again, and the PUT withholds its last bytes
unless they hash as the first pass did. Chunks are fixed-size, so memory stays bounded whatever the size.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal
from xml.etree import ElementTree

import anyio
import httpx
from pydantic import Field, field_validator

from .client import SyncClient, as_list, read_reply
from .errors import SyncAPIError, TransportError
from .media import CONTENT_TYPES, MAX_UPLOAD_BYTES, AssetType, MediaFormat
from .models import RequestModel, ResponseModel, check_media_url, check_uuid, rule_error

CHUNK_SIZE = 1024 * 1024
"""Bytes read from disk (and handed to the socket) at a time, for hashing and uploading."""

AssetVisibility = Literal["USER", "ORGANIZATION"]
AssetSort = Literal[
    "nameAsc", "nameDesc", "dateAsc", "dateDesc", "durationAsc", "durationDesc", "sizeAsc", "sizeDesc", "kindAsc",
    "kindDesc",
]  # fmt: skip
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

# ----------------------------------------------------------------------------------------------- responses


class Asset(ResponseModel):
    """An item of the media library (reference §5). Enum values are kept as the API sent them."""

    id: str = Field(description="Asset id: pass it as assetId in generation inputs.")
    created_at: str | None = Field(default=None, alias="createdAt")
    updated_at: str | None = Field(default=None, alias="updatedAt")
    type: str = Field(description="AUDIO, VIDEO or IMAGE.")
    visibility: str | None = Field(default=None, description="USER (yours) or ORGANIZATION (shared).")
    name: str | None = None
    url: str | None = Field(default=None, description="Media URL of the asset.")
    size: int | None = Field(default=None, description="Bytes.")
    format: str | None = Field(default=None, description="File format, e.g. mp4, wav.")
    input_type: str | None = Field(default=None, alias="inputType", description="Origin: UPLOAD, URL, TTS, ...")
    duration_seconds: float | None = Field(default=None, alias="durationSeconds")
    thumbnail_url: str | None = Field(default=None, alias="thumbnailUrl")
    width: int | None = None
    height: int | None = None
    project_id: str | None = Field(default=None, alias="projectId")


class UploadUrl(ResponseModel):
    """Reply of `POST /v2/assets/upload` (§5.1)."""

    upload_url: str = Field(alias="uploadUrl", description="Presigned URL to PUT the bytes to (no API key).")
    url: str = Field(description="URL of the stored file, to register with POST /v2/assets.")
    expires_in: int | None = Field(default=None, alias="expiresIn", description="Seconds the uploadUrl stays valid.")


class AssetPage(ResponseModel):
    """Reply of `GET /v2/assets` (§5.3)."""

    items: list[Asset]
    next_cursor: str | None = Field(default=None, alias="nextCursor")
    total_count: int | None = Field(default=None, alias="totalCount")


class UploadedAsset(ResponseModel):
    """Reply of `GET /v2/assets/uploaded` (§5.5)."""

    asset: Asset | None = None


class DeletedAsset(ResponseModel):
    """Reply of `DELETE /v2/assets/{id}` (§5.9)."""

    id: str


# ----------------------------------------------------------------------------------------------- requests


class CreateUploadUrlRequest(RequestModel):
    """Body of `POST /v2/assets/upload` (§5.1)."""

    file_name: str = Field(alias="fileName", min_length=1, max_length=255)
    content_type: str = Field(alias="contentType")
    size: int

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, v: str) -> str:
        if v.split(";", 1)[0].strip().lower() not in CONTENT_TYPES:
            raise rule_error(
                "generation_input_validation_failed",
                "contentType",
                f"'{v}' is not a media type the API accepts",
                "Use one of: " + ", ".join(sorted(CONTENT_TYPES)) + ".",
            )
        return v

    @field_validator("size")
    @classmethod
    def _size(cls, v: int) -> int:
        if v < 1:
            raise rule_error(
                "generation_input_validation_failed", "size", "the file is empty", "Pick a file that holds media."
            )
        if v > MAX_UPLOAD_BYTES:
            raise rule_error(
                "generation_input_validation_failed",
                "size",
                f"{v} bytes is over the {MAX_UPLOAD_BYTES} byte (5 GB) limit of a single upload",
                "Shorten or re-encode the file (MP4/H.264 for video, MP3 for audio) to bring it under 5 GB.",
            )
        return v


class AssetDetails(RequestModel):
    """The optional fields of `POST /v2/assets` (§5.2), checked on their own before an upload starts."""

    name: str | None = Field(default=None, min_length=1, max_length=255, description="Display name of the asset.")
    visibility: AssetVisibility | None = Field(
        default=None, description="USER (default: only you) or ORGANIZATION (shared with your organisation)."
    )
    project_id: str | None = Field(default=None, alias="projectId", description="Project UUID to file the asset under.")

    @field_validator("project_id")
    @classmethod
    def _project(cls, v: str | None) -> str | None:
        return None if v is None else check_uuid(v, "projectId", "project_not_found")


class CreateAssetRequest(AssetDetails):
    """Body of `POST /v2/assets` (§5.2): register an uploaded file or a public URL."""

    url: str = Field(description="The url returned by the upload step, or any public http(s) media URL.")
    type: AssetType = Field(description="AUDIO, VIDEO or IMAGE.")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_media_url(v, "url")


class AssetFilters(RequestModel):
    """Query of `GET /v2/assets/count` (§5.4), and the filters `GET /v2/assets` shares with it.

    [INF] `userId` (both endpoints, per the full spec) is left out: an API key's caller has no way to learn
    user ids, and without it the API answers for every user the key may see.
    """

    project_id: str | None = Field(default=None, alias="projectId", description="Only assets of this project.")
    types: list[AssetType] | None = Field(default=None, min_length=1, description="Only these kinds.")
    search_query: str | None = Field(default=None, alias="searchQuery", min_length=1, description="Name search.")

    @field_validator("project_id")
    @classmethod
    def _project(cls, v: str | None) -> str | None:
        return None if v is None else check_uuid(v, "projectId")

    def to_params(self) -> dict[str, Any]:
        params = self.to_wire()
        if self.types:
            params["types"] = ",".join(self.types)
        return params


class ListAssetsQuery(AssetFilters):
    """Query of `GET /v2/assets` (§5.3)."""

    limit: int | None = Field(default=None, ge=1, le=100, description="Page size, 1-100 (API default 10).")
    cursor: str | None = Field(default=None, min_length=1, description="nextCursor of the previous page.")
    sort_by: AssetSort | None = Field(default=None, alias="sortBy", description="Order, e.g. dateDesc, nameAsc.")


class UpdateAssetRequest(RequestModel):
    """Body of `PATCH /v2/assets/{id}` (§5.8): every field optional; only those given change.

    [INF] The reference lists the fields and their types but no ranges, so none are checked here.
    """

    name: str | None = None
    visibility: AssetVisibility | None = Field(default=None, description="USER (yours) or ORGANIZATION (shared).")
    duration_seconds: float | None = Field(default=None, alias="durationSeconds")
    size: int | None = Field(default=None, description="Bytes.")
    format: str | None = Field(default=None, description="e.g. mp4, wav.")
    width: int | None = None
    height: int | None = None


ASSET_BATCH_MAX = 100
"""Most ids one `POST /v2/assets/batch` takes (§5.6)."""


class AssetBatchRequest(RequestModel):
    """Body of `POST /v2/assets/batch` (§5.6): one id, or a list of 1-100 ids."""

    ids: str | list[str] = Field(description="Asset ids to read.")

    @field_validator("ids")
    @classmethod
    def _bounds(cls, v: str | list[str]) -> str | list[str]:
        # Documented bounds: `ids: string | string[1..100]` (reference §5.6).
        if isinstance(v, list) and not 1 <= len(v) <= ASSET_BATCH_MAX:
            raise rule_error(
                "generation_input_validation_failed",
                "ids",
                f"takes 1 to {ASSET_BATCH_MAX} ids, not {len(v)}",
                f"Pass between 1 and {ASSET_BATCH_MAX} asset ids; split longer lists into several calls.",
            )
        return v


class FindUploadedQuery(RequestModel):
    """Query of `GET /v2/assets/uploaded` (§5.5)."""

    content_sha256: str = Field(alias="contentSha256", description="SHA-256 of the file, 64 lowercase hex digits.")
    type: AssetType

    @field_validator("content_sha256")
    @classmethod
    def _digest(cls, v: str) -> str:
        if not SHA256_HEX.match(v):
            raise rule_error(
                "generation_input_validation_failed",
                "contentSha256",
                "must be 64 lowercase hex digits",
                "Pass the SHA-256 digest of the file in lowercase hexadecimal.",
            )
        return v


# ----------------------------------------------------------------------------------------------- endpoints


def asset_path(asset_id: str) -> str:
    """`/v2/assets/{id}` for a well-formed id; anything else is refused before a request is made.

    [INF] Asset ids are UUIDs like every other id of the API; the catalog code is `invalid_asset_id_format`.
    """
    try:
        uuid.UUID(asset_id)
    except (ValueError, TypeError, AttributeError):
        raise SyncAPIError(
            http_status=None,
            error_code="invalid_asset_id_format",
            message=f"'{asset_id}' is not an asset id (a UUID); nothing was sent.",
            suggestion="Pass the asset id exactly as upload_media, register_asset or list_assets returned it.",
            field="id",
        ) from None
    return f"/v2/assets/{asset_id}"


async def create_upload_url(client: SyncClient, body: CreateUploadUrlRequest) -> UploadUrl:
    """`POST /v2/assets/upload`: a presigned URL for one file."""
    return read_reply(UploadUrl, await client.request_json("POST", "/v2/assets/upload", json=body.to_wire()))


async def register_asset(client: SyncClient, body: CreateAssetRequest) -> Asset:
    """`POST /v2/assets`: make an asset of an uploaded file or a public URL."""
    return read_reply(Asset, await client.request_json("POST", "/v2/assets", json=body.to_wire()))


async def find_uploaded(client: SyncClient, sha256: str, asset_type: AssetType) -> Asset | None:
    """`GET /v2/assets/uploaded`: the newest live asset this key registered with this digest and type."""
    query = FindUploadedQuery(contentSha256=sha256, type=asset_type)
    data = await client.request_json("GET", "/v2/assets/uploaded", params=query.to_wire())
    return read_reply(UploadedAsset, data).asset


async def list_assets(client: SyncClient, query: ListAssetsQuery) -> AssetPage:
    """`GET /v2/assets`: one page of the media library."""
    return read_reply(AssetPage, await client.request_json("GET", "/v2/assets", params=query.to_params()))


async def get_asset(client: SyncClient, asset_id: str) -> Asset:
    return read_reply(Asset, await client.request_json("GET", asset_path(asset_id)))


async def update_asset(client: SyncClient, asset_id: str, body: UpdateAssetRequest) -> Asset:
    """`PATCH /v2/assets/{id}`: only assets owned by the key's user (403 `asset_forbidden` otherwise)."""
    return Asset.model_validate(await client.request_json("PATCH", asset_path(asset_id), json=body.to_wire()))


async def get_assets(client: SyncClient, body: AssetBatchRequest) -> list[Asset]:
    """`POST /v2/assets/batch`: the assets of these ids the key may read (others are silently left out)."""
    data = await client.request_json("POST", "/v2/assets/batch", json=body.to_wire())
    return [Asset.model_validate(item) for item in as_list(data)]


async def count_assets(client: SyncClient, query: AssetFilters) -> int:
    """`GET /v2/assets/count`: a bare integer (§5.4). [INF] A `{count}` object is read too."""
    data = await client.request_json("GET", "/v2/assets/count", params=query.to_params())
    if isinstance(data, dict):
        data = data.get("count")
    if isinstance(data, bool) or not isinstance(data, int):
        raise SyncAPIError(
            http_status=200,
            error_code="invalid_response",
            message="GET /v2/assets/count did not answer with a number.",
            suggestion="Use list_assets and its totalCount instead.",
        )
    return data


async def delete_asset(client: SyncClient, asset_id: str) -> DeletedAsset:
    """`DELETE /v2/assets/{id}`: only assets owned by the key's user (403 `asset_forbidden` otherwise)."""
    return read_reply(DeletedAsset, await client.request_json("DELETE", asset_path(asset_id)))


async def asset_download_url(client: SyncClient, asset_id: str) -> str:
    """`GET /v2/assets/{id}/download`: a bare URL in a text/plain body, fetched without the key."""
    response = await client.request("GET", asset_path(asset_id) + "/download")
    return response.text.strip()


# ----------------------------------------------------------------------------------------------- local files

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
