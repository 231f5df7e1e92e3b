"""Asset tools: bring local files and public URLs into the media library, list, count, inspect, update and
delete assets."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sync_mcp.api.types.assets import (
    ASSET_BATCH_MAX,
    Asset,
    AssetBatchRequest,
    AssetDetails,
    AssetFilters,
    CreateAssetRequest,
    ListAssetsQuery,
    UpdateAssetRequest,
)
from sync_mcp.api.types.shared import check_uuid
from sync_mcp.api.uploads import UploadOutcome
from sync_mcp.guidance import refusals, steps
from sync_mcp.guidance.errors import InputError
from sync_mcp.services.attachments import ChatFile, upload_attachment
from sync_mcp.services.media_sources import local_media, upload_local
from sync_mcp.toolkit.arguments import require_a_change
from sync_mcp.toolkit.generations import MediaArgument, file_params
from sync_mcp.toolkit.links import UploadResult, follow_link, mint_link
from sync_mcp.toolkit.results import Progress, ok, sync_tool
from sync_mcp.toolkit.state import caller_folders, is_remote, tool_state


def _asset_id(value: str) -> str:
    return check_uuid(value.strip(), "id", "invalid_asset_id_format")


AssetId = Annotated[
    str,
    AfterValidator(_asset_id),
    Field(description="Asset id (UUID) from upload_media, register_asset or list_assets."),
]


class AssetResult(Asset):
    """An asset of the media library, and how to use it."""

    next_step: str = Field(alias="nextStep", description="The call to make next.")


class AssetListResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[Asset]
    next_cursor: str | None = Field(default=None, alias="nextCursor", description="Pass as cursor for the next page.")
    total_count: int | None = Field(default=None, alias="totalCount", description="Assets matching the filters.")
    next_step: str = Field(alias="nextStep", description="The call to make next.")


class AssetCount(BaseModel):
    count: int


class DeletedAssetResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    deleted: bool = Field(description="True: the asset is gone from the library.")


def _described(asset: Asset) -> AssetResult:
    return AssetResult.model_validate(
        {**asset.model_dump(by_alias=True), "nextStep": steps.use_asset(asset.id, asset.type)}
    )


LINK_INSTEAD = ("file_not_found", "path_not_allowed")
"""A remote caller's path that is not on this server: the file is on their computer, so a link is offered."""


@sync_tool(title="Upload a media file", read_only=False, destructive=False, idempotent=True, meta=file_params("path"))
async def upload_media(
    ctx: Context[Any, Any],
    args: AssetDetails,
    path: Annotated[
        MediaArgument | None,
        Field(
            description="A video, audio or image file on this server, inside the allowed folders (relative paths "
            "and ~ work).",
        ),
    ] = None,
    uploadId: Annotated[str | None, Field(max_length=200, description="Report this upload link's upload.")] = None,
    wait: Annotated[bool, Field(description="With uploadId: wait for the end.")] = False,
) -> Annotated[CallToolResult, UploadResult]:
    """Upload a video, audio or image file to the media library; returns its assetId and url.

    path: a file on this server. No path (HTTP): an upload link (uploadUrl) for the user to open; then call with
    uploadId and wait=true for the assetId. Pass assetId to lipsync.
    """
    state = tool_state(ctx)
    details = args
    if uploadId:
        return ok(await follow_link(ctx, state, uploadId, wait=wait))
    if isinstance(path, ChatFile):
        attached = await upload_attachment(state.client, state.settings, path, field="path", details=details)
        return ok(_uploaded(attached, details))
    if path is None:
        return ok(await mint_link(ctx, state, details.to_wire()))
    try:
        local = local_media(path, caller_folders(ctx))
    except InputError as exc:
        if exc.info.error_code not in LINK_INSTEAD or not is_remote(ctx, state.settings):
            raise
        return ok(await mint_link(ctx, state, details.to_wire(), file_on_callers_computer=True))
    return ok(_uploaded(await upload_local(state.client, local, details, Progress(ctx)), details))


def _uploaded(outcome: UploadOutcome, details: AssetDetails) -> UploadResult:
    asset = outcome.asset
    next_step = steps.uploaded(
        asset.id,
        asset.type,
        reused=outcome.reused,
        bytes_sent=outcome.bytes_sent,
        asked_project=details.project_id,
        filed_under=asset.project_id,
    )
    return UploadResult(
        state="done",
        assetId=asset.id,
        url=asset.url,
        type=asset.type,
        reused=outcome.reused,
        bytesSent=outcome.bytes_sent,
        sha256=outcome.sha256,
        nextStep=next_step,
    )


