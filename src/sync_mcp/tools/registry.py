"""How a tool is declared: one decorator gives every tool the same conventions, and registers nothing.

`@sync_tool(...)` wraps the function with `structured_errors` (so failures are `{errorCode, ..., fix}` objects)
and attaches a `ToolSpec` with honest annotations to it. Which tools a server offers is decided elsewhere, by
composing toolsets explicitly (tools/toolsets.py); `add_tools` puts a list of them on a server.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mcp.server import MCPServer
from mcp.types import CallToolResult, ToolAnnotations

from sync_mcp.sdk_internals import model_arguments

from .results import structured_errors

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
