"""Standalone text-to-speech (reference §8): `POST /v2/tts` answers `{id, url, duration}` at once.

The endpoint is not covered by idempotency keys, so the client sends it exactly once (its retry policy
never repeats a POST without an Idempotency-Key): after a transport failure the outcome is unknown.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .client import SyncClient, read_reply
from .models import ResponseModel, SpeechSettings

SPEECH_PER_MINUTE = 60
"""`POST /v2/tts` rate limit (reference §14.1)."""


class SpeechRequest(SpeechSettings):
    """Body of `POST /v2/tts`: the text-input settings with the provider named as a plain string."""

    provider: Literal["elevenlabs"] = Field(default="elevenlabs", description="TTS provider; only elevenlabs exists.")


class Speech(ResponseModel):
    """The synthesized take: a hosted audio file."""

    id: str
    url: str = Field(description="Hosted audio; reusable as an audio input of create_generation.")
    duration: float | None = Field(default=None, description="Length in seconds.")


async def create_speech(client: SyncClient, body: SpeechRequest) -> Speech:
    """`POST /v2/tts` (sent once; see the module docstring)."""
    return read_reply(Speech, await client.request_json("POST", "/v2/tts", json=body.to_wire()))
