"""The bundled error catalog, indexed by code, as the sandbox's source of messages and suggestions."""

from __future__ import annotations

from functools import lru_cache

from sync_mcp.api.catalog import CatalogEntry, load_bundled_catalog


@lru_cache(maxsize=1)
def catalog() -> dict[str, CatalogEntry]:
    return {entry.code: entry for entry in load_bundled_catalog()}


def suggestion_for(code: str | None) -> str | None:
    entry = catalog().get(code) if code else None
    return entry.fix if entry else None


def message_for(code: str) -> str:
    entry = catalog().get(code)
    return entry.message if entry else f"The generation failed ({code})."
