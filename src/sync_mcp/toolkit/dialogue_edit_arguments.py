"""edit_dialogue's parameters and result, declared once: the tool and its resolver take `EditDialogueArguments`
as `args` (tools/dialogue_edit.py; toolkit/arguments.py says how the SDK binds it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api.capabilities import ModelId
from sync_mcp.api.types.dialogue_edits import DialogueEditOperation
from sync_mcp.api.types.transcriptions import JobError
from sync_mcp.toolkit.state import JobWait


class EditDialogueArguments(BaseModel):
    """edit_dialogue's parameters, declared once (the tool and its resolver take them as `args`)."""

    video: str = Field(description="The video to change: an https URL, an asset id, or a local file path.")
    new_text: str | None = Field(
        default=None,
        min_length=1,
        description="What it should say: the transcript's sentences, changed (aligned to words for you).",
    )
    edits: list[DialogueEditOperation] | None = Field(
        default=None,
        min_length=1,
        description="Or edits by word id (transcribe with words=true).",
    )
    transcription_id: str | None = Field(
        default=None, description="A finished transcription of this video (transcribe); else it is transcribed."
    )
    edit_id: str | None = Field(default=None, description="A preview from an earlier call: make the video from it.")
    confirm: bool = Field(
        default=False, description="With edit_id, once the user approved that preview and price: make the video."
    )
    model: ModelId = Field(default="lipsync-2", description="The final video's model.")
    timeout: JobWait = None


class Change(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    before: str = Field(description="What this stretch said.")
    after: str = Field(description="What it says in the preview ('' when removed).")
    word_ids: list[str] = Field(alias="wordIds")
    start_ms: float = Field(alias="startMs")


class DialogueEditResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    transcription_id: str | None = Field(default=None, alias="transcriptionId")
    edit_id: str | None = Field(default=None, alias="editId", description="The preview; dialogueEdit: {id: editId}.")
    status: str = Field(description="The preview's status (COMPLETED_PARTIAL: playable, not all applied).")
    preview_audio_url: str | None = Field(default=None, alias="previewAudioUrl", description="Play this to the user.")
    changes: list[Change] = Field(default_factory=list)
    partial: str | None = Field(default=None, description="What the partial preview lacks.")
    estimated_cost_usd: float | None = Field(default=None, alias="estimatedCostUsd", description="Final video.")
    generation_id: str | None = Field(default=None, alias="generationId", description="The final video's job.")
    generation_status: str | None = Field(
        default=None, alias="generationStatus", description="The final video's status when this call returned."
    )
    output_url: str | None = Field(default=None, alias="outputUrl", description="The edited video, once COMPLETED.")
    idempotency_key: str | None = Field(default=None, alias="idempotencyKey")
    error: JobError | None = None
    next_step: str = Field(alias="nextStep")
