"""Voices (reference §7): built-in and cloned voices, and a clone's request."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..errors import LOCAL_VALIDATION_CODE
from .shared import RequestModel, ResponseModel, check_media_url, rule_error

VoiceProvider = Literal["elevenlabs"]

CLONES_PER_HOUR = 10
"""`POST /v2/voices` rate limit (reference §14.1)."""


class Voice(ResponseModel):
    """A voice: pass `id` as `voiceId` to speech synthesis or to a text input."""

    id: str = Field(description="Use this as voiceId.")
    name: str | None = None
    provider: str | None = None
    voice_id: str | None = Field(default=None, alias="voiceId")
    internal_voice_id: str | None = Field(default=None, alias="internalVoiceId")
    preview_url: str | None = Field(default=None, alias="previewUrl")
    restriction: str | dict[str, Any] | None = Field(
        default=None, description="Present: this voice cannot synthesize now; pick another."
    )

    @field_validator("restriction", mode="before")
    @classmethod
    def _restriction(cls, value: Any) -> Any:
        """The reference says only that a present `restriction` means "cannot synthesize now" (§7), not its
        shape: text and objects pass as they are, any other value is kept as its JSON text."""
        if value is None or isinstance(value, (str, dict)):
            return value
        return json.dumps(value)


class CloneVoiceRequest(RequestModel):
    """Body of `POST /v2/voices` ([INF] field names per reference §7)."""

    name: str = Field(min_length=1, description="Name of the new voice, unique in the organisation.")
    provider: VoiceProvider = Field(default="elevenlabs", description="Voice provider; only elevenlabs exists.")
    # The reference's body text allows a public or Sync-hosted URL, or an asset id (§7); both are sent as given and
    # the API decides.
    url: str | None = Field(default=None, description="Public (or Sync-hosted) URL of the audio or video sample.")
    asset_id: str | None = Field(
        default=None, alias="assetId", description="Or an asset id holding the sample (upload_media gives one)."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "name",
                "must not be blank",
                "Give the voice a short descriptive name, e.g. 'Narrator - Anna'.",
            )
        return v

    @model_validator(mode="after")
    def _one_sample(self) -> CloneVoiceRequest:
        if (self.url is None) == (self.asset_id is None):
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "url",
                "give exactly one sample: url or assetId",
                "Pass a public URL of a clean single-speaker recording in url, or an uploaded asset id in assetId.",
            )
        if self.url is not None:
            check_media_url(self.url, "url")
        return self
