"""From what a video should say to the word edits the dialogue-edit API takes (no network).

`align` lines the corrected text up with the transcript's words (difflib over words compared without case and
punctuation, which do not change what is said) and turns each difference into edits by word id: a replaced run
becomes a change of its first word (to all the new words) and removals of the rest, a removed run removals, and
inserted words ride on the word before them (or, at the very start, on the first word) as a change. Only the two
operation kinds the API is known to take are produced (see api/types/dialogue_edits.py). `spans` says, for any edits,
what each edited stretch said before and says after.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sync_mcp.api.types.dialogue_edits import DialogueEditOperation, edited_words
from sync_mcp.api.types.transcriptions import TranscriptWord
from sync_mcp.guidance import refusals

_NOT_SPOKEN = re.compile(r"[^\w']+")


def spoken(word: str) -> str:
    """A word as it sounds: case and punctuation dropped."""
    return _NOT_SPOKEN.sub("", word.casefold())


def align(words: list[TranscriptWord], new_text: str) -> list[DialogueEditOperation]:
    """The edits that make the transcript `words` say `new_text` (none when it already does)."""
    new = new_text.split()
    if not new:
        raise refusals.empty_new_text()
    if not words:
        raise refusals.transcript_without_words()
    old = [spoken(w.text) for w in words]
    said: list[list[str]] = [[w.text] for w in words]
    prefix: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, [spoken(t) for t in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            said[i1] = new[j1:j2]
            for i in range(i1 + 1, i2):
                said[i] = []
        elif tag == "insert" and i1 > 0:
            said[i1 - 1] = said[i1 - 1] + new[j1:j2]
        elif tag == "insert":
            prefix = new[j1:j2]
    said[0] = prefix + said[0]
    edits: list[DialogueEditOperation] = []
    for word, now in zip(words, said, strict=True):
        if now == [word.text]:
            continue
        if now:
            edits.append(DialogueEditOperation(kind="change", wordId=word.id, replacement=" ".join(now)))
        else:
            edits.append(DialogueEditOperation(kind="remove", wordId=word.id))
    return edits


def applied(words: list[TranscriptWord], edits: list[DialogueEditOperation]) -> str:
    """The transcript's text after `edits`."""
    return " ".join(text for _, text in edited_words(words, edits))


@dataclass(frozen=True)
class Span:
    before: str
    after: str
    word_ids: list[str]
    start_ms: float


def spans(words: list[TranscriptWord], edits: list[DialogueEditOperation]) -> list[Span]:
    """Each run of consecutive edited words: what it said and what it says after the edits."""
    by_id = {edit.word_id: edit for edit in edits}
    runs: list[list[TranscriptWord]] = []
    for n, word in enumerate(words):
        if word.id not in by_id:
            continue
        if runs and words[n - 1].id in by_id:
            runs[-1].append(word)
        else:
            runs.append([word])
    return [
        Span(
            before=" ".join(w.text for w in run),
            after=applied(run, [by_id[w.id] for w in run]),
            word_ids=[w.id for w in run],
            start_ms=run[0].start_ms,
        )
        for run in runs
    ]
