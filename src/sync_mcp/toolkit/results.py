"""How a tool is declared, and how its results and failures are shaped: the one wrapper every tool has.

`@sync_tool(...)` wraps the function with `structured_errors` (so failures are `{errorCode, ..., fix}` objects)
and attaches a `ToolSpec` with honest annotations to it; it registers nothing. Which tools a server offers is
decided by composing toolsets explicitly (tools/toolsets.py); `add_tools` puts a list of them on a server.
A result may link to a generation's MCP resource (`generation_uri`: `sync://generations/{id}`).

- Success: `structuredContent` (matching the tool's output schema) + the same JSON as a text block (+ links).
- Failure: `isError: true`, the `{errorCode, httpStatus, message, fix, retryable, requestId, ...}` object as the
  first (JSON text) content block and under `_meta["so.sync/error"]`, and **no** `structuredContent`. Clients
  check `structuredContent` against the output schema whenever it is present, error or not (the TypeScript
  SDK's `Client.callTool`, which the Inspector and most hosts use), so an error object there would be refused
  and the agent would never see `fix`.

Both are scrubbed by value on the way out: any string holding a secret the log redactor knows (the deployment's
key, the key of every request in flight) is blanked, whatever produced it.

Progress (the last section): MCP progress for a tool call with several phases (upload a file, then another,
create, wait for the job, download it): the `ProgressSink` the workflows of services/ report to (its words are
guidance/steps.py).

Each phase reports its own 0-100 % (its message says so); on the wire phase n (counting from 0) runs from
100·n to 100·(n+1) and `total` is 100 times the phases the call planned, so `progress / total` is the share of
the whole call done. The protocol requires `progress` to strictly increase within one request: a report that
would not move forward (a percent that stayed or went back, an unknown percent) is sent a hundredth above the
last value instead, so every message still reaches the client. Without a progress token the reports are
no-ops (the SDK's behaviour).
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, ParamSpec

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, ContentBlock, ResourceLink, TextContent, ToolAnnotations
from pydantic import BaseModel, SerializerFunctionWrapHandler, ValidationError, model_serializer

from sync_mcp.api import SyncAPIError
from sync_mcp.guidance.errors import ErrorInfo, InputError, explain, with_error_fields
from sync_mcp.sdk_internals import model_arguments
from sync_mcp.telemetry import redactor

from .state import tool_state

P = ParamSpec("P")


def ok(result: BaseModel, links: Sequence[ResourceLink] = ()) -> CallToolResult:
    data = redactor.scrub_value(result.model_dump(mode="json", by_alias=True, exclude_none=True))
    content: list[ContentBlock] = [TextContent(type="text", text=json.dumps(data, ensure_ascii=False))]
    content.extend(links)
    return CallToolResult(content=content, structured_content=data)


ERROR_META_KEY = "so.sync/error"
"""Where an error result's `_meta` carries the error object, for programs (models read the text block)."""


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


GENERATION_URI_PREFIX = "sync://generations/"


def generation_uri(generation_id: str) -> str:
    """The MCP resource of one generation (served by the server's `sync://generations/{id}` template)."""
    return f"{GENERATION_URI_PREFIX}{generation_id}"


def generation_id_of(uri: str) -> str | None:
    """The generation id a `sync://generations/{id}` URI names (None for any other URI). The id is not
    checked here: reading it is (a malformed id reads as not found)."""
    if not uri.startswith(GENERATION_URI_PREFIX):
        return None
    return uri[len(GENERATION_URI_PREFIX) :]


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


# ------------------------------------------------------------------------------------ declaring a tool

ToolFn = Callable[..., Awaitable[CallToolResult]]
SPEC_ATTRIBUTE = "sync_tool_spec"


@dataclass(frozen=True)
class ToolSpec:
    fn: ToolFn
    name: str
    title: str
    annotations: ToolAnnotations
    meta: dict[str, Any] | None = None


def sync_tool(
    *,
    title: str,
    read_only: bool,
    destructive: bool = False,
    idempotent: bool = False,
    meta: dict[str, Any] | None = None,
) -> Callable[[ToolFn], ToolFn]:
    """Declare a tool. Its annotations say only what differs from the MCP defaults (ToolAnnotations): every
    tool reaches the outside world (`openWorldHint` defaults to true); destructive and idempotent only mean
    something for a tool that is not read-only, and `destructiveHint` defaults to true, so it is always stated
    there. The title is the tool's own `title`, not repeated in the annotations."""

    def decorate(fn: ToolFn) -> ToolFn:
        wrapped = structured_errors(fn)
        annotations = ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=None if read_only else destructive,
            idempotent_hint=True if idempotent and not read_only else None,
        )
        setattr(wrapped, SPEC_ATTRIBUTE, ToolSpec(wrapped, fn.__name__, title, annotations, meta))
        return wrapped

    return decorate


def spec_of(tool: ToolFn) -> ToolSpec:
    """The declaration `@sync_tool` attached to a tool function."""
    spec = getattr(tool, SPEC_ATTRIBUTE, None)
    if not isinstance(spec, ToolSpec):
        raise TypeError(f"{getattr(tool, '__name__', tool)!r} is not declared with @sync_tool")
    return spec


def add_tools(mcp: MCPServer[Any], tools: Iterable[ToolFn]) -> None:
    for tool in tools:
        spec = spec_of(tool)
        mcp.add_tool(
            spec.fn,
            name=spec.name,
            title=spec.title,
            # The docstring as a model should read it: without the source's indentation (which Python 3.13
            # strips from __doc__ and older versions keep, so what models saw depended on the Python version).
            description=inspect.cleandoc(spec.fn.__doc__ or ""),
            annotations=spec.annotations,
            meta=spec.meta,
            structured_output=True,
        )
        model_arguments(mcp, spec.name)  # a tool taking `args: Model` lists the model's fields as its parameters


# ------------------------------------------------------------------------------- results keeping nulls


class KeepsNulls(BaseModel):
    """A result model listing (by wire name) the fields that stay in the output when null."""

    kept_nulls: ClassVar[tuple[str, ...]] = ()

    # Left unannotated on purpose: pydantic then keeps the model's own JSON schema for the output schema.
    @model_serializer(mode="wrap")
    def _keep_nulls(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        for name in self.kept_nulls:
            data.setdefault(name, None)
        return data


# ------------------------------------------------------------------------------------------------------ progress

NUDGE = 0.01
"""How far a report that would not move forward is put past the last one."""


class Progress:
    def __init__(self, ctx: Context[Any, Any], phases: int = 1) -> None:
        self._ctx = ctx
        self._phases = max(1, phases)
        self._phase = 0
        self._started = False
        self._last: float | None = None

    def plan(self, phases: int) -> None:
        """How many phases the call will have (the reported `total` is 100 per phase)."""
        self._phases = max(1, phases)

    def next_phase(self) -> None:
        """The next phase starts (the first call starts the first phase)."""
        if self._started:
            self._phase += 1
        self._started = True

    async def report(self, percent: float | None, message: str) -> None:
        self._started = True
        base = 100.0 * self._phase
        value = base + max(0.0, min(100.0, percent)) if percent is not None else base
        if self._last is not None and value <= self._last:
            value = self._last + NUDGE
        self._last = value
        total = max(100.0 * max(self._phases, self._phase + 1), value)
        await self._ctx.report_progress(value, total, message)
