"""Standalone TTS (reference §8): `POST /v2/tts` answers `{id, url, duration}` at once; `POST /v2/tts/jobs`
queues the same work (202 + `Location`, with an Idempotency-Key like a generation create) and
`GET /v2/tts/jobs/{id}` follows it: PENDING for `SandboxConfig.speech_job_seconds`, then COMPLETED with its
`url` and `duration`. A take is served (a silent placeholder WAV, without the key) at
`GET /files/speech/{id}.wav`.

Bodies are checked by the sandbox's own reading of §8 (`sandbox/rules/voices.py`). [INF] A `voiceId` shaped like
a Sync id (a UUID) must be a voice of `GET /v2/voices`; any other value is taken as a raw ElevenLabs id,
which the reference allows, and accepted.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..audio import speech_seconds, wav_reply
from ..http import (
    checked,
    fail,
    json_body,
    json_object,
    known_job,
    public_base_url,
    require_auth,
    sandbox_config,
    sandbox_state,
)
from ..rate_limits import enforce
from ..rules.core import is_uuid
from ..rules.facts import SPEECH_JOBS_PER_MINUTE, SPEECH_PER_MINUTE
from ..rules.voices import check_speech
from ..speech_store import SpeechJobRecord, speech_store
from ..state import iso_utc
from ..voice_store import voice_store
from .generate import IDEMPOTENCY_CONFLICT_CODE, body_hash, idempotency_key

TAKE_NAME = re.compile(r"^(?P<id>[0-9a-f-]{36})\.wav$")


async def _speech_body(request: Request) -> dict[str, Any]:
    """The checked body (or the 400 reply, raised), its voice checked: a UUID must name a known voice."""
    body = checked(check_speech, json_object(await json_body(request)))
    voice_id: str = body["voiceId"]
    if is_uuid(voice_id) and voice_store(sandbox_state(request)).find(voice_id, public_base_url(request)) is None:
        raise fail(404, "voice_not_found", f"Voice {voice_id} not found.", field="voiceId")
    return body


def _take_url(request: Request, take_id: str) -> str:
    return f"{public_base_url(request)}/files/speech/{take_id}.wav"


async def create_speech(request: Request) -> JSONResponse:
    require_auth(request)
    state = sandbox_state(request)
    enforce(state, "POST /v2/tts", SPEECH_PER_MINUTE, 60)
    body = await _speech_body(request)
    duration = speech_seconds(body["script"])
    take_id = speech_store(state).add(duration)
    return JSONResponse({"id": take_id, "url": _take_url(request, take_id), "duration": duration})  # §8


# ----------------------------------------------------------------------------------------------- jobs


def _job_json(request: Request, job: SpeechJobRecord) -> dict[str, Any]:
    state = sandbox_state(request)
    done = state.now() >= job.created + job.ready_after
    finished = datetime.fromisoformat(job.created_at.replace("Z", "+00:00")) + timedelta(seconds=job.ready_after)
    return {  # §8: {id, status, url, duration, error, createdAt, startedAt, finishedAt}
        "id": job.id,
        "status": "COMPLETED" if done else "PENDING",
        "url": _take_url(request, job.id) if done else None,
        "duration": float(job.duration) if done else None,
        "error": None,
        "createdAt": job.created_at,
        # [INF] The sandbox renders a job at once: it starts when it is created.
        "startedAt": job.created_at,
        "finishedAt": iso_utc(finished, "milliseconds") if done else None,
    }


async def create_speech_job(request: Request) -> JSONResponse:
    """202 + `Location`; a replayed Idempotency-Key answers the original job in its current state (§8)."""
    require_auth(request)
    state = sandbox_state(request)
    if not sandbox_config(request).tts_jobs_enabled:
        # [INF] The reference gives the status (503) for organisations without async TTS, but no errorCode.
        raise fail(503, None, "Asynchronous text-to-speech is not enabled for this organization.")
    key = idempotency_key(request)
    enforce(state, "POST /v2/tts/jobs", SPEECH_JOBS_PER_MINUTE, 60)
    body = await _speech_body(request)
    if isinstance(body, JSONResponse):
        return body
    store = speech_store(state)
    digest = body_hash(body)
    job = store.job_for_key(key) if key is not None else None
    if job is not None and job.body_hash != digest:
        raise fail(
            409,
            IDEMPOTENCY_CONFLICT_CODE,
            "This Idempotency-Key was already used with a different request body.",
            field="Idempotency-Key",
        )
    if job is None:
        ready_after = sandbox_config(request).speech_job_seconds
        job = store.add_job(state.now(), speech_seconds(body["script"]), ready_after, digest, key)
    return JSONResponse(_job_json(request, job), 202, headers={"Location": f"/v2/tts/jobs/{job.id}"})


async def get_speech_job(request: Request) -> JSONResponse:
    require_auth(request)
    job = known_job(speech_store(sandbox_state(request)).jobs.get(request.path_params["id"]), "TTS job", request)
    return JSONResponse(_job_json(request, job))


async def get_take(request: Request) -> Response:
    match = TAKE_NAME.match(request.path_params["name"])
    duration = speech_store(sandbox_state(request)).duration(match["id"]) if match else None
    return wav_reply(duration)


routes = [
    Route("/v2/tts", create_speech, methods=["POST"]),
    Route("/v2/tts/jobs", create_speech_job, methods=["POST"]),
    Route("/v2/tts/jobs/{id}", get_speech_job, methods=["GET"]),
    Route("/files/speech/{name}", get_take, methods=["GET"]),
]
