"""The sandbox's error catalog, indexed by code: the source of its messages and suggestions, and what its
`GET /v2/errors` serves.

It is the package's bundled snapshot plus `LIVE_ONLY`: codes the live API lists that the snapshot shipped in
the package lacks, as happens whenever the API adds a code after a release. A generation scripted to fail
with one of them (`?sandbox_fail=generation_audio_no_speech` on a media URL) is explained by the server only
if it consults the live catalog; a code in neither (any other name) exercises the honest fallback.
"""

from __future__ import annotations

from functools import lru_cache

from sync_mcp.api.catalog import CatalogEntry, load_bundled_catalog

LIVE_ONLY: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        code="generation_audio_no_speech",
        message="No speech was detected in the audio input.",
        fix="Use audio (or a script) with clearly audible speech: silence, music alone or a very quiet recording "
        "cannot drive the lips. Then create a new generation.",
        category="input_validation",
    ),
    CatalogEntry(
        code="generation_video_no_face",
        message="No face was found in the video input.",
        fix="Use a video in which one face is clearly visible, well lit and mostly frontal for most of the clip, "
        "or select the face with options.active_speaker_detection. Then create a new generation.",
        category="input_validation",
    ),
)
"""Entries of the sandbox's live catalog that the bundled snapshot does not have."""


@lru_cache(maxsize=1)
def catalog() -> dict[str, CatalogEntry]:
    return {entry.code: entry for entry in (*load_bundled_catalog(), *LIVE_ONLY)}


def suggestion_for(code: str | None) -> str | None:
    entry = catalog().get(code) if code else None
    return entry.fix if entry else None


def message_for(code: str) -> str:
    entry = catalog().get(code)
    return entry.message if entry else f"The generation failed ({code})."
