"""Standalone text-to-speech (reference §8): `POST /v2/tts` answers `{id, url, duration}` at once;
`POST /v2/tts/jobs` queues the same work as a job, followed with `GET /v2/tts/jobs/{id}`.

`POST /v2/tts` is not covered by idempotency keys, so the client sends it exactly once (its retry policy
never repeats a POST without an Idempotency-Key): after a transport failure the outcome is unknown. A job
create carries an Idempotency-Key, so it is retried safely like a generation create.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .client import SyncClient
from .ids import IDEMPOTENCY_KEY, path_segment
from .models import ResponseModel, SpeechSettings

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


async def create_speech(client: SyncClient, body: SpeechRequest) -> Speech:
    """`POST /v2/tts` (sent once; see the module docstring)."""
    return (await client.request_reply("POST", "/v2/tts", json=body.to_wire())).read(Speech)


# ----------------------------------------------------------------------------------------------- asynchronous

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


async def create_speech_job(client: SyncClient, body: SpeechRequest, *, idempotency_key: str) -> SpeechJob:
    """`POST /v2/tts/jobs` (202 + `Location`): the job, queued. The Idempotency-Key makes it safe to repeat: a
    replay answers the original job in its current state, so the client may retry it like any keyed create."""
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        raise ValueError("idempotency key must be 1-128 characters of [A-Za-z0-9._~-]")
    reply = await client.request_reply("POST", "/v2/tts/jobs", json=body.to_wire(), idempotency_key=idempotency_key)
    return reply.read(SpeechJob)


async def get_speech_job(client: SyncClient, job_id: str) -> SpeechJob:
    """`GET /v2/tts/jobs/{id}` ([INF] the path the create's `Location` header names; reference §8)."""
    return (await client.request_reply("GET", f"/v2/tts/jobs/{path_segment(job_id)}")).read(SpeechJob)
