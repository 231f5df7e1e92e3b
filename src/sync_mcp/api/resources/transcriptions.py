"""Transcriptions (Sync docs: developer-guides/dialogue-editing, api-reference transcriptions-api create/get):
`POST /v2/transcriptions` starts a job (201) from exactly one of `sourceVideoUrl` and `sourceAudioUrl`;
`GET /v2/transcriptions/{id}` follows it until COMPLETED or FAILED. A completed job carries the word-level
transcript (segments of words with ids and absolute millisecond times) and `speakerCount`.

The create carries no Idempotency-Key (the docs name none), so the client sends it once and never repeats it
on a transport failure. [3P] The API answers an identical source with its existing job, so a second create
after an unknown outcome costs nothing; it is not retried automatically all the same.
"""

from __future__ import annotations

from sync_mcp.api.types.shared import path_segment

from ..types.transcriptions import Transcription, TranscriptionRequest
from .base import Resource


class Transcriptions(Resource):
    """`client.transcriptions`."""

    async def create(self, body: TranscriptionRequest) -> Transcription:
        """`POST /v2/transcriptions` (201 with the job; sent once)."""
        reply = await self._client.request_reply("POST", "/v2/transcriptions", json=body.to_wire())
        return reply.read(Transcription)

    async def get(self, transcription_id: str) -> Transcription:
        """`GET /v2/transcriptions/{id}`."""
        reply = await self._client.request_reply("GET", f"/v2/transcriptions/{path_segment(transcription_id)}")
        return reply.read(Transcription)
