"""What is publicly known about the built-in voices: language(s), gender, accent, age and a one-line style, from
the one table in `data/voice_traits.json` (its `source` says where the facts come from), keyed by the provider's
voice id (the `voiceId` a voice of `GET /v2/voices` carries).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pydantic import BaseModel

PREMADE_PREVIEW_PATH = "/premade/voices/"
"""Where ElevenLabs keeps its premade voices' previews (`.../eleven-public-prod/premade/voices/<id>/...`)."""


class VoiceTraits(BaseModel):
    name: str
    languages: list[str]
    gender: str
    accent: str
    age: str
    style: str


@cache
def _table() -> dict[str, VoiceTraits]:
    text = resources.files("sync_mcp.api").joinpath("data/voice_traits.json").read_text(encoding="utf-8")
    return {voice_id: VoiceTraits.model_validate(t) for voice_id, t in json.loads(text)["voices"].items()}


def traits_of(*ids: str | None) -> VoiceTraits | None:
    """The published traits of the first of `ids` the table knows (a provider voice id), or None."""
    table = _table()
    return next((table[i] for i in ids if i is not None and i in table), None)


def is_built_in(provider_ids: tuple[str | None, ...], preview_url: str | None) -> bool:
    """Whether a listed voice is one of the provider's built-in voices rather than the organisation's clone.

    `GET /v2/voices` lists the built-in voices and the organisation's clones together, with no field saying
    which is which (reference §7). A built-in voice is an ElevenLabs premade voice: its provider id is in the
    table, or its preview lives with ElevenLabs' premade previews. Every other voice in the list was cloned by
    the organisation (its preview, if any, is the organisation's own sample).
    """
    return traits_of(*provider_ids) is not None or PREMADE_PREVIEW_PATH in (preview_url or "")
