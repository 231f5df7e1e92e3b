"""`GET /v2/models` (reference §4.1): the models this account may use."""

from __future__ import annotations

from .client import SyncClient
from .models import ModelInfo


async def list_models(client: SyncClient) -> list[ModelInfo]:
    """`GET /v2/models`: the models this account may use."""
    return (await client.request_reply("GET", "/v2/models")).read_each(ModelInfo)
