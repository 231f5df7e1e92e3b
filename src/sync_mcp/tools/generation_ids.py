"""The generation id as a tool argument: a UUID (reference §3.11), checked before any request is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from sync_mcp.api.types.shared import check_uuid


def _generation_id(value: str) -> str:
    return check_uuid(value.strip(), "id", "invalid_generation_id")


GenerationId = Annotated[str, AfterValidator(_generation_id)]
"""A generation id (UUID); give each use its own one-line description."""

GenerationIdArgument = Annotated[GenerationId, Field(description="Generation id from an earlier result.")]
