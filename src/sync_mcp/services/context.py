"""What a workflow needs of the server: its API client (bound to the caller), the error catalog, the settings.

The tools' per-request state (toolkit/state.py `ToolState`) has these; any object with them will do.
"""

from __future__ import annotations

from typing import Protocol

from sync_mcp.api import SyncClient
from sync_mcp.config import Settings
from sync_mcp.guidance.catalog import ErrorCatalog


class ServiceContext(Protocol):
    @property
    def client(self) -> SyncClient: ...

    @property
    def catalog(self) -> ErrorCatalog: ...

    @property
    def settings(self) -> Settings: ...
