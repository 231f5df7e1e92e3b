"""The floor of a tool call for the per-call overhead benchmark: `python bench/bare_sdk.py`, a bare SDK
`MCPServer` over stdio whose one tool, `get_generation`, does the same GET as the server's (one keep-alive
`httpx` client, the JSON parsed and returned as the structured result), and nothing else."""

from __future__ import annotations

import os
from typing import Any

import httpx
from mcp.server import MCPServer

server = MCPServer("bare-sdk")
_clients: list[httpx.AsyncClient] = []


def _http() -> httpx.AsyncClient:
    if not _clients:
        headers = {"x-api-key": os.environ["SYNC_API_KEY"]}
        _clients.append(httpx.AsyncClient(base_url=os.environ["SYNC_BASE_URL"], headers=headers))
    return _clients[0]


@server.tool()
async def get_generation(id: str) -> dict[str, Any]:
    """Read one generation."""
    reply = await _http().get(f"/v2/generate/{id}")
    reply.raise_for_status()
    return dict(reply.json())


if __name__ == "__main__":
    server.run("stdio")
