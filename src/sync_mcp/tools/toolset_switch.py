"""`enable_toolset`: the model turns on a toolset the user needs, in a session that hears of new tools.

Built by the server for stdio sessions (one user per process) when some toolsets are off: it adds the toolset's
tools to the server and announces the change (`notifications/tools/list_changed`, on both protocol eras), so
the client lists tools again. Over HTTP there is no switch: each connection chooses its toolsets with its URL or
a header (server/connection_toolsets.py).
"""

# Annotations are evaluated when the tool is built: its `name` choices are the toolsets of that server.

import logging
import warnings
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import CallToolResult
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.guidance import steps
from sync_mcp.toolkit.results import ToolFn, add_tools, ok, sync_tool

from .toolsets import Offered

logger = logging.getLogger(__name__)


class ToolsetEnabled(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    toolset: str
    tools: list[str] = Field(description="The tools this toolset holds, now available.")
    already_enabled: bool = Field(alias="alreadyEnabled")
    next_step: str = Field(alias="nextStep")


def toolset_switch(server: MCPServer[Any], offered: Offered) -> ToolFn:
    """The `enable_toolset` tool of `server`, choosing among `offered`'s toolsets."""
    choices = tuple(toolset.name for toolset in offered.available)
    listing = "; ".join(f"{t.name}: {t.description}" for t in offered.disabled())

    @sync_tool(title="Enable more tools", read_only=False, destructive=False, idempotent=True)
    async def enable_toolset(
        name: Annotated[Literal[choices], Field(description="The toolset to turn on.")],
        ctx: Context[Any, Any],
    ) -> Annotated[CallToolResult, ToolsetEnabled]:
        """Turn on more tools when the user asks for something the current tools cannot do."""
        toolset = next(t for t in offered.available if t.name == name)
        already = toolset in offered.enabled()
        if not already:
            offered.enable(name)
            add_tools(server, toolset.tools)
            await _announce(ctx)
            logger.info("toolset %s enabled: %s", name, ", ".join(toolset.tool_names))
        return ok(
            ToolsetEnabled(
                toolset=name,
                tools=list(toolset.tool_names),
                alreadyEnabled=already,
                nextStep=steps.toolset_enabled(toolset.tool_names[0]),
            )
        )

    enable_toolset.__doc__ = (enable_toolset.__doc__ or "") + f"\n\nOff: {listing}."
    return enable_toolset


async def _announce(ctx: Context[Any, Any]) -> None:
    """`notifications/tools/list_changed` to this client: on the 2026-07-28 `subscriptions/listen` stream, or
    directly on a handshake-era connection."""
    await ctx.notify_tools_changed()
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return
    with warnings.catch_warnings():  # the legacy notification is what handshake-era clients listen for
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        try:
            await ctx.request_context.session.send_tool_list_changed()
        except Exception:  # the client went away; the tools are enabled all the same
            logger.debug("could not send tools/list_changed", exc_info=True)
