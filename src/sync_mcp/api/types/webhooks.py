"""The payload of a generation webhook delivery (reference §12)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from .generations import Generation, OpenGenerationStatus
from .shared import ResponseModel


class GenerationWebhookPayload(ResponseModel):
    """The "Generation Status Update" body (§12): `error_code` is snake_case here, and it omits
    `outputFileName`, `projectId` and `synthesizedAudioUrl`."""

    id: str
    status: OpenGenerationStatus
    created_at: str | None = Field(default=None, alias="createdAt")
    model: str | None = None
    input: list[dict[str, Any]] | None = None
    options: dict[str, Any] | None = None
    output_url: str | None = Field(default=None, alias="outputUrl")
    output_duration: float | None = Field(default=None, alias="outputDuration")
    segment_output_url: str | None = Field(default=None, alias="segmentOutputUrl")
    webhook_url: str | None = Field(default=None, alias="webhookUrl")
    error: str | None = None
    error_code: str | None = Field(
        default=None, alias="error_code", validation_alias=AliasChoices("error_code", "errorCode")
    )

    @classmethod
    def from_generation(cls, generation: Generation) -> GenerationWebhookPayload:
        data = generation.model_dump(
            by_alias=False, exclude={"output_file_name", "project_id", "synthesized_audio_url", "segments"}
        )
        known = {name: data[name] for name in cls.model_fields if name in data}
        return cls.model_validate(known)

    def to_generation(self) -> Generation:
        return Generation.model_validate(self.to_wire())
