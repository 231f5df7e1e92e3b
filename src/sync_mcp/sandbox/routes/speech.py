"""Standalone TTS (reference §8): `POST /v2/tts` answers `{id, url, duration}` at once; the take is
served (a silent placeholder WAV, without the key) at `GET /files/speech/{id}.wav`.

Bodies are validated with the package's own wire model (`SpeechRequest`). [INF] A `voiceId` shaped like
a Sync id (a UUID) must be a voice of `GET /v2/voices`; any other value is taken as a raw ElevenLabs id,
which the reference allows, and accepted.
"""

from __future__ import annotations

import re

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sync_mcp.api.models import is_uuid
from sync_mcp.api.speech import SPEECH_PER_MINUTE, Speech, SpeechRequest

from ..audio import silent_wav, speech_seconds
from ..http import (
    fail,
    json_body,
    json_object,
    public_base_url,
    require_auth,
    sandbox_state,
    validation_reply,
)
from ..rate_limits import enforce
from ..speech_store import speech_store
from ..voice_store import voice_store

TAKE_NAME = re.compile(r"^(?P<id>[0-9a-f-]{36})\.wav$")


async def create_speech(request: Request) -> JSONResponse:
    require_auth(request)
    state = sandbox_state(request)
    enforce(state, "POST /v2/tts", SPEECH_PER_MINUTE, 60)
    raw = json_object(await json_body(request))
    try:
        body = SpeechRequest.model_validate(raw)
    except ValidationError as exc:
        return validation_reply(exc)
    base = public_base_url(request)
    if is_uuid(body.voice_id) and voice_store(state).find(body.voice_id, base) is None:
        raise fail(404, "voice_not_found", f"Voice {body.voice_id} not found.", field="voiceId")
    duration = speech_seconds(body.script)
    take_id = speech_store(state).add(duration)
    speech = Speech(id=take_id, url=f"{base}/files/speech/{take_id}.wav", duration=duration)
    return JSONResponse(speech.to_wire())


async def get_take(request: Request) -> Response:
    match = TAKE_NAME.match(request.path_params["name"])
    duration = speech_store(sandbox_state(request)).duration(match["id"]) if match else None
    if duration is None:
        return Response(status_code=404)
    return Response(silent_wav(duration), media_type="audio/wav")


routes = [
    Route("/v2/tts", create_speech, methods=["POST"]),
    Route("/files/speech/{name}", get_take, methods=["GET"]),
]
