"""Voices (reference §7): `GET /v2/voices`, `GET /v2/voices/{id}`, `POST /v2/voices` (clone),
`DELETE /v2/voices/{id}`; and the placeholder previews at `GET /files/voices/{id}/preview.wav`.

Clone bodies are checked by the sandbox's own reading of §7 (`sandbox/rules/voices.py`). [INF] The clone body
was not fully recovered by the reference; the sandbox accepts exactly the fields §7 names.

Magic failures for demos and tests: a sample `url` carrying `sandbox_fail=<voice_* code>` in its query
is refused with that code, as the API refuses samples it cannot use.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..asset_store import asset_store
from ..audio import wav_reply
from ..http import (
    VALIDATION_CODE,
    checked,
    fail,
    json_body,
    json_object,
    public_base_url,
    require_auth,
    sandbox_config,
    sandbox_state,
)
from ..rate_limits import enforce
from ..rules.facts import CLONES_PER_HOUR
from ..rules.voices import check_clone
from ..voice_store import VoiceStore, voice_store

PREVIEW_SECONDS = 3.0

# [INF] Statuses of sample refusals: the reference only gives likely ones (§19); 422 unless it names another.
SAMPLE_FAILURE_STATUS = {
    "voice_sample_type_unsupported": 415,
    "voice_sample_source_too_large": 413,
    "voice_clone_busy": 409,
    "elevenlabs_service_unavailable": 503,
}


def _store(request: Request) -> VoiceStore:
    return voice_store(sandbox_state(request))


def _voice_json(voice: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in voice.items() if v is not None}


async def list_voices(request: Request) -> JSONResponse:
    require_auth(request)
    provider = request.query_params.get("provider")
    if provider is not None and provider != "elevenlabs":
        raise fail(400, VALIDATION_CODE, ["provider must be one of the following values: elevenlabs"], field="provider")
    return JSONResponse([_voice_json(v) for v in _store(request).all(public_base_url(request))])


async def get_voice(request: Request) -> JSONResponse:
    require_auth(request)
    voice = _store(request).find(request.path_params["id"], public_base_url(request))
    if voice is None:
        raise fail(404, "voice_not_found", "Voice not found.", field="id")
    return JSONResponse(_voice_json(voice))


def _sample_failure(url: str | None) -> str | None:
    if url is None:
        return None
    codes = parse_qs(urlsplit(url).query).get("sandbox_fail")
    return codes[0] if codes and codes[0] else None


async def clone_voice(request: Request) -> JSONResponse:
    require_auth(request)
    state = sandbox_state(request)
    enforce(state, "POST /v2/voices", CLONES_PER_HOUR, 3600)  # every attempt counts ([INF])
    raw = json_object(await json_body(request))
    body = checked(check_clone, raw)
    name: str = body["name"]
    store = _store(request)
    slots = sandbox_config(request).voice_clone_slots
    if len(store.clones) >= slots:
        # [INF] 403: a plan limit, not a payment problem (the reference's likely statuses are 402/403).
        raise fail(
            403,
            "voice_clone_limit_reached",
            f"All {slots} voice-clone slots of the plan are in use.",
        )
    if store.clone_named(name) is not None:
        raise fail(409, "voice_name_conflict", f"A voice named '{name}' already exists.", field="name")
    if body.get("assetId") is not None:
        asset = asset_store(state).get(body["assetId"])
        if asset is None:
            raise fail(404, "asset_not_found", "Asset not found.", field="assetId")
        if asset.asset.type not in ("AUDIO", "VIDEO"):
            raise fail(
                415, "voice_sample_type_unsupported", "The sample must be an audio or video asset.", field="assetId"
            )
    failure = _sample_failure(body.get("url"))
    if failure is not None:
        raise fail(SAMPLE_FAILURE_STATUS.get(failure, 422), failure, f"The voice sample was refused ({failure}).")
    voice = store.add_clone(name)
    return JSONResponse(_voice_json(voice), 201)  # [INF] 201, as for other creates


async def delete_voice(request: Request) -> JSONResponse:
    require_auth(request)
    voice_id = request.path_params["id"]
    if not _store(request).remove_clone(voice_id):
        # [INF] Built-in voices cannot be deleted; the API's answer for them is not documented.
        raise fail(404, "voice_not_found", "No cloned voice with this id in the organization.", field="id")
    return JSONResponse(True)


async def voice_preview(request: Request) -> Response:
    found = _store(request).find(request.path_params["id"], public_base_url(request))
    return wav_reply(PREVIEW_SECONDS if found is not None else None)


routes = [
    Route("/v2/voices", list_voices, methods=["GET"]),
    Route("/v2/voices", clone_voice, methods=["POST"]),
    Route("/v2/voices/{id}", get_voice, methods=["GET"]),
    Route("/v2/voices/{id}", delete_voice, methods=["DELETE"]),
    Route("/files/voices/{id}/preview.wav", voice_preview, methods=["GET"]),
]
