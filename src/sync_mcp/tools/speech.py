"""Standalone text-to-speech: a hosted audio take from a script, reusable as an audio input; at once
(`create_speech`) or as a job that is safe to repeat (`create_speech_job`, `get_speech_job`)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import AfterValidator, Field

from sync_mcp.api import SyncAPIError, new_idempotency_key
from sync_mcp.api.errors import LOCAL_VALIDATION_CODE
from sync_mcp.api.types.shared import ID_SEGMENT, rule_error
from sync_mcp.api.types.speech import SPEECH_JOB_TERMINAL, Speech, SpeechJob, SpeechRequest
from sync_mcp.guidance import steps
from sync_mcp.services.outcomes import outcome_unknown, uncertain
from sync_mcp.toolkit.arguments import idempotency_field
from sync_mcp.toolkit.results import ok, sync_tool
from sync_mcp.toolkit.state import tool_state

CHECK_BEFORE_RESENDING = (
    "Do not call create_speech again blindly: it has no idempotency, so a repeat makes (and bills) a second take. "
    "Check first whether the take exists (recent audio assets via list_assets, or the Sync dashboard); send it "
    "again only if it is not there or a second take is acceptable."
)


class SpeechResult(Speech):
    next_step: str = Field(alias="nextStep")


@sync_tool(title="Synthesize speech (text-to-speech)", read_only=False, destructive=False, idempotent=False)
async def create_speech(ctx: Context[Any, Any], args: SpeechRequest) -> Annotated[CallToolResult, SpeechResult]:
    """Turn a script into speech in a voice (POST /v2/tts); no lip-sync. Returns {id, url, duration}.

    `url` can be the audio input of a generation. voiceId from list_voices. Billed; sent once, never retried.
    Audio only; a face speaking it: lipsync or create_generation.
    """
    body = args
    try:
        speech = await tool_state(ctx).client.speech.create(body)
    except SyncAPIError as exc:
        if not uncertain(exc):
            raise
        raise outcome_unknown("The speech request", exc, CHECK_BEFORE_RESENDING) from None
    return ok(SpeechResult.model_validate({**speech.to_wire(), "nextStep": steps.speech_made(speech.url)}))


class SpeechJobResult(SpeechJob):
    idempotency_key: str | None = Field(default=None, alias="idempotencyKey", description="Reuse to retry safely.")
    next_step: str = Field(alias="nextStep")


def _job_step(job: SpeechJob) -> str:
    return steps.speech_job(job.id, job.status, job.url, ended=job.status in SPEECH_JOB_TERMINAL)


@sync_tool(title="Start a text-to-speech job", read_only=False, destructive=False, idempotent=False)
async def create_speech_job(
    ctx: Context[Any, Any],
    args: SpeechRequest,
    idempotencyKey: Annotated[
        str | None, idempotency_field("Same key + body = same job, never a second; minted if omitted.")
    ] = None,
) -> Annotated[CallToolResult, SpeechJobResult]:
    """Text-to-speech as a job (POST /v2/tts/jobs): like create_speech, but safe to repeat with its idempotencyKey.

    Then call get_speech_job until COMPLETED (url is the audio).
    """
    body = args
    key = idempotencyKey or new_idempotency_key()
    try:
        job = await tool_state(ctx).client.speech.create_job(body, idempotency_key=key)
    except SyncAPIError as exc:
        exc.idempotency_key = key
        if exc.http_status == 503 and exc.error_code is None:
            # Asynchronous TTS must be enabled per organisation; otherwise the API answers 503 (reference §8).
            exc.suggestion = (
                "If this persists, asynchronous TTS is not enabled for this organisation: use create_speech instead. "
                f"Otherwise call create_speech_job again with idempotencyKey={key}."
            )
        elif uncertain(exc, server_errors=True):
            exc.suggestion = f"Call create_speech_job again with the same arguments and idempotencyKey={key}."
        raise
    return ok(SpeechJobResult.model_validate({**job.to_wire(), "idempotencyKey": key, "nextStep": _job_step(job)}))


def _job_id(value: str) -> str:
    value = value.strip()
    if not ID_SEGMENT.match(value) or value in (".", ".."):
        raise rule_error(LOCAL_VALIDATION_CODE, "id", "is not a job id", "Pass the id create_speech_job returned.")
    return value


@sync_tool(title="Get a text-to-speech job", read_only=True)
async def get_speech_job(
    id: Annotated[str, AfterValidator(_job_id), Field(description="Job id from create_speech_job.")],
    ctx: Context[Any, Any],
) -> Annotated[CallToolResult, SpeechJobResult]:
    """Status of a text-to-speech job (GET /v2/tts/jobs/{id}); when COMPLETED, url is the audio."""
    job = await tool_state(ctx).client.speech.get_job(id)
    return ok(SpeechJobResult.model_validate({**job.to_wire(), "nextStep": _job_step(job)}))
