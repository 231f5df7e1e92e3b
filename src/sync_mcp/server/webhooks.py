"""The webhook receiver (HTTP mode): `POST /webhooks/sync`, verified as reference §12 describes.

The raw body is checked against `Sync-Signature` (HMAC-SHA256, constant-time, 5-minute tolerance) before
it is parsed; a refused delivery changes nothing. An accepted one ends waits for that generation and
tells subscribers its resource changed, on every replica when state is shared in Redis. Repeats of an
(id, status) already taken, by any replica, are acknowledged and ignored; while Redis is unreachable a delivery
is answered 503 (nothing taken). Custom routes are not behind the MCP bearer token: the signature is this
route's authentication.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sync_mcp.api.webhooks import SIGNATURE_HEADER, WebhookError, parse_payload, verify
from sync_mcp.backend import SharedStateUnavailable
from sync_mcp.backend.deliveries import Deliveries
from sync_mcp.config import WEBHOOK_PATH
from sync_mcp.guidance import failures

from .updates import GenerationUpdates

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""A generation status update is a few KB; anything far larger is refused unread."""


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise WebhookError(413, "body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise WebhookError(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def add_webhook_receiver(
    server: MCPServer[Any], *, secret: str, deliveries: Deliveries, updates: GenerationUpdates
) -> None:
    """Serve `POST /webhooks/sync` on the server's HTTP app (register before building the app)."""
    deliveries.receiving = True

    @server.custom_route(WEBHOOK_PATH, methods=["POST"], include_in_schema=False)
    async def receive_webhook(request: Request) -> Response:
        try:
            raw = await _body(request)
            verify(secret, request.headers.get(SIGNATURE_HEADER), raw)
            payload = parse_payload(raw)
        except WebhookError as exc:
            logger.warning("webhook delivery refused (%d): %s", exc.status, exc.message)
            return JSONResponse({"error": exc.message}, exc.status)
        generation = payload.to_generation()
        try:
            fresh = await deliveries.accept(generation)
        except SharedStateUnavailable as exc:  # nothing taken: the sender may deliver again
            logger.warning("webhook delivery for generation %s not taken: %s", generation.id, exc)
            info = failures.delivery_without_shared_state()
            return JSONResponse(info.to_wire(), 503, headers={"Retry-After": str(round(failures.RETRY_AFTER_SECONDS))})
        if fresh:
            logger.info("webhook: generation %s is %s", generation.id, generation.status)
            await updates.observe(generation)
        return JSONResponse({"received": True, "duplicate": not fresh})
