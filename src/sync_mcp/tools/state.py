"""What tools need at run time, created once per server process by the server's lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context

from sync_mcp.api import ErrorCatalog, SyncClient
from sync_mcp.config import Settings

from .updates import GenerationUpdates


@dataclass
class ToolState:
    settings: Settings
    client: SyncClient
    catalog: ErrorCatalog
    updates: GenerationUpdates
    """Where sightings of generations go, so subscribed clients hear of status changes."""


def tool_state(ctx: Context[Any, Any]) -> ToolState:
    state = ctx.request_context.lifespan_context
    if not isinstance(state, ToolState):  # pragma: no cover - a wiring bug, not a user error
        raise RuntimeError("sync-mcp tools need the sync-mcp server lifespan")
    return state
