"""What the agent sees: one module per domain, each registering its tools with `@sync_tool`.

Importing this package imports every module in it (so each domain's tools register themselves);
`register_tools(mcp)` adds them to a server.
"""

import importlib
import pkgutil

from .registry import REGISTRY, register_tools
from .state import ToolState

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["REGISTRY", "ToolState", "register_tools"]
