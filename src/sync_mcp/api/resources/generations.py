"""Generations (reference §3): create (JSON, or multipart with the files), get (with the API's long-poll), list,
count, delete, download URL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from sync_mcp.api.types.shared import IDEMPOTENCY_KEY, path_segment

from ..endpoint import API_LONG_POLL_MAX_SECONDS
from ..errors import UNREADABLE_REPLY_CODE, SyncAPIError, UnreadableReplyError
from ..retries import IDEMPOTENCY_OUTCOME_UNKNOWN
from ..types.generations import CreateGenerationRequest, FormFile, Generation
from ..types.usage import GenerationCount, GenerationCountQuery
from .base import Resource

MULTIPART_JSON_FIELDS = ("input", "options", "segments", "dubParams", "dialogueEdit")
"""Form fields carrying JSON-encoded strings (reference §3.2); the others are plain strings."""
MULTIPART_MAX_FILES = 3
MULTIPART_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=60.0, pool=10.0)
"""Each write of the body, and the answer after its last byte, may take this long (files travel with the create)."""


def multipart_form(body: CreateGenerationRequest, files: Sequence[FormFile]) -> dict[str, str]:
    """The non-file form fields of a create with files (reference §3.2): scalars as strings, nested values as JSON.

    The items the files supply are left out of `input`, as the official SDK's create-with-files sends it; the API
    stores each file as an asset and uses it as that type's input. [INF] Such an item with a refId keeps only
    `type` and `refId`, for the file to fill (segments need the label).
    """
    if len({f.kind for f in files}) != len(files) or len(files) > MULTIPART_MAX_FILES:
        raise ValueError("a multipart create takes at most one file of each kind (video, image, audio)")
    wire = body.to_wire()
    supplied = {f.input_index for f in files}
    items = []
    for n, item in enumerate(wire["input"]):
        if n not in supplied:
            items.append(item)
        elif "refId" in item:
            items.append({"type": item["type"], "refId": item["refId"]})
    wire["input"] = items
    return {k: json.dumps(v, separators=(",", ":")) if k in MULTIPART_JSON_FIELDS else str(v) for k, v in wire.items()}


class Generations(Resource):
    """`client.generations`: lip-sync jobs."""

    async def create(self, body: CreateGenerationRequest, *, idempotency_key: str) -> Generation:
        """`POST /v2/generate` with an Idempotency-Key minted once per logical create (reference §13).

        A 503 IDEMPOTENCY_OUTCOME_UNKNOWN naming a `generationId` is answered with that generation. A reply that
        cannot be read is an `UnreadableReplyError` carrying the key: the generation may exist, and a call with
        the same key and body returns it instead of creating a second one.
        """
        body = self._prepared(body, idempotency_key)
        return await self._submitted(idempotency_key, json=body.to_wire())

    async def create_with_files(
        self, body: CreateGenerationRequest, files: Sequence[FormFile], *, idempotency_key: str
    ) -> Generation:
        """`POST /v2/generate` as multipart/form-data with the files themselves ("Create Generation with Files",
        reference §3.2): no separate upload round trip, for small files. The Idempotency-Key covers it like a JSON
        create; each retry sends the same fields and files from their start."""
        fields = multipart_form(self._prepared(body, idempotency_key), files)
        parts = [(f.kind, (f.name, f.file, f.content_type)) for f in files]
        return await self._submitted(idempotency_key, data=fields, files=parts, timeout=MULTIPART_TIMEOUT)

    def _prepared(self, body: CreateGenerationRequest, idempotency_key: str) -> CreateGenerationRequest:
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise ValueError("idempotency key must be 1-128 characters of [A-Za-z0-9._~-]")
        if body.webhook_url is None and self._client.default_webhook_url:  # the server's own receiver (§12)
            body = body.model_copy(update={"webhook_url": self._client.default_webhook_url})
        return body

    async def _submitted(self, idempotency_key: str, **send: Any) -> Generation:
        """`POST /v2/generate` with `send` as its body; a 503 IDEMPOTENCY_OUTCOME_UNKNOWN naming a `generationId`
        is answered with that generation."""
        try:
            reply = await self._client.request_reply("POST", "/v2/generate", idempotency_key=idempotency_key, **send)
        except SyncAPIError as exc:
            if exc.error_code != IDEMPOTENCY_OUTCOME_UNKNOWN or not exc.generation_id:
                raise
            # The API could not confirm the create but named its generation: follow that one (reference §13).
            try:
                return await self.get(exc.generation_id)
            except SyncAPIError as lost:  # keep what the caller needs to carry on: the id and the key
                lost.generation_id = lost.generation_id or exc.generation_id
                lost.idempotency_key = idempotency_key
                raise
        try:
            return reply.read(Generation)
        except UnreadableReplyError as exc:  # the key is on the request it answered; the id it named is the job's
            exc.generation_id = exc.generation_id or exc.reply_id
            raise

    async def get(
        self, generation_id: str, *, wait: bool = False, timeout: int | None = None, include_progress: bool = False
    ) -> Generation:
        """`GET /v2/generate/{id}`; with `wait` the API holds the request up to `timeout` (1-10 s); with
        `include_progress` (not together with `wait`, reference §3.3) it adds `progress_percent`."""
        if wait and include_progress:
            raise ValueError("the API does not combine wait=true with include=progress")
        params: dict[str, Any] = {"include": "progress"} if include_progress else {}
        read_timeout: httpx.Timeout | None = None
        if wait:
            seconds = max(1, min(API_LONG_POLL_MAX_SECONDS, int(timeout or 5)))
            params = {"wait": "true", "timeout": seconds}
            read_timeout = httpx.Timeout(seconds + 15.0, connect=10.0)
        reply = await self._client.request_reply(
            "GET", f"/v2/generate/{path_segment(generation_id)}", params=params, timeout=read_timeout
        )
        return reply.read(Generation)

    async def list(
        self,
        *,
        status: list[str] | None = None,
        ids: list[str] | None = None,
        project_id: str | None = None,
        source: list[str] | None = None,
        generation_source: list[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[Generation]:
        """`GET /v2/generations`: a bare array; with `limit`, newest first and paged by `cursor` (last id).

        `source` filters on the source label (reference §3.4). [INF] `generationSource` is documented on
        `GET /v2/generations/count` (§3.5), whose filters the list shares; it is sent only when asked for.
        """
        params = {
            "status": ",".join(status) if status else None,
            "ids": ",".join(ids) if ids else None,
            "projectId": project_id,
            "source": ",".join(source) if source else None,
            "generationSource": ",".join(generation_source) if generation_source else None,
            "limit": limit,
            "cursor": cursor,
        }
        reply = await self._client.request_reply("GET", "/v2/generations", params=params)
        return reply.read_each(Generation)

    async def count(self, query: GenerationCountQuery) -> GenerationCount:
        """`GET /v2/generations/count`."""
        data = await self._client.request_json("GET", "/v2/generations/count", params=query.to_params())
        return GenerationCount.model_validate(data)

    async def delete(self, generation_id: str) -> Generation:
        """`DELETE /v2/generations/{id}`: only terminal generations; 409 `generation_not_deletable_while_processing`
        otherwise (reference §3.7). Answers the deleted generation."""
        reply = await self._client.request_reply("DELETE", f"/v2/generations/{path_segment(generation_id)}")
        return reply.read(Generation)

    async def download_url(self, generation_id: str) -> str:
        """`GET /v2/generations/{id}/download`: a `text/plain` body holding the bare signed URL of the output
        (reference §3.8), not JSON. Fetch that URL without the API key."""
        response = await self._client.request("GET", f"/v2/generations/{path_segment(generation_id)}/download")
        url = self._client.scrub(response.text.strip())
        if not url.startswith(("https://", "http://")):
            raise SyncAPIError(
                http_status=response.status_code,
                error_code=UNREADABLE_REPLY_CODE,
                message="The download endpoint did not answer with an http(s) URL.",
                suggestion="Use the generation's outputUrl instead.",
            )
        return url