@sync_tool(title="Register a media URL as an asset", read_only=False, destructive=False, idempotent=False)
async def register_asset(ctx: Context[Any, Any], args: CreateAssetRequest) -> Annotated[CallToolResult, AssetResult]:
    """Add a public http(s) media URL to the media library as an asset (POST /v2/assets).

    Use it to reuse a hosted file across generations by assetId. For a file on this computer use
    upload_media instead. type must match the media: VIDEO, AUDIO or IMAGE.
    """
    state = tool_state(ctx)
    return ok(_described(await state.client.assets.create(args)))


async def _by_ids(ctx: Context[Any, Any], ids: list[str], query: ListAssetsQuery) -> CallToolResult:
    """`POST /v2/assets/batch`: the assets of `ids` this key may read."""
    others = sorted(query.model_dump(by_alias=True, exclude_none=True))
    if others:
        raise refusals.asset_ids_with_filters(others)
    assets = await tool_state(ctx).client.assets.get_many(AssetBatchRequest(ids=ids))
    found = {a.id for a in assets}
    missing = [i for i in ids if i not in found]
    return ok(AssetListResult(items=assets, nextStep=steps.assets_read(missing)))


@sync_tool(title="List media assets", read_only=True)
async def list_assets(
    ctx: Context[Any, Any],
    args: ListAssetsQuery,
    ids: Annotated[
        list[str] | None,
        Field(min_length=1, max_length=ASSET_BATCH_MAX, description="Only these asset ids (1-100), alone."),
    ] = None,
) -> Annotated[CallToolResult, AssetListResult]:
    """List assets of the media library (GET /v2/assets), newest first unless sortBy says otherwise.

    Filter by types, projectId or searchQuery (name). When nextCursor is set, call again with
    cursor=nextCursor for the next page. With ids, read just those assets (POST /v2/assets/batch).
    """
    state = tool_state(ctx)
    if ids:
        return await _by_ids(ctx, ids, args)
    page = await state.client.assets.list(args)
    next_step = steps.asset_page(page.next_cursor, any_items=bool(page.items))
    return ok(
        AssetListResult(items=page.items, nextCursor=page.next_cursor, totalCount=page.total_count, nextStep=next_step)
    )


@sync_tool(title="Get a media asset", read_only=True)
async def get_asset(id: AssetId, ctx: Context[Any, Any]) -> Annotated[CallToolResult, AssetResult]:
    """Details of one asset (GET /v2/assets/{id}): type, url, size, format, duration, project."""
    state = tool_state(ctx)
    return ok(_described(await state.client.assets.get(id)))


@sync_tool(title="Count media assets", read_only=True)
async def count_assets(ctx: Context[Any, Any], args: AssetFilters) -> Annotated[CallToolResult, AssetCount]:
    """How many assets match (GET /v2/assets/count): by types, projectId or searchQuery."""
    return ok(AssetCount(count=await tool_state(ctx).client.assets.count(args)))


@sync_tool(title="Update a media asset", read_only=False, destructive=False, idempotent=True)
async def update_asset(
    ctx: Context[Any, Any], args: UpdateAssetRequest, id: AssetId
) -> Annotated[CallToolResult, AssetResult]:
    """Rename, share (visibility) or correct the metadata of an asset you own (PATCH /v2/assets/{id})."""
    require_a_change(args, "name or visibility")
    asset = await tool_state(ctx).client.assets.update(id, args)
    return ok(_described(asset))


@sync_tool(title="Delete a media asset", read_only=False, destructive=True, idempotent=True)
async def delete_asset(id: AssetId, ctx: Context[Any, Any]) -> Annotated[CallToolResult, DeletedAssetResult]:
    """Delete an asset from the media library (DELETE /v2/assets/{id}).

    Only assets this key's user owns (others: 403 asset_forbidden; unknown: 404 asset_not_found).
    """
    state = tool_state(ctx)
    deleted = await state.client.assets.delete(id)
    return ok(DeletedAssetResult(id=deleted.id, deleted=True))
