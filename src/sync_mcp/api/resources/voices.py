"""Voices (reference §7): list the built-in and cloned voices, clone one from a sample, delete a clone.

The exact body of `POST /v2/voices` was not fully recovered by the reference: `name`, `provider` and a
sample as `url` or `assetId` are what Sync's official agent integration and the cloning guide send ([INF]).
"""

from __future__ import annotations

from typing import Any

from sync_mcp.api.types.shared import path_segment

from ..types.voices import CloneVoiceRequest, Voice, VoiceProvider
from .base import Resource


def created_voice(data: Any) -> Any:
    """A clone reply whose voice is usable even without `id`. The sources conflict (reference §7): the Clone
    Voice page lists `voiceId`, `name`, `internalVoiceId`, the delete page says the Sync UUID comes back as `id`.
    The voice exists once the API answered, so a reply without `id` is read with the first id it does carry
    (`voiceId`, then `internalVoiceId`: text inputs take a provider voice id too, §3.1.1) instead of failing."""
    if isinstance(data, dict) and not data.get("id"):
        for key in ("voiceId", "internalVoiceId"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return {**data, "id": value}
    return data


class Voices(Resource):
    """`client.voices`."""

    async def list(self, *, provider: VoiceProvider | None = None) -> list[Voice]:
        """`GET /v2/voices`: built-in and organisation-cloned voices."""
        reply = await self._client.request_reply("GET", "/v2/voices", params={"provider": provider})
        return reply.read_each(Voice)

    async def clone(self, body: CloneVoiceRequest) -> Voice:
        """`POST /v2/voices`. Not idempotent: sent once, never retried blindly."""
        reply = await self._client.request_reply("POST", "/v2/voices", json=body.to_wire())
        return reply.read(Voice, created_voice(reply.data))

    async def delete(self, voice_id: str) -> bool:
        """`DELETE /v2/voices/{id}`: answers `true`; unknown ids are 404 `voice_not_found`."""
        data = await self._client.request_json("DELETE", f"/v2/voices/{path_segment(voice_id)}")
        return data is True
