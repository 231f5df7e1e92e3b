"""Assets (reference §5): the media library's objects, uploads' announcements and the list filters."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from ..errors import LOCAL_VALIDATION_CODE
from .shared import (
    CONTENT_TYPES,
    MAX_UPLOAD_BYTES,
    AssetType,
    RequestModel,
    ResponseModel,
    check_media_url,
    check_uuid,
    rule_error,
)

AssetVisibility = Literal["USER", "ORGANIZATION"]

AssetSort = Literal[
    "nameAsc", "nameDesc", "dateAsc", "dateDesc", "durationAsc", "durationDesc", "sizeAsc", "sizeDesc", "kindAsc",
    "kindDesc",
]  # fmt: skip

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


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
                LOCAL_VALIDATION_CODE,
                "contentType",
                f"'{v}' is not a media type the API accepts",
                "Use one of: " + ", ".join(sorted(CONTENT_TYPES)) + ".",
            )
        return v

    @field_validator("size")
    @classmethod
    def _size(cls, v: int) -> int:
        if v < 1:
            raise rule_error(LOCAL_VALIDATION_CODE, "size", "the file is empty", "Pick a file that holds media.")
        if v > MAX_UPLOAD_BYTES:
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "size",
                f"{v} bytes is over the {MAX_UPLOAD_BYTES} byte (5 GB) limit of a single upload",
                "Shorten or re-encode the file (MP4/H.264 for video, MP3 for audio) to bring it under 5 GB.",
            )
        return v


class AssetDetails(RequestModel):
    """The optional fields of `POST /v2/assets` (§5.2), checked on their own before an upload starts."""

    name: str | None = Field(default=None, min_length=1, max_length=255, description="Display name of the asset.")
    visibility: AssetVisibility | None = Field(
        default=None, description="USER (default: only you) or ORGANIZATION (shared)."
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

    name: str | None = Field(default=None, description="New name.")
    visibility: AssetVisibility | None = Field(default=None, description="USER (yours) or ORGANIZATION (shared).")
    duration_seconds: float | None = Field(default=None, alias="durationSeconds", description="Seconds.")
    size: int | None = Field(default=None, description="Bytes.")
    format: str | None = Field(default=None, description="e.g. mp4, wav.")
    width: int | None = Field(default=None, description="Pixels.")
    height: int | None = Field(default=None, description="Pixels.")


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
                LOCAL_VALIDATION_CODE,
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
                LOCAL_VALIDATION_CODE,
                "contentSha256",
                "must be 64 lowercase hex digits",
                "Pass the SHA-256 digest of the file in lowercase hexadecimal.",
            )
        return v
