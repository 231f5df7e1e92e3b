"""Generation housekeeping: `DELETE /v2/generations/{id}` (reference §3.7) and the download URL
`GET /v2/generations/{id}/download` (reference §3.8)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ..http import fail, public_base_url, require_auth, sandbox_state
from ..rules.facts import TERMINAL_STATUSES
from .files import output_url
from .generations import find_generation, generation_json


async def delete_generation(request: Request) -> JSONResponse:
    """Only terminal generations can be deleted; the reply is the deleted generation (200)."""
    require_auth(request)
    state = sandbox_state(request)
    record = find_generation(request)
    status = record.status_at(state.now())
    if status not in TERMINAL_STATUSES:
        raise fail(
            409,
            "generation_not_deletable_while_processing",
            f"Generation {record.id} is {status}; only COMPLETED, FAILED or REJECTED generations can be deleted.",
            field="id",
        )
    deleted = generation_json(request, record)
    state.delete_generation(record.id)
    return JSONResponse(deleted)


async def download_url(request: Request) -> PlainTextResponse:
    """The bare signed URL of the output, as `text/plain` (not JSON, not a redirect)."""
    require_auth(request)
    state = sandbox_state(request)
    record = find_generation(request)
    status = record.status_at(state.now())
    if status != "COMPLETED":
        # [INF] The reference documents this endpoint for completed generations only and does not say how
        # others are refused; a 409 with the catalog's generation-state conflict code is our reading.
        raise fail(
            409,
            "generation_conflict",
            f"Generation {record.id} is {status}; only a COMPLETED generation has an output to download.",
            field="id",
        )
    # [INF] Watermark selection by plan (reference §3.8) is not emulated: every plan gets the one output.
    return PlainTextResponse(output_url(public_base_url(request), record))


routes = [
    Route("/v2/generations/{id}", delete_generation, methods=["DELETE"]),
    Route("/v2/generations/{id}/download", download_url, methods=["GET"]),
]
