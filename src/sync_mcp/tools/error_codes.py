"""The error catalog as a tool: what a code means and how to fix it."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sync_mcp.api.catalog import CatalogEntry
from sync_mcp.guidance.catalog import CatalogSource
from sync_mcp.guidance.failures import no_entry
from sync_mcp.toolkit.results import ok, sync_tool
from sync_mcp.toolkit.state import tool_state


class ErrorCodesResult(BaseModel):
    source: CatalogSource = Field(description="live = fetched from GET /v2/errors; bundled = the shipped snapshot.")
    count: int
    entries: list[CatalogEntry] = Field(description="code, message, fix, and category/httpStatus where known.")
    hint: str | None = Field(default=None, description="Guidance when nothing matched.")
    closest: list[CatalogEntry] | None = Field(default=None, description="For an unknown code: its nearest entries.")


@sync_tool(title="Look up Sync API error codes", read_only=True)
async def list_error_codes(
    ctx: Context[Any, Any],
    code: Annotated[str | None, Field(description="Exact code, e.g. generation_input_video_inaccessible.")] = None,
    search: Annotated[str | None, Field(description="Words to find in codes, messages and fixes.")] = None,
) -> Annotated[CallToolResult, ErrorCodesResult]:
    """Explain Sync API error codes: message and fix. Look up a result's errorCode, browse by topic
    (search="audio"), or, without arguments, list the whole catalog.
    """
    catalog = tool_state(ctx).catalog
    entries, source = await catalog.entries()
    if code:
        entries = [e for e in entries if e.code.lower() == code.strip().lower()]
    if search:
        words = search.lower().split()
        entries = [e for e in entries if all(w in f"{e.code} {e.message} {e.fix}".lower() for w in words)]
    hint: str | None = None
    closest: list[CatalogEntry] = []
    if not entries and code:
        closest = await catalog.closest(code.strip())
        hint = no_entry(code.strip(), source) + (
            " The entries nearest to it are in `closest`, with their fixes: apply the one that matches what "
            "happened (a failed generation's `error` text, or the failed call's message)."
            if closest
            else " A failed generation's `error` text, or the failed call's message, says what happened."
        )
    elif not entries:
        hint = "No catalog entry has all of these words: try fewer or other words, or call without arguments."
    return ok(ErrorCodesResult(source=source, count=len(entries), entries=entries, hint=hint, closest=closest or None))
