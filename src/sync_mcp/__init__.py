"""sync-mcp: an MCP server for the Sync Labs lip-sync API v2."""

__version__ = "0.1.0"
