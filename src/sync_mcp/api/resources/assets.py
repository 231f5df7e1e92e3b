"""Assets (reference §5): the media library's endpoints. Uploading a local file is `client.uploads`."""

from __future__ import annotations

import uuid

from sync_mcp.api.types.shared import AssetType

from ..errors import UNREADABLE_REPLY_CODE, SyncAPIError
from ..types.assets import (
    Asset,
    AssetBatchRequest,
    AssetFilters,
    AssetPage,
    CreateAssetRequest,
    CreateUploadUrlRequest,
    DeletedAsset,
    FindUploadedQuery,
    ListAssetsQuery,
    UpdateAssetRequest,
    UploadedAsset,
    UploadUrl,
)
from .base import Resource


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
            field="id",
        ) from None
    return f"/v2/assets/{asset_id}"


class Assets(Resource):
    """`client.assets`: uploaded and registered media."""

    async def create_upload_url(self, body: CreateUploadUrlRequest) -> UploadUrl:
        """`POST /v2/assets/upload`: a presigned URL for one file."""
        return (await self._client.request_reply("POST", "/v2/assets/upload", json=body.to_wire())).read(UploadUrl)

    async def create(self, body: CreateAssetRequest) -> Asset:
        """`POST /v2/assets`: make an asset of an uploaded file or a public URL."""
        return (await self._client.request_reply("POST", "/v2/assets", json=body.to_wire())).read(Asset)

    async def find_uploaded(self, sha256: str, asset_type: AssetType) -> Asset | None:
        """`GET /v2/assets/uploaded`: the newest live asset this key registered with this digest and type."""
        query = FindUploadedQuery(contentSha256=sha256, type=asset_type)
        reply = await self._client.request_reply("GET", "/v2/assets/uploaded", params=query.to_wire())
        return reply.read(UploadedAsset).asset

    async def list(self, query: ListAssetsQuery) -> AssetPage:
        """`GET /v2/assets`: one page of the media library."""
        return (await self._client.request_reply("GET", "/v2/assets", params=query.to_params())).read(AssetPage)

    async def get(self, asset_id: str) -> Asset:
        return (await self._client.request_reply("GET", asset_path(asset_id))).read(Asset)

    async def update(self, asset_id: str, body: UpdateAssetRequest) -> Asset:
        """`PATCH /v2/assets/{id}`: only assets owned by the key's user (403 `asset_forbidden` otherwise)."""
        return Asset.model_validate(await self._client.request_json("PATCH", asset_path(asset_id), json=body.to_wire()))

    async def get_many(self, body: AssetBatchRequest) -> list[Asset]:
        """`POST /v2/assets/batch`: the assets of these ids the key may read (others are silently left out)."""
        reply = await self._client.request_reply("POST", "/v2/assets/batch", json=body.to_wire())
        return [Asset.model_validate(item) for item in reply.items()]

    async def count(self, query: AssetFilters) -> int:
        """`GET /v2/assets/count`: a bare integer (§5.4). [INF] A `{count}` object is read too."""
        data = await self._client.request_json("GET", "/v2/assets/count", params=query.to_params())
        if isinstance(data, dict):
            data = data.get("count")
        if isinstance(data, bool) or not isinstance(data, int):
            raise SyncAPIError(
                http_status=200,
                error_code=UNREADABLE_REPLY_CODE,
                message="GET /v2/assets/count did not answer with a number.",
                suggestion="Read the totalCount of a list of assets (GET /v2/assets) instead.",
            )
        return data

    async def delete(self, asset_id: str) -> DeletedAsset:
        """`DELETE /v2/assets/{id}`: only assets owned by the key's user (403 `asset_forbidden` otherwise)."""
        return (await self._client.request_reply("DELETE", asset_path(asset_id))).read(DeletedAsset)

    async def download_url(self, asset_id: str) -> str:
        """`GET /v2/assets/{id}/download`: a bare URL in a text/plain body, fetched without the key."""
        response = await self._client.request("GET", asset_path(asset_id) + "/download")
        return response.text.strip()
