"""The list of tools and how each is registered: one decorator gives every tool the same conventions.

`@sync_tool(...)` wraps the function with `structured_errors` (so failures are `{errorCode, ..., fix}`
objects) and records honest annotations; `register_tools` adds them all to a server.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp.server import MCPServer
from mcp.types import CallToolResult, ToolAnnotations

from .results import structured_errors

ToolFn = Callable[..., Awaitable[CallToolResult]]


@dataclass(frozen=True)
class ToolSpec:
    fn: ToolFn
    name: str
    title: str
    annotations: ToolAnnotations


REGISTRY: dict[str, ToolSpec] = {}


def sync_tool(
    *, title: str, read_only: bool, destructive: bool = False, idempotent: bool = False
) -> Callable[[ToolFn], ToolFn]:
    """Register a tool. All tools reach the outside world (open_world); destructive/idempotent only
    mean something for tools that are not read-only (MCP spec, ToolAnnotations)."""

    def decorate(fn: ToolFn) -> ToolFn:
        wrapped = structured_errors(fn)
        annotations = ToolAnnotations(
            title=title,
            read_only_hint=read_only,
            destructive_hint=None if read_only else destructive,
            idempotent_hint=True if read_only else idempotent,
            open_world_hint=True,
        )
        REGISTRY[fn.__name__] = ToolSpec(wrapped, fn.__name__, title, annotations)
        return wrapped

    return decorate


def register_tools(mcp: MCPServer[Any]) -> None:
    for spec in REGISTRY.values():
        mcp.add_tool(
            spec.fn,
            name=spec.name,
            title=spec.title,
            # The docstring as a model should read it: without the source's indentation (which Python 3.13
            # strips from __doc__ and older versions keep, so what models saw depended on the Python version).
            description=inspect.cleandoc(spec.fn.__doc__ or ""),
            annotations=spec.annotations,
            structured_output=True,
        )


def has_tool(name: str) -> bool:
    return name in REGISTRY
