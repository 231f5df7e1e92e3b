"""Turning corrected text into word edits: applying the edits to the transcript gives back the text asked for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_mcp.api.types.transcriptions import TranscriptWord
from sync_mcp.guidance.errors import InputError
from sync_mcp.services.alignment import align, applied, spans, spoken

VOCAB = ["the", "meeting", "is", "on", "Tuesday", "Wednesday", "at", "ten", "um,", "so.", "See", "you", "there"]


def transcript(texts: list[str]) -> list[TranscriptWord]:
    return [TranscriptWord(id=f"w{n}", text=t, startMs=n * 500, endMs=n * 500 + 400) for n, t in enumerate(texts)]


def said(text: str) -> list[str]:
    return [spoken(t) for t in text.split()]


edit_script = st.lists(
    st.tuples(st.sampled_from(["keep", "replace", "insert", "delete"]), st.sampled_from(VOCAB)), max_size=25
)


def run(texts: list[str], script: list[tuple[str, str]]) -> list[str]:
    """The transcript's words after a random edit script (each step acts on the next original word)."""
    out: list[str] = []
    words = iter(texts)
    for op, new in script:
        if op == "insert":
            out.append(new)
            continue
        old = next(words, None)
        if old is None:
            break
        out.extend({"keep": [old], "replace": [new], "delete": []}[op])
    out.extend(words)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=20), edit_script)
def test_applying_the_edits_gives_back_the_new_text(texts: list[str], script: list[tuple[str, str]]) -> None:
    new = run(texts, script)
    words = transcript(texts)
    if not new:
        return
    edits = align(words, " ".join(new))
    assert said(applied(words, edits)) == said(" ".join(new))
    assert len({e.word_id for e in edits}) == len(edits)  # each word edited at most once
    assert {e.word_id for e in edits} <= {w.id for w in words}
    assert all(e.kind in ("change", "remove") for e in edits)


@given(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=20))
def test_the_same_text_needs_no_edit(texts: list[str]) -> None:
    assert align(transcript(texts), " ".join(texts).upper()) == []


def test_one_word_changed_is_one_change_and_its_span_says_before_and_after() -> None:
    words = transcript("Our meeting is on Tuesday at ten.".split())
    edits = align(words, "Our meeting is on Wednesday at ten.")
    assert [(e.kind, e.word_id, e.replacement) for e in edits] == [("change", "w4", "Wednesday")]
    assert [(s.before, s.after) for s in spans(words, edits)] == [("Tuesday", "Wednesday")]


def test_a_filler_cut_is_a_removal() -> None:
    words = transcript("Hi everyone, um, thanks for joining.".split())
    edits = align(words, "Hi everyone, thanks for joining.")
    assert [(e.kind, e.word_id) for e in edits] == [("remove", "w2")]
    assert [(s.before, s.after) for s in spans(words, edits)] == [("um,", "")]


def test_empty_text_is_refused() -> None:
    try:
        align(transcript(["hi"]), "   ")
    except InputError as exc:
        assert exc.info.error_code == "generation_input_validation_failed"
    else:
        raise AssertionError("empty new_text was accepted")
