"""What the agent sees: one module per domain, each declaring its tools with `@sync_tool`.

Nothing registers itself on import: tools/toolsets.py composes the tools into toolsets, and the server adds the
enabled ones (server/app.py).
"""

from .state import ToolState

__all__ = ["ToolState"]
