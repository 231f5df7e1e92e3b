"""The AI models an account may use (`GET /v2/models`, reference §4.1): lip-sync models, not wire models."""

from __future__ import annotations

from pydantic import Field

from .shared import ResponseModel


class ModelInfo(ResponseModel):
    """One entry of `GET /v2/models` (reference §4.1)."""

    id: str
    name: str | None = None
    type: str | None = None
    version: str | None = None
    description: str | None = None
    deprecated_at: str | None = Field(default=None, alias="deprecatedAt")
