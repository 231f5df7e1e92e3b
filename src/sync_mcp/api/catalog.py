"""Catalogue endpoints: the error catalog (reference §10) and the models list (§4.1)."""

from __future__ import annotations

from typing import Any

from .client import NO_RETRY, SyncClient, as_list
from .models import ModelInfo


async def fetch_error_catalog(client: SyncClient) -> Any:
    """Raw `GET /v2/errors`. Unauthenticated: the key is never sent there."""
    return await client.request_json("GET", "/v2/errors", auth=False, retry=NO_RETRY, timeout=10.0)


async def list_models(client: SyncClient) -> list[ModelInfo]:
    """`GET /v2/models`: the models this account may use."""
    return [ModelInfo.model_validate(item) for item in as_list(await client.request_json("GET", "/v2/models"))]
