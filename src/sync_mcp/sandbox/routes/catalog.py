"""Catalogue endpoints: `GET /v2/errors` (no auth, reference §10) and `GET /v2/models` (reference §4.1)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sync_mcp.api.capabilities import MODELS

from ..errors import catalog
from ..http import require_auth, sandbox_config


async def list_errors(request: Request) -> JSONResponse:
    """The sandbox catalog (bundled snapshot + live-only codes) in wire shape (`fix` is `suggestion` on the
    wire). No key needed."""
    entries = [{"code": e.code, "message": e.message, "suggestion": e.fix} for e in catalog().values()]
    return JSONResponse(entries)


def _version(model_id: str) -> str:
    # [INF] The live `version` values were not recovered; the id's part after the family name stands in.
    return model_id.split("-", 1)[1] if "-" in model_id else model_id


async def list_models(request: Request) -> JSONResponse:
    require_auth(request)
    available = sandbox_config(request).available_models
    models = [
        {"id": m.id, "name": m.id, "type": m.type, "version": _version(m.id), "description": m.summary}  # §4.1
        for m in MODELS.values()
        if available is None or m.id in available
    ]
    return JSONResponse(models)


routes = [
    Route("/v2/errors", list_errors, methods=["GET"]),
    Route("/v2/models", list_models, methods=["GET"]),
]
