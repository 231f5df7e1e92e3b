"""The error catalog (`GET /v2/errors`, reference §10, fetched by `client.error_codes.list()`): read, and the
snapshot of it bundled in the package. The cache, and what agents are told about each code, are
sync_mcp.guidance.catalog."""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from .types.errors import ErrorCatalogEntry


def parse_live_catalog(payload: Any) -> list[ErrorCatalogEntry]:
    """`GET /v2/errors` answers an array; tolerate an `{errors: [...]}` envelope."""
    from .types.errors import ErrorCatalogEntry  # the wire models: imported when the catalog is first read

    items = payload.get("errors") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ValueError("error catalog is neither a list nor an {errors: [...]} object")
    return [ErrorCatalogEntry.model_validate(item) for item in items if isinstance(item, dict) and "code" in item]


class CatalogEntry(BaseModel):
    """An entry of the error catalog: its code, message, what to do about it (`fix`: the live catalog's
    `suggestion`), category and status."""

    code: str
    message: str
    fix: str
    category: str | None = None
    http_status: int | None = Field(default=None, alias="httpStatus")

    model_config = ConfigDict(populate_by_name=True)


def load_bundled_catalog() -> list[CatalogEntry]:
    """The snapshot shipped in the package (built from the API reference's error-catalog.json)."""
    text = resources.files("sync_mcp.api").joinpath("data/error_catalog.json").read_text(encoding="utf-8")
    return [CatalogEntry.model_validate(e) for e in json.loads(text)]
