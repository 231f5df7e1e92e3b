"""Dialogue edits: the edit operations on a transcript and the edit job."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..errors import LOCAL_VALIDATION_CODE
from .shared import RequestModel, ResponseModel, check_media_url, open_enum, rule_error
from .transcriptions import JobError, Transcript, TranscriptWord

DialogueEditStatus = Literal["PENDING", "PROCESSING", "COMPLETED", "COMPLETED_PARTIAL", "FAILED"]

DIALOGUE_EDIT_TERMINAL = frozenset({"COMPLETED", "COMPLETED_PARTIAL", "FAILED"})

PREVIEW_READY = frozenset({"COMPLETED", "COMPLETED_PARTIAL"})
"""Statuses whose job has a playable preview (a generation can be created from it)."""


class DialogueEditOperation(RequestModel):
    """One word edit: `change` a word (its replacement may be several words) or `remove` it."""

    kind: Literal["change", "remove"]
    word_id: str = Field(alias="wordId", min_length=1, description="The word's id in the transcript.")
    replacement: str | None = Field(default=None, description="What the word becomes (change only).")

    @model_validator(mode="after")
    def _replacement(self) -> DialogueEditOperation:
        if self.kind == "change" and not (self.replacement or "").strip():
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "edits",
                f"the change of word {self.word_id} has no replacement text",
                'Give the new words as replacement, or use kind "remove" to cut the word.',
            )
        if self.kind == "remove" and self.replacement is not None:
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "edits",
                f"the removal of word {self.word_id} carries a replacement",
                'Drop replacement, or use kind "change".',
            )
        return self


def edited_words(words: list[TranscriptWord], edits: list[DialogueEditOperation]) -> list[tuple[str | None, str]]:
    """What a transcript says after `edits`: `(word id, text)` in order, the id None for words a change put in.

    A removed word disappears; a changed word becomes the words of its replacement (its own id on the first)."""
    by_word = {edit.word_id: edit for edit in edits}
    said: list[tuple[str | None, str]] = []
    for word in words:
        edit = by_word.get(word.id)
        if edit is None:
            said.append((word.id, word.text))
        elif edit.kind == "change":
            parts = (edit.replacement or "").split()
            said.extend([(word.id, parts[0]), *((None, part) for part in parts[1:])])
    return said


class DialogueEditRequest(RequestModel):
    """Body of `POST /v2/dialogue-edits`: the source video, its transcript as returned, and the edits."""

    source_video_url: str = Field(alias="sourceVideoUrl")
    transcript: dict[str, Any] = Field(description="The transcript exactly as GET /v2/transcriptions/{id} gave it.")
    edits: list[DialogueEditOperation] = Field(min_length=1)
    project_id: str | None = Field(default=None, alias="projectId")

    @model_validator(mode="after")
    def _source(self) -> DialogueEditRequest:
        check_media_url(self.source_video_url, "sourceVideoUrl")
        return self


class ResultSlot(ResponseModel):
    """An edited region: where it sits in the preview audio and in the source."""

    output_start_ms: float | None = Field(default=None, alias="outputStartMs")
    output_duration_ms: float | None = Field(default=None, alias="outputDurationMs")
    source_start_ms: float | None = Field(default=None, alias="sourceStartMs")
    source_duration_ms: float | None = Field(default=None, alias="sourceDurationMs")


class DialogueEdit(ResponseModel):
    """A dialogue-edit job (dialogue-edits-api get)."""

    id: str
    status: open_enum(DialogueEditStatus, "DialogueEdit.status")  # type: ignore[valid-type]
    source_video_url: str | None = Field(default=None, alias="sourceVideoUrl")
    source_start_ms: float | None = Field(default=None, alias="sourceStartMs")
    edits: list[dict[str, Any]] = Field(default_factory=list)
    source_transcript: Transcript | None = Field(
        default=None, alias="sourceTranscript"
    )  # [3P] Sync's official agent integration
    preview_audio_url: str | None = Field(default=None, alias="previewAudioUrl")
    result_transcript: Transcript | None = Field(default=None, alias="resultTranscript")
    result_slots: list[ResultSlot] | None = Field(default=None, alias="resultSlots")
    partial_detail: dict[str, Any] | None = Field(default=None, alias="partialDetail")
    created_at: str | None = Field(default=None, alias="createdAt")
    error: JobError | None = None
