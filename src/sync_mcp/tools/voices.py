"""Voice tools: list the voices (built-in and cloned), clone one from a sample, delete a clone."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api import voices as api
from sync_mcp.api.models import check_uuid
from sync_mcp.api.voices import CloneVoiceRequest, Voice, VoiceProvider
from sync_mcp.services.outcomes import outcome_unknown, uncertain

from .arguments import wire_body, with_model_parameters
from .generations import CTX_PARAMETER
from .registry import sync_tool
from .results import ok
from .state import tool_state

USE_VOICE = (
    "Pass a voice's id as voiceId to create_speech, or in a text input of create_generation "
    "({type: text, provider: {voiceId, script}}). Voices with a restriction cannot synthesize right now."
)


class VoicesResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    voices: list[Voice]
    count: int
    next_step: str = Field(alias="nextStep")


class VoiceResult(Voice):
    next_step: str = Field(alias="nextStep")


class DeletedVoice(BaseModel):
    id: str
    deleted: bool


@sync_tool(title="List voices", read_only=True)
async def list_voices(
    ctx: Context[Any, Any],
    provider: Annotated[VoiceProvider | None, Field(description="Only this provider's voices.")] = None,
) -> Annotated[CallToolResult, VoicesResult]:
    """Voices usable for text-to-speech (GET /v2/voices): the built-in ones and this organisation's clones.

    Use a voice's `id` as voiceId in create_speech or in a text input of create_generation.
    """
    voices = await api.list_voices(tool_state(ctx).client, provider=provider)
    return ok(VoicesResult(voices=voices, count=len(voices), next_step=USE_VOICE))


@sync_tool(title="Clone a voice from a sample", read_only=False, destructive=False, idempotent=False)
@with_model_parameters(CloneVoiceRequest, [CTX_PARAMETER])
async def clone_voice(ctx: Context[Any, Any], **arguments: Any) -> Annotated[CallToolResult, VoiceResult]:
    """Clone a voice (POST /v2/voices) from a clean single-speaker audio or video sample: url or assetId
    (upload a local file with upload_media first). Uses a clone slot; 10 requests/hour, never retried.
    The new voice's id is the voiceId for create_speech and text inputs.
    """
    body = CloneVoiceRequest.model_validate(wire_body(CloneVoiceRequest, arguments))
    try:
        voice = await api.clone_voice(tool_state(ctx).client, body)
    except SyncAPIError as exc:
        if not uncertain(exc):
            raise
        raise outcome_unknown(
            f"Cloning voice '{body.name}'",
            exc,
            f"Call list_voices and look for a voice named '{body.name}' before cloning again; if it is not there, "
            "call clone_voice again (a repeat with an existing name is refused with voice_name_conflict).",
        ) from None
    return ok(VoiceResult.model_validate({**voice.to_wire(), "nextStep": USE_VOICE}))


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
    deleted = await api.delete_voice(tool_state(ctx).client, id)
    return ok(DeletedVoice(id=id, deleted=deleted))
