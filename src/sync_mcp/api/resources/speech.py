"""Standalone text-to-speech (reference §8): `POST /v2/tts` answers `{id, url, duration}` at once;
`POST /v2/tts/jobs` queues the same work as a job, followed with `GET /v2/tts/jobs/{id}`.

`POST /v2/tts` is not covered by idempotency keys, so the client sends it exactly once (its retry policy
never repeats a POST without an Idempotency-Key): after a transport failure the outcome is unknown. A job
create carries an Idempotency-Key, so it is retried safely like a generation create.
"""

from __future__ import annotations

from sync_mcp.api.types.shared import IDEMPOTENCY_KEY, path_segment

from ..types.speech import Speech, SpeechJob, SpeechRequest
from .base import Resource


class TextToSpeech(Resource):
    """`client.speech`."""

    async def create(self, body: SpeechRequest) -> Speech:
        """`POST /v2/tts` (sent once; see the module docstring)."""
        return (await self._client.request_reply("POST", "/v2/tts", json=body.to_wire())).read(Speech)

    async def create_job(self, body: SpeechRequest, *, idempotency_key: str) -> SpeechJob:
        """`POST /v2/tts/jobs` (202 + `Location`): the job, queued. The Idempotency-Key makes it safe to repeat: a
        replay answers the original job in its current state, so the client may retry it like any keyed create."""
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise ValueError("idempotency key must be 1-128 characters of [A-Za-z0-9._~-]")
        reply = await self._client.request_reply(
            "POST", "/v2/tts/jobs", json=body.to_wire(), idempotency_key=idempotency_key
        )
        return reply.read(SpeechJob)

    async def get_job(self, job_id: str) -> SpeechJob:
        """`GET /v2/tts/jobs/{id}` ([INF] the path the create's `Location` header names; reference §8)."""
        return (await self._client.request_reply("GET", f"/v2/tts/jobs/{path_segment(job_id)}")).read(SpeechJob)
