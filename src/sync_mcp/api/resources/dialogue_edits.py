"""Dialogue edits (Sync docs: api-reference dialogue-edits-api create/get, developer-guides/dialogue-editing):
`POST /v2/dialogue-edits` applies word-level edits to a transcript from `GET /v2/transcriptions/{id}` and
re-speaks only the edited spans in a voice cloned from the source; `GET /v2/dialogue-edits/{id}` follows the
job until COMPLETED, COMPLETED_PARTIAL (playable, but shipped without something requested) or FAILED. A
(partially) completed job carries `previewAudioUrl`, the retimed `resultTranscript` and `resultSlots`. The final
video is then an ordinary generation whose body carries `dialogueEdit: {"id": <this job's id>}`.

Refusals (dialogue-edits-api create): edits that cannot be applied are a 400 before a job exists; an API-key
request with a partial window (startMs/endMs) is 422 `dialogue_edit_unsupported`; an organisation without the
rollout 422 `dialogue_edit_retime_required`; a rollout that cannot be evaluated 503
`generation_infra_service_unavailable` (retry with backoff). The window fields are therefore never sent.

[3P] The edit operation's shape is not spelled out in the pages stored here: `{kind: "change", wordId,
replacement}` is how the tests of Sync's official agent integration send one, and `kind: "remove"` the removal its
descriptions name. Nothing else is sent: an insertion is a change of a neighbouring word whose replacement
carries the extra words. The create carries no Idempotency-Key (the docs make it an organisation option whose
use otherwise fails), so it is sent once and never retried.
"""

from __future__ import annotations

from sync_mcp.api.types.shared import path_segment

from ..types.dialogue_edits import DialogueEdit, DialogueEditRequest
from .base import Resource


class DialogueEdits(Resource):
    """`client.dialogue_edits`."""

    async def create(self, body: DialogueEditRequest) -> DialogueEdit:
        """`POST /v2/dialogue-edits` (201 with the job; sent once, see the module docstring)."""
        reply = await self._client.request_reply("POST", "/v2/dialogue-edits", json=body.to_wire())
        return reply.read(DialogueEdit)

    async def get(self, edit_id: str) -> DialogueEdit:
        """`GET /v2/dialogue-edits/{id}`."""
        reply = await self._client.request_reply("GET", f"/v2/dialogue-edits/{path_segment(edit_id)}")
        return reply.read(DialogueEdit)
