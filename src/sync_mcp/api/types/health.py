"""The API's health check reply (reference §15)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Health:
    healthy: bool
    http_status: int | None
    body: Any
    """The reply's JSON (or text), as sent."""
    date: str | None
    """The reply's `Date` header: the API's clock."""
