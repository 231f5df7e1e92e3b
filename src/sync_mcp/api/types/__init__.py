"""Wire types of the Sync API v2, one module per domain (the bodies sent and the replies read).

Each type has one home here; `sync_mcp.api` names the public ones at its top level."""
