"""`GET /v2/models` (reference §4.1): the models this account may use."""

from __future__ import annotations

from .client import SyncClient
from .models import ModelInfo
from .replies import as_list, read_reply


async def list_models(client: SyncClient) -> list[ModelInfo]:
    """`GET /v2/models`: the models this account may use."""
    return [read_reply(ModelInfo, item) for item in as_list(await client.request_json("GET", "/v2/models"))]
