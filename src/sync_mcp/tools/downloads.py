"""`download_output`: save a finished generation's video into the caller's output folder (services/downloads.py),
or, for a caller whose computer is not the server's, hand them a download link (services/download_links.py)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from sync_mcp.api.types.generations import OUTPUT_FILE_NAME
from sync_mcp.services.download_links import mint_download
from sync_mcp.services.downloads import DownloadFailed, DownloadResult, save_output
from sync_mcp.toolkit.generations import GenerationIdArgument
from sync_mcp.toolkit.links import base_url
from sync_mcp.toolkit.results import Progress, fail, generation_link, ok, sync_tool
from sync_mcp.toolkit.state import ToolState, caller_api_key, caller_folders, caller_id, is_remote, tool_state

DOWNLOAD_PATH = "/download/"

FileName = Annotated[
    str | None,
    Field(
        pattern=OUTPUT_FILE_NAME.pattern,
        description="File name (letters, digits, _, -). Default: output_name, else id.",
    ),
]


@sync_tool(title="Download a generation's video", read_only=False, destructive=True, idempotent=True)
async def download_output(
    id: GenerationIdArgument, ctx: Context[Any, Any], name: FileName = None
) -> Annotated[CallToolResult, DownloadResult]:
    """Save a COMPLETED generation's video as <name>.mp4 in the server's output folder (path; replacing a file
    of that name), or, for a remote user, return a download link (downloadUrl) to give them. An interrupted
    transfer leaves no partial file: just call again.
    """
    try:
        result = await deliver(ctx, tool_state(ctx), Progress(ctx), id, name)
    except DownloadFailed as exc:
        return fail(exc.info)
    return ok(result, [generation_link(result.id)])


async def deliver(
    ctx: Context[Any, Any], state: ToolState, progress: Progress, generation_id: str, name: str | None = None
) -> DownloadResult:
    """The finished video for the caller: saved into their output folder, or, for a remote user (whose computer
    is not the server's), a download link of this server (raises `DownloadFailed`)."""
    if is_remote(ctx, state.settings):
        owner = caller_id(ctx) or ""
        link, file_name = await mint_download(
            state, state.upload_links, owner, caller_api_key(ctx), generation_id, name
        )
        url = link_url(ctx, state, link.token)
        return DownloadResult(id=generation_id, fileName=file_name, downloadUrl=url, expiresAt=link.expires_at)
    return await save_output(state, caller_folders(ctx), progress, generation_id, name)


def link_url(ctx: Context[Any, Any], state: ToolState, token: str) -> str:
    """Where a download link of this server is opened (under SYNC_MCP_PUBLIC_URL, else the request's address)."""
    return f"{base_url(ctx, state)}{DOWNLOAD_PATH}{token}"
