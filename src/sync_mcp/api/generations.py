"""Generation endpoints (reference §3): create, get (with the API's long-poll), list, delete, download URL."""

from __future__ import annotations

from typing import Any

import httpx

from .client import IDEMPOTENCY_KEY, MAX_WAIT_SECONDS, SyncClient, as_list, path_segment
from .errors import SyncAPIError
from .models import CreateGenerationRequest, Generation


async def create_generation(client: SyncClient, body: CreateGenerationRequest, *, idempotency_key: str) -> Generation:
    """`POST /v2/generate` with an Idempotency-Key minted once per logical create (reference §13).

    A 503 IDEMPOTENCY_OUTCOME_UNKNOWN naming a `generationId` is answered with that generation.
    """
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        raise ValueError("idempotency key must be 1-128 characters of [A-Za-z0-9._~-]")
    if body.webhook_url is None and client.default_webhook_url:  # the server's own receiver (§12)
        body = body.model_copy(update={"webhook_url": client.default_webhook_url})
    try:
        data = await client.request_json("POST", "/v2/generate", json=body.to_wire(), idempotency_key=idempotency_key)
    except SyncAPIError as exc:
        if exc.error_code != "IDEMPOTENCY_OUTCOME_UNKNOWN" or not exc.generation_id:
            raise
        # The API could not confirm the create but named its generation: follow that one (reference §13).
        try:
            return await get_generation(client, exc.generation_id)
        except SyncAPIError as lost:  # keep what the caller needs to carry on: the id and the key
            lost.generation_id = lost.generation_id or exc.generation_id
            lost.idempotency_key = idempotency_key
            raise
    return Generation.model_validate(data)


async def get_generation(
    client: SyncClient,
    generation_id: str,
    *,
    wait: bool = False,
    timeout: int | None = None,
    include_progress: bool = False,
) -> Generation:
    """`GET /v2/generate/{id}`; with `wait` the API holds the request up to `timeout` (1-10 s); with
    `include_progress` (not together with `wait`, reference §3.3) it adds `progress_percent`."""
    if wait and include_progress:
        raise ValueError("the API does not combine wait=true with include=progress")
    params: dict[str, Any] = {"include": "progress"} if include_progress else {}
    read_timeout: httpx.Timeout | None = None
    if wait:
        seconds = max(1, min(MAX_WAIT_SECONDS, int(timeout or 5)))
        params = {"wait": "true", "timeout": seconds}
        read_timeout = httpx.Timeout(seconds + 15.0, connect=10.0)
    data = await client.request_json(
        "GET", f"/v2/generate/{path_segment(generation_id)}", params=params, timeout=read_timeout
    )
    return Generation.model_validate(data)


async def list_generations(
    client: SyncClient,
    *,
    status: list[str] | None = None,
    ids: list[str] | None = None,
    project_id: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> list[Generation]:
    """`GET /v2/generations`: a bare array; with `limit`, newest first and paged by `cursor` (last id)."""
    params = {
        "status": ",".join(status) if status else None,
        "ids": ",".join(ids) if ids else None,
        "projectId": project_id,
        "limit": limit,
        "cursor": cursor,
    }
    data = await client.request_json("GET", "/v2/generations", params=params)
    return [Generation.model_validate(item) for item in as_list(data)]


async def delete_generation(client: SyncClient, generation_id: str) -> Generation:
    """`DELETE /v2/generations/{id}`: only terminal generations; 409 `generation_not_deletable_while_processing`
    otherwise (reference §3.7). Answers the deleted generation."""
    data = await client.request_json("DELETE", f"/v2/generations/{path_segment(generation_id)}")
    return Generation.model_validate(data)


async def get_download_url(client: SyncClient, generation_id: str) -> str:
    """`GET /v2/generations/{id}/download`: a `text/plain` body holding the bare signed URL of the output
    (reference §3.8), not JSON. Fetch that URL without the API key."""
    response = await client.request("GET", f"/v2/generations/{path_segment(generation_id)}/download")
    url = response.text.strip()
    if not url.startswith(("https://", "http://")):
        raise SyncAPIError(
            http_status=response.status_code,
            error_code="invalid_response",
            message="The download endpoint did not answer with an http(s) URL.",
            suggestion="Use the generation's outputUrl instead (get_generation).",
        )
    return url
