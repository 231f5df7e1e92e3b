"""Webhook deliveries (reference §12): when a generation created with `webhookUrl` reaches COMPLETED or
FAILED, the sandbox POSTs the "Generation Status Update" payload to it, signed with the organisation's
webhook secret (`Sync-Signature: t=...,v1=...`).

Deliveries run on the sandbox's own event loop, scheduled for the generation's terminal moment, so they
never hold up request handling. Like the API (as far as is known), a delivery is attempted once, without
retries. Every attempt is logged in the `WebhookOutbox` store (`webhook_outbox(state).deliveries`);
`reset()` discards the outbox, and deliveries scheduled before it are dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request

from .http import sandbox_config, sandbox_state
from .state import GenerationRecord, SandboxState

logger = logging.getLogger(__name__)

STORE_NAME = "webhooks"
DELIVERED_STATUSES = frozenset({"COMPLETED", "FAILED"})
"""[INF] The payload reference documents only these two; a REJECTED generation is not delivered."""
DELIVERY_TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "Sync-Signature"
"""§12: `Sync-Signature: t=<unix-seconds>,v1=<hex>`."""
PAYLOAD_FIELDS = (
    "id", "status", "createdAt", "model", "input", "options", "outputUrl", "outputDuration", "segmentOutputUrl",
    "webhookUrl", "error",
)  # fmt: skip
"""§12 "Generation Status Update" table, in its order; the failure code follows as `error_code` (snake_case
here). The payload omits `outputFileName`, `projectId` and `synthesizedAudioUrl` [3P], and `segments`."""

Render = Callable[[Request, GenerationRecord], dict[str, Any]]


@dataclass(frozen=True)
class WebhookDelivery:
    """One delivery attempt: where, what, and how the receiver answered."""

    url: str
    generation_id: str
    status: str
    """The generation status delivered."""
    http_status: int | None
    """The receiver's reply status; None when it could not be reached."""
    error: str | None = None


class WebhookOutbox:
    def __init__(self) -> None:
        self.deliveries: list[WebhookDelivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()

    def log(self, delivery: WebhookDelivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)  # keep a reference until done
        task.add_done_callback(self._tasks.discard)


def webhook_outbox(state: SandboxState) -> WebhookOutbox:
    return state.store(STORE_NAME, WebhookOutbox)


def payload_of(generation: dict[str, Any]) -> bytes:
    """The delivered body (§12) of a generation as `GET /v2/generate/{id}` shows it: the table's fields that are
    set, `errorCode` renamed `error_code`, as compact JSON."""
    payload = {name: generation[name] for name in PAYLOAD_FIELDS if generation.get(name) is not None}
    if generation.get("errorCode") is not None:
        payload["error_code"] = generation["errorCode"]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed(secret: str, raw: bytes, timestamp: int | None = None) -> str:
    """The `Sync-Signature` value (§12): `v1` is the hex HMAC-SHA256 of `t + "." + raw body`, keyed with the
    whole `whsec_...` secret ([INF]: the reference's two third-party implementations agree on it)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), str(t).encode("ascii") + b"." + raw, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def schedule_webhook(request: Request, record: GenerationRecord, render: Render) -> None:
    """Deliver `record` to its `webhookUrl` once it reaches a terminal status (no-op without one).

    `render(request, record)` gives the generation as the API would answer it at that moment.
    """
    url = record.body.get("webhookUrl")
    if not isinstance(url, str) or not url:
        return
    state = sandbox_state(request)
    outbox = webhook_outbox(state)
    loop = asyncio.get_running_loop()

    def fire() -> None:
        if state.stores.get(STORE_NAME) is not outbox:  # reset since: the generation is forgotten
            return
        remaining = record.terminal_at - state.now()
        if remaining > 0:  # the loop's clock ran slightly ahead of the state's
            loop.call_later(remaining, fire)
            return
        outbox.spawn(_deliver(request, record, url, render, outbox))

    loop.call_later(max(0.0, record.terminal_at - state.now()), fire)


async def _deliver(request: Request, record: GenerationRecord, url: str, render: Render, outbox: WebhookOutbox) -> None:
    generation = render(request, record)
    status = str(generation.get("status"))
    if status not in DELIVERED_STATUSES:
        return
    raw = payload_of(generation)
    headers = {
        "content-type": "application/json",
        SIGNATURE_HEADER: signed(sandbox_config(request).webhook_secret, raw),
    }
    try:
        async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_SECONDS, follow_redirects=False) as http:
            reply = await http.post(url, content=raw, headers=headers)
    except httpx.HTTPError as exc:
        logger.info("webhook for %s to %s failed: %s", record.id, url, type(exc).__name__)
        outbox.log(WebhookDelivery(url, record.id, status, None, type(exc).__name__))
        return
    outbox.log(WebhookDelivery(url, record.id, status, reply.status_code))
