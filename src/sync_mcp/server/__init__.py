"""Assembly of the MCP server: no business logic lives here."""

from .app import SyncMCPServer, build_server

__all__ = ["SyncMCPServer", "build_server"]
