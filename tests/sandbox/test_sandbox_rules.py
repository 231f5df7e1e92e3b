"""Rules the sandbox applies where no client tool sends the body as given (the dialogue workflow builds its own
bodies): the sandbox's own reading refuses what breaks them, with the field named, and accepts the rest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY, VIDEO, configured

WORD = {"id": "w1", "text": "hi", "startMs": 0, "endMs": 300}
TRANSCRIPT = {"segments": [{"id": "s0", "words": [WORD]}]}
EDIT = {
    "sourceVideoUrl": VIDEO,
    "transcript": TRANSCRIPT,
    "edits": [{"kind": "change", "wordId": "w1", "replacement": "hello"}],
}

CASES: list[tuple[str, str, dict[str, Any], str | None]] = [
    # (case, path, body, the field a 400 names; None: accepted)
    ("a video to transcribe", "/v2/transcriptions", {"sourceVideoUrl": VIDEO}, None),
    ("video and audio", "/v2/transcriptions", {"sourceVideoUrl": VIDEO, "sourceAudioUrl": VIDEO}, "sourceVideoUrl"),
    ("no source", "/v2/transcriptions", {}, "sourceVideoUrl"),
    ("a source that is no URL", "/v2/transcriptions", {"sourceAudioUrl": "line.wav"}, "sourceAudioUrl"),
    ("an edit", "/v2/dialogue-edits", EDIT, None),
    ("no edits", "/v2/dialogue-edits", {**EDIT, "edits": []}, "edits"),
    ("a change without words", "/v2/dialogue-edits", {**EDIT, "edits": [{"kind": "change", "wordId": "w1"}]}, "edits"),
    (
        "a removal with words",
        "/v2/dialogue-edits",
        {**EDIT, "edits": [{"kind": "remove", "wordId": "w1", "replacement": "x"}]},
        "edits",
    ),
    ("an unknown kind", "/v2/dialogue-edits", {**EDIT, "edits": [{"kind": "swap", "wordId": "w1"}]}, "edits[0].kind"),
    (
        "a word not in the transcript",
        "/v2/dialogue-edits",
        {**EDIT, "edits": [{"kind": "remove", "wordId": "w9"}]},
        "edits",
    ),
    ("a transcript of another shape", "/v2/dialogue-edits", {**EDIT, "transcript": {"segments": "w1"}}, "transcript"),
    (
        "a word without times",
        "/v2/dialogue-edits",
        {**EDIT, "transcript": {"segments": [{"words": [{"id": "w1", "text": "hi"}]}]}},
        "transcript",
    ),
]


@pytest.fixture
def editing(api: SandboxServer) -> Iterator[SandboxServer]:
    with configured(api, dialogue_edit_enabled=True) as server:
        yield server


@pytest.mark.parametrize(("case", "path", "payload", "field"), CASES, ids=[c[0] for c in CASES])
def test_dialogue_bodies(
    editing: SandboxServer, case: str, path: str, payload: dict[str, Any], field: str | None
) -> None:
    reply = httpx.post(f"{editing.base_url}{path}", json=payload, headers={"x-api-key": TEST_KEY})
    if field is None:
        assert reply.status_code == 201, (case, reply.text)
    else:
        assert reply.status_code == 400, (case, reply.text)
        error = reply.json()
        assert (error["errorCode"], error["field"]) == ("generation_input_validation_failed", field), case
