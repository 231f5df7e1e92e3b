"""Subtitles from a transcript's word times: SRT or WebVTT cues of readable length that never overlap.

A cue ends at a sentence end, before a pause of `PAUSE_MS`, or when it would no longer fit `MAX_LINES` lines of
`LINE_CHARS` characters or `MAX_MS` on screen. It runs from its first word's start to its last word's
end, cut short before the next cue starts, and lasts at least `MIN_MS` when the next cue leaves room.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Literal

from sync_mcp.api.types.transcriptions import TranscriptWord

SubtitleFormat = Literal["srt", "vtt"]
LINE_CHARS = 42
MAX_LINES = 2
MAX_MS = 6000
PAUSE_MS = 800
MIN_MS = 700


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def _groups(words: list[TranscriptWord]) -> list[list[TranscriptWord]]:
    groups: list[list[TranscriptWord]] = []
    for word in sorted(words, key=lambda w: w.start_ms):
        current = groups[-1] if groups else None
        if current is not None:
            text = " ".join(w.text for w in [*current, word])
            ends = current[-1].text.endswith((".", "?", "!"))
            paused = word.start_ms - current[-1].end_ms >= PAUSE_MS
            too_long = len(_wrapped(text)) > MAX_LINES
            if not (ends or paused or too_long or word.end_ms - current[0].start_ms > MAX_MS):
                current.append(word)
                continue
        groups.append([word])
    return groups


def _wrapped(text: str) -> list[str]:
    """Lines of at most `LINE_CHARS` (a single longer word keeps a line of its own)."""
    return textwrap.wrap(text, LINE_CHARS, break_long_words=False, break_on_hyphens=False)


def cues(words: list[TranscriptWord]) -> list[Cue]:
    groups = _groups(words)
    starts = [int(g[0].start_ms) for g in groups]
    result: list[Cue] = []
    for n, group in enumerate(groups):
        start = starts[n]
        next_start = starts[n + 1] if n + 1 < len(groups) else None
        end = max(int(group[-1].end_ms), start + MIN_MS)
        if next_start is not None:
            end = min(end, next_start)
        result.append(Cue(start, max(end, start + 1), "\n".join(_wrapped(" ".join(w.text for w in group)))))
    return result


def _stamp(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def render(words: list[TranscriptWord], form: SubtitleFormat) -> str:
    """The subtitle file's text."""
    separator = "," if form == "srt" else "."
    blocks = []
    for n, cue in enumerate(cues(words), start=1):
        timing = f"{_stamp(cue.start_ms, separator)} --> {_stamp(cue.end_ms, separator)}"
        blocks.append(f"{n}\n{timing}\n{cue.text}\n" if form == "srt" else f"{timing}\n{cue.text}\n")
    header = "" if form == "srt" else "WEBVTT\n\n"
    return header + "\n".join(blocks)
