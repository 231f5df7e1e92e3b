"""Upload links, as `upload_media` offers them (HTTP mode): mint one for the caller, and follow its upload.

The link's page and PUT are served by server/upload_pages.py; the links live in the state backend
(services/upload_links.py). A link is made under SYNC_MCP_PUBLIC_URL when set, else under the address the
request came to.
"""

from __future__ import annotations

from typing import Any

import anyio
from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.guidance import refusals, steps
from sync_mcp.guidance.steps import bytes_done, percent_of
from sync_mcp.services.upload_links import UploadStatus

from .results import Progress
from .state import ToolState, caller_api_key, caller_id, wait_seconds

UPLOAD_PATH = "/upload/"
POLL_SECONDS = 0.5


class UploadResult(BaseModel):
    """An uploaded asset, or an upload link and the state of its upload."""

    model_config = ConfigDict(populate_by_name=True)

    state: str = Field(
        description="done (assetId is ready), waiting (the link is not used yet), receiving, or failed (see reason)."
    )
    asset_id: str | None = Field(default=None, alias="assetId", description="Pass this as assetId in a generation.")
    url: str | None = Field(default=None, description="Media URL of the asset.")
    type: str | None = Field(default=None, description="AUDIO, VIDEO or IMAGE, from the file type.")
    reused: bool | None = Field(default=None, description="True: this key already uploaded the same bytes.")
    bytes_sent: int | None = Field(default=None, alias="bytesSent", description="Bytes uploaded by this call.")
    sha256: str | None = Field(default=None, description="SHA-256 of the file.")
    upload_id: str | None = Field(default=None, alias="uploadId", description="Follow the link's upload with this.")
    upload_url: str | None = Field(
        default=None, alias="uploadUrl", description="Give this link to the user: they open it and choose their file."
    )
    expires_at: str | None = Field(default=None, alias="expiresAt", description="The link works until then, once.")
    bytes_received: int | None = Field(default=None, alias="bytesReceived", description="Bytes received so far.")
    size: int | None = Field(default=None, description="Size of the file being uploaded, in bytes.")
    reason: str | None = Field(default=None, description="Why the upload failed.")
    next_step: str = Field(alias="nextStep", description="The call to make next.")


def base_url(ctx: Context[Any, Any], state: ToolState) -> str:
    """Where this server is reached: SYNC_MCP_PUBLIC_URL, else the address of this request."""
    if state.settings.public_url:
        return state.settings.public_url.rstrip("/")
    request = ctx.request_context.request
    return str(getattr(request, "base_url", "")).rstrip("/")


def link_owner(ctx: Context[Any, Any]) -> str:
    """The caller a link is bound to (HTTP only: over stdio the server reads the user's disk itself)."""
    owner = caller_id(ctx)
    if owner is None:
        raise refusals.upload_links_need_http()
    return owner


async def mint_link(
    ctx: Context[Any, Any], state: ToolState, details: dict[str, Any], *, file_on_callers_computer: bool = False
) -> UploadResult:
    """A new upload link for the caller, with the asset details to register the file with
    (`file_on_callers_computer`: a path was given that is on the caller's computer, not this server's)."""
    owner = link_owner(ctx)
    minted = await state.upload_links.mint(owner, caller_api_key(ctx), details, state.settings.upload_link_minutes)
    return UploadResult(
        state="waiting",
        uploadId=minted.upload_id,
        uploadUrl=f"{base_url(ctx, state)}{UPLOAD_PATH}{minted.token}",
        expiresAt=minted.expires_at,
        nextStep=steps.upload_link_made(minted.upload_id, file_on_callers_computer=file_on_callers_computer),
    )


def _from_status(status: UploadStatus) -> UploadResult:
    step = steps.upload_link_state(status.state, status.upload_id, status.asset_id)
    values = status.model_dump(by_alias=True, exclude_none=True)
    return UploadResult.model_validate({**values, "nextStep": step})


async def follow_link(ctx: Context[Any, Any], state: ToolState, upload_id: str, *, wait: bool) -> UploadResult:
    """The state of the caller's upload `upload_id`; with `wait`, once it is done or failed (or the server's
    longest wait has passed)."""
    owner = link_owner(ctx)
    seconds = wait_seconds(None, state.settings.max_wait_seconds)
    status = await _status(state, upload_id, owner)
    progress = Progress(ctx)
    with anyio.move_on_after(seconds if wait else 0.0):
        while wait and status.state not in ("done", "failed"):
            if status.size:
                percent = percent_of(status.bytes_received, status.size)
                await progress.report(percent, f"receiving {bytes_done(status.bytes_received, status.size)}")
            await anyio.sleep(POLL_SECONDS)
            status = await _status(state, upload_id, owner)
    return _from_status(status)


async def _status(state: ToolState, upload_id: str, owner: str) -> UploadStatus:
    status = await state.upload_links.status(upload_id, owner)
    if status is None:
        raise refusals.upload_not_found(upload_id)
    return status
