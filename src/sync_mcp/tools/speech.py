"""Standalone text-to-speech: a hosted audio take from a script, reusable as an audio input."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api import speech as api
from sync_mcp.api.speech import Speech, SpeechRequest
from sync_mcp.services.outcomes import outcome_unknown, uncertain

from .arguments import wire_body, with_model_parameters
from .generations import CTX_PARAMETER
from .registry import sync_tool
from .results import ok
from .state import tool_state

CHECK_BEFORE_RESENDING = (
    "Do not call create_speech again blindly: it has no idempotency, so a repeat makes (and bills) a second take. "
    "Check first whether the take exists (recent audio assets via list_assets, or the Sync dashboard); send it "
    "again only if it is not there or a second take is acceptable."
)


class SpeechResult(Speech):
    next_step: str = Field(alias="nextStep")


@sync_tool(title="Synthesize speech (text-to-speech)", read_only=False, destructive=False, idempotent=False)
@with_model_parameters(SpeechRequest, [CTX_PARAMETER])
async def create_speech(ctx: Context[Any, Any], **arguments: Any) -> Annotated[CallToolResult, SpeechResult]:
    """Turn a script into speech with a voice (POST /v2/tts); no lip-sync. Returns {id, url, duration}.

    `url` is hosted audio: reuse it as an audio input of create_generation ({type: audio, url}) to lip-sync
    that exact take. Get voiceId from list_voices. Each call is billed and is sent only once, never retried.
    """
    body = SpeechRequest.model_validate(wire_body(SpeechRequest, arguments))
    try:
        speech = await api.create_speech(tool_state(ctx).client, body)
    except SyncAPIError as exc:
        if not uncertain(exc):
            raise
        raise outcome_unknown("The speech request", exc, CHECK_BEFORE_RESENDING) from None
    next_step = (
        f"To lip-sync this take, call create_generation with input [{{type: video, ...}}, {{type: audio, url: "
        f'"{speech.url}"}}] (the url is hosted audio, usable as any audio input).'
    )
    return ok(SpeechResult.model_validate({**speech.to_wire(), "nextStep": next_step}))
