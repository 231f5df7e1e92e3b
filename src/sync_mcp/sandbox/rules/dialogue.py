"""Transcription and dialogue-edit bodies.

The reference is silent on both: it names `POST /v2/dialogue-edits` in prose only ("early-access dialogue
editing", §2) and has no transcription endpoint. These rules are read from the Sync docs the sandbox's dialogue
route cites (developer-guides/dialogue-editing; api-reference transcriptions-api and dialogue-edits-api), and
every refusal is [INF] 400 generation_input_validation_failed, the docs naming no errorCode for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .core import VALIDATION_CODE, array, at, is_number, is_uuid, obj, one_of, only, rule, shape, text, web_url

EDIT_KINDS = ("change", "remove")
"""dialogue-edits-api: an edit changes a word (its replacement may be several words) or removes it."""


def _project(body: dict[str, Any]) -> None:
    if text(body, "projectId", "") is not None and not is_uuid(body["projectId"]):
        raise shape("projectId", "must be a UUID")


def check_transcription(body: Any) -> dict[str, Any]:
    """`POST /v2/transcriptions`: exactly one of `sourceVideoUrl`, `sourceAudioUrl`; `projectId` optional."""
    body = obj(body, "body")
    only(body, ("sourceVideoUrl", "sourceAudioUrl", "projectId"), "")
    given = [name for name in ("sourceVideoUrl", "sourceAudioUrl") if text(body, name, "") is not None]
    if len(given) != 1:
        raise rule(VALIDATION_CODE, "sourceVideoUrl", "exactly one of sourceVideoUrl and sourceAudioUrl is required")
    web_url(body[given[0]], given[0])
    _project(body)
    return body


def check_dialogue_edit(body: Any) -> dict[str, Any]:
    """`POST /v2/dialogue-edits`: `sourceVideoUrl`, `transcript` (as the transcription gave it), `edits` (at least
    one), `projectId` optional. The window fields `startMs`/`endMs` are the route's own refusal (422)."""
    body = obj(body, "body")
    only(body, ("sourceVideoUrl", "transcript", "edits", "projectId"), "")
    web_url(text(body, "sourceVideoUrl", "", required=True) or "", "sourceVideoUrl")
    obj(body.get("transcript"), "transcript")
    for n, edit in enumerate(array(body, "edits", "", required=True, min_items=1) or []):
        _edit(edit, at("edits", n))
    _project(body)
    return body


def _edit(edit: Any, path: str) -> None:
    """One edit: `{kind, wordId, replacement?}`; a change needs replacement text, a removal carries none."""
    edit = obj(edit, path)
    only(edit, ("kind", "wordId", "replacement"), path)
    kind = one_of(edit, "kind", path, EDIT_KINDS, required=True)
    word = text(edit, "wordId", path, required=True, min_len=1)
    replacement = text(edit, "replacement", path)
    if kind == "change" and not (replacement or "").strip():
        raise rule(VALIDATION_CODE, "edits", f"the change of word {word} has no replacement text")
    if kind == "remove" and replacement is not None:
        raise rule(VALIDATION_CODE, "edits", f"the removal of word {word} carries a replacement")


@dataclass(frozen=True)
class Word:
    """One word of a transcript: its id (what edits name), text, and times in source milliseconds."""

    id: str
    text: str
    start_ms: float
    end_ms: float


def transcript_words(transcript: Any) -> list[Word]:
    """The words of a transcript as `GET /v2/transcriptions/{id}` gives it: `{segments: [{id, words: [{id, text,
    startMs, endMs, speakerId?}]}]}` (transcriptions-api; the reference is silent)."""
    refusal = shape("transcript", "must be a transcript from GET /v2/transcriptions/{id}")
    segments = transcript.get("segments", []) if isinstance(transcript, dict) else None
    if not isinstance(segments, list):
        raise refusal
    words: list[Word] = []
    for segment in segments:
        items = segment.get("words", []) if isinstance(segment, dict) else None
        if not isinstance(items, list):
            raise refusal
        for item in items:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("id"), str)
                or not isinstance(item.get("text"), str)
            ):
                raise refusal
            if not (is_number(item.get("startMs")) and is_number(item.get("endMs"))):
                raise refusal
            words.append(Word(item["id"], item["text"], float(item["startMs"]), float(item["endMs"])))
    return words
