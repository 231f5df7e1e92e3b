"""The error body of any 4xx/5xx reply (reference §11) and one entry of the error catalog (`GET /v2/errors`)."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from .shared import ResponseModel


class ApiErrorBody(ResponseModel):
    """The body of any 4xx/5xx response (reference §11)."""

    status_code: int | None = Field(default=None, alias="statusCode")
    message: str | list[str] | None = None
    error_code: str | None = Field(default=None, alias="errorCode", validation_alias=AliasChoices("errorCode", "code"))
    suggestion: str | None = None
    field: str | None = None
    error: str | None = None
    request_id: str | None = Field(default=None, alias="requestId")
    generation_id: str | None = Field(default=None, alias="generationId")
    retry_after_seconds: float | None = Field(default=None, alias="retryAfterSeconds")
    active_generations: int | None = Field(default=None, alias="activeGenerations")
    concurrency_limit: int | None = Field(default=None, alias="concurrencyLimit")


class ErrorCatalogEntry(ResponseModel):
    """One entry of `GET /v2/errors`: `{code, message, suggestion}` on the wire."""

    code: str
    message: str = ""
    suggestion: str = ""
