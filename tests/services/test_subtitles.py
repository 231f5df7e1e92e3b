"""Subtitle cues from any word timings: never overlapping, each shown for a positive time, lines of readable
length, every word kept in order."""

from __future__ import annotations

import itertools

import srt
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_mcp.api.types.transcriptions import TranscriptWord
from sync_mcp.services.subtitles import LINE_CHARS, render

words_strategy = st.lists(
    st.tuples(
        st.sampled_from(["so", "Tuesday.", "meeting", "a", "extraordinarily", "ok?"]),
        st.integers(0, 2000),
        st.integers(1, 900),
    ),
    min_size=1,
    max_size=60,
)


def timed(spec: list[tuple[str, int, int]]) -> list[TranscriptWord]:
    at, words = 0, []
    for n, (text, gap, length) in enumerate(spec):
        at += gap
        words.append(TranscriptWord(id=f"w{n}", text=text, startMs=at, endMs=at + length))
        at += length
    return words


@settings(max_examples=200, deadline=None)
@given(words_strategy)
def test_srt_cues_never_overlap_and_keep_every_word(spec: list[tuple[str, int, int]]) -> None:
    words = timed(spec)
    cues = list(srt.parse(render(words, "srt")))
    assert all(c.start < c.end for c in cues)
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))
    assert " ".join(c.content.replace("\n", " ") for c in cues).split() == [w.text for w in words]
    assert all(len(line) <= LINE_CHARS or " " not in line for c in cues for line in c.content.split("\n"))
