"""A local HTTP emulator of the Sync API v2 for demos and tests (see the README's "Development" section).

`SandboxConfig` is light to import; `create_app` and `SandboxServer` load Starlette and uvicorn on first
use, so nothing here slows the MCP server's start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import DEFAULT_API_KEY, SandboxConfig

if TYPE_CHECKING:
    from .app import create_app
    from .runner import SandboxServer, run_standalone
    from .state import SandboxState

__all__ = ["DEFAULT_API_KEY", "SandboxConfig", "SandboxServer", "SandboxState", "create_app", "run_standalone"]

_LAZY = {
    "create_app": "app",
    "SandboxServer": "runner",
    "run_standalone": "runner",
    "SandboxState": "state",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
