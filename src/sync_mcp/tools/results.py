"""How tool results and failures are shaped: structured content + a JSON text block (+ links)."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec

from mcp.types import CallToolResult, ContentBlock, ResourceLink, TextContent
from pydantic import BaseModel, ValidationError

from sync_mcp.api import ErrorInfo, SyncAPIError
from sync_mcp.api.errors import from_validation_error

from .failures import explain_failure
from .state import tool_state
from .updates import generation_uri

P = ParamSpec("P")


class ToolInputError(Exception):
    """A tool argument that cannot be used (a path outside the allowed folders, a missing file, ...).

    Raised before any request is sent; reaches the agent as an isError result with `errorCode`,
    the offending `field` and the `fix`.
    """

    def __init__(self, error_code: str, message: str, fix: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.info = ErrorInfo(errorCode=error_code, message=message, fix=fix, retryable=False, field=field)


def ok(result: BaseModel, links: Sequence[ResourceLink] = ()) -> CallToolResult:
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    content: list[ContentBlock] = [TextContent(type="text", text=json.dumps(data, ensure_ascii=False))]
    content.extend(links)
    return CallToolResult(content=content, structured_content=data)


def fail(info: ErrorInfo) -> CallToolResult:
    data = info.to_wire()
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(data, ensure_ascii=False))],
        structured_content=data,
        is_error=True,
    )


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
        except ToolInputError as exc:
            return fail(exc.info)
        except ValidationError as exc:
            return fail(from_validation_error(exc, tool_state(ctx).catalog if ctx is not None else None))
        except SyncAPIError as exc:
            return fail(await explain_failure(tool_state(ctx), exc))

    return wrapper
