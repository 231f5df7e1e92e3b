"""`GET /v2/organizations/webhook/secret`: the organisation's webhook signing secret (reference §12, 3P).

Deliveries themselves are made by `sandbox/webhooks.py` when a generation created with `webhookUrl` ends.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..http import require_auth, sandbox_config


async def webhook_secret(request: Request) -> JSONResponse:
    require_auth(request)
    return JSONResponse({"secret": sandbox_config(request).webhook_secret})


routes = [Route("/v2/organizations/webhook/secret", webhook_secret, methods=["GET"])]
