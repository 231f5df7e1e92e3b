"""The dialogue workflow (Sync docs: developer-guides/dialogue-editing; api-reference transcriptions-api and
dialogue-edits-api, create and get).

`POST /v2/transcriptions` answers 201 with a job, which `GET /v2/transcriptions/{id}` shows PENDING, then
PROCESSING, then COMPLETED with the source's transcript (`dialogue_store.fake_transcript`) and speakerCount.
`POST /v2/dialogue-edits` refuses a partial window (startMs/endMs) with 422 `dialogue_edit_unsupported`, an
organisation without the rollout (`SandboxConfig.dialogue_edit_enabled`) with 422 `dialogue_edit_retime_required`,
and edits that cannot be applied to the transcript with a 400 before any job exists; otherwise 201 with a job
that ends COMPLETED, COMPLETED_PARTIAL or FAILED (scripted by the source URL), carrying `previewAudioUrl`
(a silent WAV of the preview's length, served at `/files/dialogue/{id}.wav`), `resultTranscript` and
`resultSlots`. [INF] The docs name no errorCode for the 400 nor for an unknown job id (`known_job`); a source
with several speakers is refused as `dialogue_edit_unsupported` (the docs: "a dialogue edit of that source is
unsupported").
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..audio import wav_reply
from ..dialogue_store import (
    WORD_GAP_MS,
    DialogueEditRecord,
    Timeline,
    TranscriptionRecord,
    dialogue_store,
    fake_transcript,
    scripted,
    word_ms,
)
from ..durations import media_seconds
from ..http import (
    VALIDATION_CODE,
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
from ..rules.dialogue import Word, check_dialogue_edit, check_transcription, transcript_words
from ..state import iso_now

PREVIEW_NAME = re.compile(r"^(?P<id>[0-9a-f-]{36})\.wav$")


def _status(request: Request, record: TranscriptionRecord | DialogueEditRecord, outcome: str) -> str:
    return record.timeline.status(sandbox_state(request).now(), outcome)


def _transcription_json(request: Request, record: TranscriptionRecord) -> dict[str, Any]:
    status = _status(request, record, "COMPLETED")
    done = status == "COMPLETED"
    return {
        "id": record.id,
        "status": status,
        "sourceVideoUrl": record.source_video_url,
        "sourceAudioUrl": record.source_audio_url,
        "sourceStartMs": 0,
        "sourceEndMs": None,
        "createdAt": record.created_at,
        "transcript": record.transcript if done else None,
        "speakerCount": record.speaker_count if done else None,
        "difficulty": {"level": "easy", "reasons": []} if done else None,
        "error": None,
    }


async def create_transcription(request: Request) -> JSONResponse:
    require_auth(request)
    body = checked(check_transcription, json_object(await json_body(request)))
    state = sandbox_state(request)
    video, audio = body.get("sourceVideoUrl"), body.get("sourceAudioUrl")
    record = dialogue_store(state).add_transcription(
        Timeline.starting(state), video, audio, media_seconds(request, {"url": video or audio or ""})
    )
    return JSONResponse(_transcription_json(request, record), 201)


async def get_transcription(request: Request) -> JSONResponse:
    require_auth(request)
    found = dialogue_store(sandbox_state(request)).transcriptions.get(request.path_params["id"])
    return JSONResponse(_transcription_json(request, known_job(found, "Transcription", request)))


# ----------------------------------------------------------------------------------------------- edits


def _applicable(body: dict[str, Any]) -> list[Word]:
    """The transcript's words, once every edit is known to apply to them (else the API's 400)."""
    words = checked(transcript_words, body["transcript"])
    known = {word.id for word in words}
    seen: set[str] = set()
    for edit in body["edits"]:
        word_id = edit["wordId"]
        if word_id not in known:
            raise fail(400, VALIDATION_CODE, [f"edits: word {word_id} is not in the transcript"], field="edits")
        if word_id in seen:
            raise fail(400, VALIDATION_CODE, [f"edits: word {word_id} is edited twice"], field="edits")
        seen.add(word_id)
    return words


def _said(words: list[Word], edits: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    """What a transcript says after `edits`: `(word id, text)` in order, the id None for words a change put in.
    A removed word disappears; a changed word becomes the words of its replacement (its own id on the first)."""
    by_word = {edit["wordId"]: edit for edit in edits}
    said: list[tuple[str | None, str]] = []
    for word in words:
        edit = by_word.get(word.id)
        if edit is None:
            said.append((word.id, word.text))
        elif edit["kind"] == "change":
            parts = edit["replacement"].split()
            said.extend([(word.id, parts[0]), *((None, part) for part in parts[1:])])
    return said


def _preview(words: list[Word], edits: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]], float]:
    """The retimed transcript of the preview, its edited regions, and its length in seconds."""
    times = {word.id: word for word in words}
    edited = {edit["wordId"] for edit in edits}
    at = float(words[0].start_ms) if words else 0.0
    result: list[dict[str, Any]] = []
    for n, (word_id, text) in enumerate(_said(words, edits)):
        source = times.get(word_id) if word_id is not None else None
        length = word_ms(text) if source is None or word_id in edited else source.end_ms - source.start_ms
        result.append({"id": f"r{n:03d}", "text": text, "startMs": at, "endMs": at + length})
        at += length + WORD_GAP_MS
    slots = [
        {
            "sourceStartMs": times[edit["wordId"]].start_ms,
            "sourceDurationMs": times[edit["wordId"]].end_ms - times[edit["wordId"]].start_ms,
            "outputStartMs": times[edit["wordId"]].start_ms,
            "outputDurationMs": word_ms(edit["replacement"]) if edit["kind"] == "change" else 0,
        }
        for edit in edits
    ]
    return {"segments": [{"id": "r-s0", "words": result}]}, slots, round(at / 1000.0, 2)


def _outcome(url: str, slots: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    how = scripted(url, "sandbox_dialogue")
    if how == "partial":
        return "COMPLETED_PARTIAL", {"partialDetail": {"failedSlots": [0], "reason": "background_bed_missing"}}
    if how == "fail":
        return "FAILED", {"error": {"code": "EDIT_TOO_LONG", "message": "The replacement is too long for its span."}}
    return "COMPLETED", {}


async def create_dialogue_edit(request: Request) -> JSONResponse:
    require_auth(request)
    raw = json_object(await json_body(request))
    if "startMs" in raw or "endMs" in raw:
        raise fail(
            422, "dialogue_edit_unsupported", "An API-key request may only edit the whole video.", field="startMs"
        )
    if not sandbox_config(request).dialogue_edit_enabled:
        raise fail(422, "dialogue_edit_retime_required", "Dialogue editing is not enabled for this organization.")
    body = checked(check_dialogue_edit, raw)
    words = _applicable(body)
    if fake_transcript(body["sourceVideoUrl"])[1] > 1:
        raise fail(
            422,
            "dialogue_edit_unsupported",
            "Dialogue edits support a single speaker; this source has more.",
            field="sourceVideoUrl",
        )
    transcript, slots, seconds = _preview(words, body["edits"])
    outcome, extra = _outcome(body["sourceVideoUrl"], slots)
    state = sandbox_state(request)
    record = DialogueEditRecord(
        str(uuid.uuid4()),
        Timeline.starting(state),
        iso_now(),
        {k: v for k, v in body.items() if v is not None},
        outcome,
        transcript,
        slots,
        seconds,
        extra,
    )
    dialogue_store(state).add_edit(record)
    return JSONResponse(_edit_json(request, record), 201)


def _edit_json(request: Request, record: DialogueEditRecord) -> dict[str, Any]:
    status = _status(request, record, record.outcome)
    playable = status in ("COMPLETED", "COMPLETED_PARTIAL")
    reply: dict[str, Any] = {
        "id": record.id,
        "status": status,
        "sourceVideoUrl": record.body["sourceVideoUrl"],
        "sourceStartMs": 0,
        "edits": record.body["edits"],
        "sourceTranscript": record.body["transcript"],
        "createdAt": record.created_at,
        "previewAudioUrl": f"{public_base_url(request)}/files/dialogue/{record.id}.wav" if playable else None,
        "resultTranscript": record.result_transcript if playable else None,
        "resultSlots": record.result_slots if playable else None,
        "partialDetail": None,
        "error": None,
    }
    if status == record.outcome:
        reply.update(record.extra)
    return reply


async def get_dialogue_edit(request: Request) -> JSONResponse:
    require_auth(request)
    found = dialogue_store(sandbox_state(request)).edits.get(request.path_params["id"])
    return JSONResponse(_edit_json(request, known_job(found, "Dialogue edit", request)))


async def get_preview_audio(request: Request) -> Response:
    match = PREVIEW_NAME.match(request.path_params["name"])
    record = dialogue_store(sandbox_state(request)).edits.get(match["id"]) if match else None
    if record is None or _status(request, record, record.outcome) not in ("COMPLETED", "COMPLETED_PARTIAL"):
        return wav_reply(None)
    return wav_reply(record.preview_seconds)


routes = [
    Route("/v2/transcriptions", create_transcription, methods=["POST"]),
    Route("/v2/transcriptions/{id}", get_transcription, methods=["GET"]),
    Route("/v2/dialogue-edits", create_dialogue_edit, methods=["POST"]),
    Route("/v2/dialogue-edits/{id}", get_dialogue_edit, methods=["GET"]),
    Route("/files/dialogue/{name}", get_preview_audio, methods=["GET"]),
]
