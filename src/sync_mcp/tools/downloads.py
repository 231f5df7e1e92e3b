"""`download_output`: save a finished generation's video into the caller's output folder (services/downloads.py)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult

from sync_mcp.services.downloads import DownloadFailed, DownloadResult, save_output

from .callers import caller_folders
from .generation_ids import GenerationIdArgument
from .progress import Progress
from .registry import sync_tool
from .results import fail, generation_link, ok
from .state import tool_state


@sync_tool(title="Download a generation's video", read_only=False, destructive=True, idempotent=True)
async def download_output(
    id: GenerationIdArgument, ctx: Context[Any, Any]
) -> Annotated[CallToolResult, DownloadResult]:
    """Save a COMPLETED generation's video into the server's output folder and return its path and size.

    The file is named <outputFileName or id>.mp4 (an earlier file of that name is replaced). Progress is
    reported while streaming; an interrupted transfer leaves no partial file, so just call again.
    """
    try:
        state = tool_state(ctx)
        result = await save_output(state, caller_folders(ctx, state.settings), Progress(ctx), id)
    except DownloadFailed as exc:
        return fail(exc.info)
    return ok(result, [generation_link(result.id)])
