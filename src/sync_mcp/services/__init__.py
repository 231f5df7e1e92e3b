"""Workflows the tools and the server share, knowing nothing of MCP: following a generation to its end,
reading local files and uploading them, saving outputs, webhook deliveries.

`api/` below speaks HTTP to the Sync API; `tools/` above turns these workflows into MCP tools (arguments in,
a service call, a result out), and `server/` assembles them. What a workflow reports along the way goes through
`guidance.steps.ProgressSink`; an argument it cannot use is refused (nothing sent) with an `InputError` from
`sync_mcp.guidance.refusals` or `file_refusals`, which hold the words.
"""
