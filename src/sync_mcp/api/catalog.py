"""Catalogue endpoints: the error catalog (reference §10) and the models list (§4.1)."""

from __future__ import annotations

from typing import Any

from .client import NO_RETRY, SyncClient, as_list, read_reply
from .models import ModelInfo

CATALOG_TIMEOUT = 10.0


async def fetch_error_catalog(client: SyncClient) -> Any:
    """Raw `GET /v2/errors`. Unauthenticated: the key is never sent there.

    One attempt, bounded by the shorter of 10 s and the client's read timeout: the catalog is fetched
    while an error is being explained, and the bundled snapshot answers when it cannot be had at once.
    """
    read = client.http.timeout.read
    timeout = min(CATALOG_TIMEOUT, read) if read is not None else CATALOG_TIMEOUT
    return await client.request_json("GET", "/v2/errors", auth=False, retry=NO_RETRY, timeout=timeout)


async def list_models(client: SyncClient) -> list[ModelInfo]:
    """`GET /v2/models`: the models this account may use."""
    return [read_reply(ModelInfo, item) for item in as_list(await client.request_json("GET", "/v2/models"))]
