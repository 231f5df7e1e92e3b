"""What the sandbox remembers of the dialogue workflow: transcription jobs and dialogue-edit jobs, and the
deterministic fake transcript it hears in any source URL.

Every source says the same short script, so tests and the demo can ask for a real edit ("make it say Wednesday
instead of Tuesday"); the word ids are derived from the URL, so two sources never share ids. Query parameters
on the source URL script the rest: `sandbox_speakers=2` makes a two-speaker source, `sandbox_dialogue=partial`
ends its dialogue edits COMPLETED_PARTIAL and `sandbox_dialogue=fail` ends them FAILED.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .state import SandboxState, iso_now

STORE_NAME = "dialogue"
SCRIPT = (
    "Hi everyone, um, thanks for joining. Our next team meeting is on Tuesday at ten in the main room. "
    "See you all there."
)
FIRST_WORD_MS = 400
WORD_GAP_MS = 80
SENTENCE_GAP_MS = 400


def word_ms(text: str) -> int:
    """How long the sandbox's speaker takes to say a word."""
    return 150 + 40 * len(text.strip(",.!?"))


def scripted(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def fake_transcript(url: str, seconds: float | None = None) -> tuple[dict[str, Any], int]:
    """The transcript (wire shape) of any source URL, and its speaker count. With the source's length in
    `seconds`, the speech is paced to end within it (a transcript never runs past the end of its media)."""
    transcript, speakers = _spoken(url)
    words = [w for segment in transcript["segments"] for w in segment["words"]]
    natural = words[-1]["endMs"] + FIRST_WORD_MS
    if seconds is not None and natural > seconds * 1000:
        pace = seconds * 1000 / natural
        for word in words:
            word["startMs"], word["endMs"] = int(word["startMs"] * pace), int(word["endMs"] * pace)
    return transcript, speakers


def _spoken(url: str) -> tuple[dict[str, Any], int]:
    prefix = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    speakers = 2 if scripted(url, "sandbox_speakers") == "2" else 1
    segments: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    at = FIRST_WORD_MS
    for n, text in enumerate(SCRIPT.split()):
        speaker = f"speaker_{len(segments) % speakers}"
        words.append(
            {"id": f"{prefix}-w{n:03d}", "text": text, "startMs": at, "endMs": at + word_ms(text), "speakerId": speaker}
        )
        at += word_ms(text) + WORD_GAP_MS
        if text.endswith("."):
            segments.append({"id": f"{prefix}-s{len(segments)}", "words": words})
            words = []
            at += SENTENCE_GAP_MS
    if words:
        segments.append({"id": f"{prefix}-s{len(segments)}", "words": words})
    return {"segments": segments}, speakers


@dataclass(frozen=True)
class Timeline:
    """When a job moves on: PENDING for `pending` seconds after `created`, then PROCESSING for `processing`,
    then its outcome (the sandbox config's timings when it was created, so a later change leaves it alone)."""

    created: float
    pending: float
    processing: float

    @staticmethod
    def starting(state: SandboxState) -> Timeline:
        return Timeline(state.now(), state.config.pending_seconds, state.config.processing_seconds)

    def status(self, now: float, outcome: str) -> str:
        age = now - self.created
        if age < self.pending:
            return "PENDING"
        return "PROCESSING" if age < self.pending + self.processing else outcome


@dataclass
class TranscriptionRecord:
    id: str
    timeline: Timeline
    created_at: str
    source_video_url: str | None
    source_audio_url: str | None
    transcript: dict[str, Any]
    speaker_count: int


@dataclass
class DialogueEditRecord:
    id: str
    timeline: Timeline
    created_at: str
    body: dict[str, Any]
    outcome: str
    """The terminal status it reaches: COMPLETED, COMPLETED_PARTIAL or FAILED."""
    result_transcript: dict[str, Any]
    result_slots: list[dict[str, Any]]
    preview_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)
    """Terminal-only fields: partialDetail or error."""


class DialogueStore:
    def __init__(self) -> None:
        self.transcriptions: dict[str, TranscriptionRecord] = {}
        self.edits: dict[str, DialogueEditRecord] = {}
        self._lock = threading.Lock()

    def add_transcription(
        self, timeline: Timeline, video: str | None, audio: str | None, seconds: float | None = None
    ) -> TranscriptionRecord:
        transcript, speakers = fake_transcript(video or audio or "", seconds)
        record = TranscriptionRecord(str(uuid.uuid4()), timeline, iso_now(), video, audio, transcript, speakers)
        with self._lock:
            self.transcriptions[record.id] = record
        return record

    def add_edit(self, record: DialogueEditRecord) -> None:
        with self._lock:
            self.edits[record.id] = record


def dialogue_store(state: SandboxState) -> DialogueStore:
    return state.store(STORE_NAME, DialogueStore)


def preview_ready(state: SandboxState, dialogue_edit: Any) -> bool:
    """Whether a create's `dialogueEdit` names a finished (playable) preview of this organisation."""
    if not isinstance(dialogue_edit, dict) or not isinstance(dialogue_edit.get("id"), str):
        return False
    record = dialogue_store(state).edits.get(dialogue_edit["id"])
    if record is None:
        return False
    return record.timeline.status(state.now(), record.outcome) in ("COMPLETED", "COMPLETED_PARTIAL")
