"""What the model is told about toolsets: which exist, which it has, and how its user gets another.

In the instructions (read at connect time) and in the `sync://toolsets` resource (read any time, answered for
the connection asking). Over HTTP a connection gets more toolsets by its URL (`/mcp/x/core,usage`) or the
`X-MCP-Toolsets` header; in a stdio session the model turns one on with `enable_toolset`.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer

from sync_mcp.tools.toolsets import Offered

from .connection_toolsets import CHOICE_PREFIX, TOOLSETS_HEADER, ConnectionToolsets

URI = "sync://toolsets"


def toolset_instructions(offered: Offered, connections: ConnectionToolsets | None, switch: bool) -> str:
    """The instructions' paragraph on toolsets."""
    listing = "; ".join(f"{t.name} ({t.description})" for t in offered.available)
    if connections is not None:
        how = (
            f"Over HTTP each connection has the toolsets its URL names ({connections.mcp_path}{CHOICE_PREFIX}"
            f"core,usage) or its {TOOLSETS_HEADER} header, else {', '.join(t.name for t in connections.default)}; "
            f"when the user needs a tool you lack, tell them the URL to connect with instead."
        )
    elif switch:
        how = "Turn on a toolset that is off with enable_toolset when the user needs one of its tools."
    else:
        how = "The operator chooses them with SYNC_MCP_TOOLSETS."
    return f"Tools come in toolsets: {listing}. {how} {URI} lists which you have and how to get the others.\n"


def register_toolset_resource(server: MCPServer[Any], offered: Offered) -> None:
    @server.resource(
        URI,
        name="toolsets",
        title="Toolsets: which you have, how to get another",
        description="Every toolset with its tools, whether this connection has it, and how the user gets it.",
        mime_type="application/json",
    )
    async def toolsets() -> str:
        on = offered.enabled()
        entries = [
            {
                "name": t.name,
                "description": t.description,
                "tools": list(t.tool_names),
                "enabled": t in on,
                **({} if t in on else {"howToGet": offered.how_to_enable(t)}),
            }
            for t in offered.available
        ]
        return json.dumps({"toolsets": entries}, ensure_ascii=False)
