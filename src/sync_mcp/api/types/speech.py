"""Standalone text-to-speech (reference §8): the request, the immediate reply and the job."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .generation_inputs import SpeechSettings
from .shared import ResponseModel

SPEECH_PER_MINUTE = 60
"""`POST /v2/tts` rate limit (reference §14.1)."""


class SpeechRequest(SpeechSettings):
    """Body of `POST /v2/tts`: the text-input settings with the provider named as a plain string."""

    provider: Literal["elevenlabs"] = Field(default="elevenlabs", description="TTS provider; only elevenlabs exists.")


class Speech(ResponseModel):
    """The synthesized take: a hosted audio file."""

    id: str
    url: str = Field(description="Hosted audio; reusable as an audio input of a generation.")
    duration: float | None = Field(default=None, description="Length in seconds.")


SPEECH_JOBS_PER_MINUTE = 60
"""`POST /v2/tts/jobs` rate limit, a bucket of its own (reference §14.1)."""

SPEECH_JOB_TERMINAL = frozenset({"COMPLETED", "FAILED"})
"""[INF] Statuses after which a job no longer changes: the reference names only PENDING (`"PENDING", ...`);
these are the generation statuses the same API family uses for finished work."""


class SpeechJob(ResponseModel):
    """An asynchronous TTS job (reference §8): `url` and `duration` once it is done, `error` if it failed.

    [INF] The status values beyond PENDING are not documented; they are kept as the API sends them.
    """

    id: str
    status: str
    url: str | None = Field(default=None, description="Hosted audio once done; reusable as an audio input.")
    duration: float | None = Field(default=None, description="Length in seconds.")
    error: str | None = None
    created_at: str | None = Field(default=None, alias="createdAt")
    started_at: str | None = Field(default=None, alias="startedAt")
    finished_at: str | None = Field(default=None, alias="finishedAt")
