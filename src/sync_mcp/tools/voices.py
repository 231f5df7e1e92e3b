"""Voice tools: list the voices (built-in and cloned), clone one from a sample, delete a clone."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api.types.shared import check_uuid
from sync_mcp.api.types.voices import CloneVoiceRequest, Voice
from sync_mcp.api.voice_traits import is_built_in, traits_of
from sync_mcp.guidance import steps
from sync_mcp.services.outcomes import outcome_unknown, uncertain
from sync_mcp.toolkit.results import ok, sync_tool
from sync_mcp.toolkit.state import tool_state

CLONED = "cloned by your organisation"
BUILT_IN = "built-in"


class VoiceChoice(BaseModel):
    """A voice with what is publicly known about it, and the one id to pass on."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="Pass as voice_id to lipsync (voiceId elsewhere).")
    name: str | None = None
    origin: str = Field(description=f"{BUILT_IN} or {CLONED}.")
    languages: list[str] | None = Field(default=None, description="Language codes the voice speaks natively.")
    gender: str | None = None
    accent: str | None = None
    age: str | None = None
    style: str | None = Field(default=None, description="How it sounds and what it suits, as its provider says.")
    preview_url: str | None = Field(default=None, alias="previewUrl")
    restriction: str | dict[str, Any] | None = Field(default=None, description="Present: cannot synthesize now.")

    @classmethod
    def of(cls, voice: Voice) -> VoiceChoice:
        provider_ids = (voice.voice_id, voice.internal_voice_id, voice.id)
        traits = traits_of(*provider_ids)
        return cls(
            id=voice.id,
            name=voice.name or (traits.name if traits else None),
            origin=BUILT_IN if is_built_in(provider_ids, voice.preview_url) else CLONED,
            languages=traits.languages if traits else None,
            gender=traits.gender if traits else None,
            accent=traits.accent if traits else None,
            age=traits.age if traits else None,
            style=traits.style if traits else None,
            previewUrl=voice.preview_url,
            restriction=voice.restriction,
        )


class VoicesResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    voices: list[VoiceChoice]
    count: int
    next_step: str = Field(alias="nextStep")


def voices_result(voices: list[Voice], language: str | None = None, gender: str | None = None) -> VoicesResult:
    """The voices as list_voices shows them, keeping those of `language` and `gender` (when given)."""
    choices = [VoiceChoice.of(v) for v in voices]
    wanted = language.strip().lower() if language else None
    kept = [
        c
        for c in choices
        if (wanted is None or wanted in (c.languages or [])) and (gender is None or c.gender == gender)
    ]
    unknown = sum(1 for c in choices if c.languages is None) if (wanted or gender) else 0
    step = steps.voices_listed(unknown, wanted if wanted and not kept else None)
    return VoicesResult(voices=kept, count=len(kept), next_step=step)


class ClonedVoice(VoiceChoice):
    """The new voice as list_voices shows it: one id to pass on."""

    next_step: str = Field(alias="nextStep")


class DeletedVoice(BaseModel):
    id: str
    deleted: bool


@sync_tool(title="List voices", read_only=True)
async def list_voices(
    ctx: Context[Any, Any],
    language: Annotated[str | None, Field(description="Only voices native in this language, e.g. en.")] = None,
    gender: Annotated[Literal["female", "male"] | None, Field(description="Only voices of this gender.")] = None,
) -> Annotated[CallToolResult, VoicesResult]:
    """Voices for scripts, built-in and this organisation's clones: language, gender, accent, age and style
    where published, and a preview. Pass a voice's id as voice_id to lipsync (voiceId to create_speech).
    """
    voices = await tool_state(ctx).client.voices.list()
    return ok(voices_result(voices, language, gender))


@sync_tool(title="Clone a voice from a sample", read_only=False, destructive=False, idempotent=False)
async def clone_voice(ctx: Context[Any, Any], args: CloneVoiceRequest) -> Annotated[CallToolResult, ClonedVoice]:
    """Clone a voice (POST /v2/voices) from a clean single-speaker audio or video sample: its url (public), or
    assetId (upload_media returns one for a local file). Uses a clone slot; 10 requests/hour, never retried.
    Returns the voice's id: pass it as voice_id to lipsync, voiceId to create_speech.
    """
    body = args
    try:
        voice = await tool_state(ctx).client.voices.clone(body)
    except SyncAPIError as exc:
        if not uncertain(exc):
            raise
        raise outcome_unknown(
            f"Cloning voice '{body.name}'",
            exc,
            f"Call list_voices and look for a voice named '{body.name}' before cloning again; if it is not there, "
            "call clone_voice again (a repeat with an existing name is refused with voice_name_conflict).",
        ) from None
    cloned = VoiceChoice.of(voice).model_dump(by_alias=True)
    return ok(ClonedVoice.model_validate({**cloned, "nextStep": steps.voice_cloned()}))


def _voice_id(value: str) -> str:
    return check_uuid(value.strip(), "id", "voice_not_found")


@sync_tool(title="Delete a cloned voice", read_only=False, destructive=True, idempotent=True)
async def delete_voice(
    id: Annotated[
        str, AfterValidator(_voice_id), Field(description="id of a cloned voice (a UUID), from list_voices.")
    ],
    ctx: Context[Any, Any],
) -> Annotated[CallToolResult, DeletedVoice]:
    """Delete a cloned voice (DELETE /v2/voices/{id}), freeing its clone slot. Built-in voices cannot be deleted.

    Speech can no longer be made with it; clone again to get it back.
    """
    deleted = await tool_state(ctx).client.voices.delete(id)
    return ok(DeletedVoice(id=id, deleted=deleted))
