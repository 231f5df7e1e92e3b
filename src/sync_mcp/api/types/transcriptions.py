"""Transcriptions: the request and the word-level transcript of a finished job."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..errors import LOCAL_VALIDATION_CODE
from .shared import RequestModel, ResponseModel, check_media_url, open_enum, rule_error

TranscriptionStatus = Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED"]

TRANSCRIPTION_TERMINAL = frozenset({"COMPLETED", "FAILED"})
"""Statuses after which a transcription no longer changes (transcriptions-api get: "COMPLETED and FAILED are
terminal")."""


class TranscriptWord(ResponseModel):
    """One spoken word: its id (what dialogue edits name), text and absolute times in source milliseconds."""

    id: str
    text: str
    start_ms: float = Field(alias="startMs")
    end_ms: float = Field(alias="endMs")
    speaker_id: str | None = Field(default=None, alias="speakerId")


class TranscriptSegment(ResponseModel):
    id: str | None = None
    words: list[TranscriptWord] = Field(default_factory=list)


class Transcript(ResponseModel):
    """Word-level transcript: `segments`, each a run of `words` (docs: "segment and word IDs, timing, and
    speaker information")."""

    segments: list[TranscriptSegment] = Field(default_factory=list)

    def words(self) -> list[TranscriptWord]:
        return [word for segment in self.segments for word in segment.words]

    def text(self) -> str:
        return " ".join(word.text for word in self.words())


class JobError(ResponseModel):
    """Why a transcription or dialogue edit failed (`error.code`, e.g. NO_AUDIO, SOURCE_TOO_LONG)."""

    code: str | None = None
    message: str | None = None


class TranscriptionRequest(RequestModel):
    """Body of `POST /v2/transcriptions`: exactly one of the two sources (dialogue-editing guide)."""

    source_video_url: str | None = Field(default=None, alias="sourceVideoUrl")
    source_audio_url: str | None = Field(default=None, alias="sourceAudioUrl")
    project_id: str | None = Field(default=None, alias="projectId")

    @model_validator(mode="after")
    def _one_source(self) -> TranscriptionRequest:
        given = [u for u in (self.source_video_url, self.source_audio_url) if u is not None]
        if len(given) != 1:
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "sourceVideoUrl",
                "exactly one of sourceVideoUrl and sourceAudioUrl is required",
                "Pass the video (or its extracted audio), not both.",
            )
        check_media_url(given[0], "sourceVideoUrl" if self.source_video_url else "sourceAudioUrl")
        return self


class Transcription(ResponseModel):
    """A transcription job (transcriptions-api get). `transcript` and `speakerCount` are null until COMPLETED."""

    id: str
    status: open_enum(TranscriptionStatus, "Transcription.status")  # type: ignore[valid-type]
    source_video_url: str | None = Field(default=None, alias="sourceVideoUrl")
    source_audio_url: str | None = Field(default=None, alias="sourceAudioUrl")
    source_start_ms: float | None = Field(default=None, alias="sourceStartMs")
    source_end_ms: float | None = Field(default=None, alias="sourceEndMs")
    created_at: str | None = Field(default=None, alias="createdAt")
    transcript: Transcript | None = None
    speaker_count: int | None = Field(default=None, alias="speakerCount")
    difficulty: dict[str, Any] | None = Field(default=None, description="Informational only; never gate on it.")
    error: JobError | None = None
