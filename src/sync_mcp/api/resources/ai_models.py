"""`GET /v2/models` (reference §4.1): the AI models (lip-sync models) this account may use."""

from __future__ import annotations

from ..types.ai_models import ModelInfo
from .base import Resource


class AIModels(Resource):
    """`client.models`."""

    async def list(self) -> list[ModelInfo]:
        """`GET /v2/models`: the models this account may use."""
        return (await self._client.request_reply("GET", "/v2/models")).read_each(ModelInfo)
