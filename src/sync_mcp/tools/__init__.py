"""What the agent sees: one module per domain, each declaring its tools with `@sync_tool` (toolkit/results.py).

Nothing registers itself on import: tools/toolsets.py composes the tools into toolsets, and the server adds the
enabled ones (server/app.py). How a tool is built (the decorator, result shaping, per-request state, progress,
argument types) is in toolkit/; the workflows the tools run are in services/.
"""
