"""How tool results and failures are shaped.

- Success: `structuredContent` (matching the tool's output schema) + the same JSON as a text block (+ links).
- Failure: `isError: true`, the `{errorCode, httpStatus, message, fix, retryable, requestId, ...}` object as the
  first (JSON text) content block and under `_meta["so.sync/error"]`, and **no** `structuredContent`. Clients
  check `structuredContent` against the output schema whenever it is present, error or not (the TypeScript
  SDK's `Client.callTool`, which the Inspector and most hosts use), so an error object there would be refused
  and the agent would never see `fix`.

Both are scrubbed by value on the way out: any string holding a secret the log redactor knows (the deployment's
key, the key of every request in flight) is blanked, whatever produced it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec

from mcp.types import CallToolResult, ContentBlock, ResourceLink, TextContent
from pydantic import BaseModel, ValidationError

from sync_mcp.api import SyncAPIError
from sync_mcp.guidance.errors import ErrorInfo, InputError, explain, with_error_fields
from sync_mcp.logs import redactor

from .state import tool_state
from .updates import generation_uri

P = ParamSpec("P")


def ok(result: BaseModel, links: Sequence[ResourceLink] = ()) -> CallToolResult:
    data = redactor.scrub_value(result.model_dump(mode="json", by_alias=True, exclude_none=True))
    content: list[ContentBlock] = [TextContent(type="text", text=json.dumps(data, ensure_ascii=False))]
    content.extend(links)
    return CallToolResult(content=content, structured_content=data)


ERROR_META_KEY = "so.sync/error"
"""Where an error result's `_meta` carries the error object, for programs (models read the text block)."""


def crashed(tool: str) -> ErrorInfo:
    """What the agent sees when a tool fails unexpectedly (a fault of this server; details go to its log)."""
    return ErrorInfo(
        errorCode="internal_error",
        message=f"{tool} failed unexpectedly inside sync-mcp; this is not a problem with your arguments.",
        fix="Call get_generation or list_generations before repeating a create (it may have started), then try "
        "once more; if it repeats, report it to the server's operator with the time of the call.",
        retryable=False,
    )


def fail(info: ErrorInfo) -> CallToolResult:
    return error_result(info.to_wire())


def error_result(data: dict[str, Any]) -> CallToolResult:
    """An `isError` result carrying the error object as JSON text and in `_meta`, never as structured content.
    Every error object has the same fields (`ERROR_FIELDS`, null where unknown)."""
    data = redactor.scrub_value(with_error_fields(data))
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(data, ensure_ascii=False))],
        is_error=True,
        _meta={ERROR_META_KEY: data},
    )


def error_of(result: CallToolResult) -> dict[str, Any] | None:
    """The error object of an `isError` result (None for a success)."""
    if not result.is_error:
        return None
    meta = (result.meta or {}).get(ERROR_META_KEY)
    if isinstance(meta, dict):
        return dict(meta)
    for block in result.content:  # a result not made by `fail` (the SDK's own): its text is the message
        if isinstance(block, TextContent):
            return {"message": block.text}
    return {}


def generation_link(generation_id: str) -> ResourceLink:
    return ResourceLink(
        type="resource_link",
        name=f"generation {generation_id}",
        uri=generation_uri(generation_id),
        mime_type="application/json",
        description="Live status of this generation (read it, or subscribe for updates).",
    )


def structured_errors(
    fn: Callable[P, Awaitable[CallToolResult]],
) -> Callable[P, Awaitable[CallToolResult]]:
    """Turn anticipated failures into `isError` results carrying the `{errorCode, ..., fix}` object.

    Local validation failures (nothing sent) and API/transport errors (with the catalog's fix) are
    handled here once, for every tool. The wrapped tool must take its `Context` as `ctx`.
    """

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
        ctx: Any = kwargs.get("ctx")
        try:
            return await fn(*args, **kwargs)
        except (InputError, ValidationError, SyncAPIError) as exc:
            # The catalog is the server's, the same for every caller; the caller's own client only if needed.
            catalog = ctx.request_context.lifespan_context.catalog if isinstance(exc, SyncAPIError) else None
            return fail(await explain(exc, catalog, lambda: tool_state(ctx).client))

    return wrapper
