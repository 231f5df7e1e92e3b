"""The server's state backend: where the state that replicas must share lives, in one of two implementations.

- `InProcessBackend` (the default): this process's memory, nothing to install. One replica: a second one would
  not know the first one's tasks, deliveries, subscribers or sign-ins.
- `RedisBackend` (`SYNC_MCP_REDIS_URL`): every replica reads and writes one Redis (backend/redis_store.py), so
  any replica answers any request: task handles (backend/shared_tasks.py), generation sightings and
  subscription fan-out on both protocol eras (server/updates.py), verified webhook deliveries
  (backend/deliveries.py), OAuth sign-ins (backend/oauth_store.py), upload links (services/upload_links.py,
  kept in backend/entries.py or Redis: minted on one replica, used on another), spend estimates
  (backend/spend_memory.py), and the key that seals multi-round-trip request state (`SharedRequestStateCodec`),
  so a confirmation asked on one replica may be answered on another.

The stores themselves, in-process and Redis alike, are in backend/; this module picks them and wires them in.

Every key is under `SYNC_MCP_REDIS_NAMESPACE` and has a TTL; no value holds an API key (owners are digests, keyed
with SYNC_MCP_SECRET_KEY when it is set; OAuth keys are sealed). Redis down at start: the server refuses to start
(`StateBackendError`). Redis lost while serving: requests that need it answer a retryable `shared_state_unavailable`
error (tool results, JSON-RPC errors' `data`, and HTTP 503 from the OAuth and webhook endpoints:
`SharedStateErrors`), nothing stored is lost, and the server recovers by itself when Redis returns. Never a fallback
to this process's memory.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.request_state import AESGCMRequestStateCodec, InvalidRequestState, RequestStateSecurity
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_mcp.backend import RedisStore, SharedStateUnavailable, redis_password
from sync_mcp.backend.deliveries import Deliveries, DeliveryBoard, SharedDeliveryBoard
from sync_mcp.backend.entries import InProcessEntries
from sync_mcp.backend.oauth_store import OAuthStore, RedisOAuthStore
from sync_mcp.backend.shared_tasks import SharedTaskStore
from sync_mcp.backend.spend_memory import InProcessSpendMemory, SharedSpendMemory, SpendMemory
from sync_mcp.backend.task_handles import TaskHandles, TaskStore
from sync_mcp.config import Settings
from sync_mcp.guidance import failures
from sync_mcp.services.upload_links import UploadLinks
from sync_mcp.telemetry import redactor

from .updates import GenerationUpdates

logger = logging.getLogger(__name__)

REQUEST_STATE_KEY_TTL = 30 * 24 * 3600.0
"""The shared request-state key lives this long, renewed at every start and reconnection."""
REQUEST_STATE_KEYS_KEPT = 3


class StateBackend:
    """What the server builds its stores from (see the module docstring)."""

    kind: str = "in-process"
    shared: bool = False

    def task_store(self) -> TaskHandles:
        return TaskStore()

    def updates(self) -> GenerationUpdates:
        return GenerationUpdates()

    def deliveries(self) -> Deliveries:
        return DeliveryBoard()

    def spend_memory(self) -> SpendMemory:
        return InProcessSpendMemory()

    def upload_links(self) -> UploadLinks:
        return UploadLinks(InProcessEntries())

    def oauth_store(self) -> OAuthStore | None:
        """None: the OAuth setup keeps its own in-process store."""
        return None

    def request_state_security(self) -> RequestStateSecurity | None:
        """None: the SDK's per-process key (a round trip must come back to the same process)."""
        return None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Around the server's lifespan: connect (or refuse to start), and disconnect."""
        yield

    def attach(self, app: Starlette) -> None:
        """On the HTTP app, once built."""

    async def reachable(self) -> bool:
        """Can requests that need the shared state be served now (`/readyz`)?"""
        return True


class InProcessBackend(StateBackend):
    pass


class RedisBackend(StateBackend):
    kind = "redis"
    shared = True

    def __init__(self, url: str, *, namespace: str, secret: str | None = None) -> None:
        redactor.add(redis_password(url))
        self.store = RedisStore(url, namespace=namespace, secret=secret)
        self._codec = SharedRequestStateCodec(self.store)

    def __repr__(self) -> str:
        return f"RedisBackend({self.store.where!r}, namespace={self.store.namespace!r})"

    def task_store(self) -> TaskHandles:
        return SharedTaskStore(self.store)

    def updates(self) -> GenerationUpdates:
        return GenerationUpdates(shared=self.store)

    def deliveries(self) -> Deliveries:
        return SharedDeliveryBoard(self.store)

    def spend_memory(self) -> SpendMemory:
        return SharedSpendMemory(self.store)

    def upload_links(self) -> UploadLinks:
        return UploadLinks(self.store)

    def oauth_store(self) -> OAuthStore | None:
        return RedisOAuthStore(self.store)

    def request_state_security(self) -> RequestStateSecurity | None:
        return RequestStateSecurity(codec=self._codec)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        await self.store.start()
        try:
            await self._codec.load()
            yield
        finally:
            await self.store.stop()

    def attach(self, app: Starlette) -> None:
        app.add_middleware(SharedStateErrors)

    async def reachable(self) -> bool:
        return await self.store.check()


def state_backend(settings: Settings) -> StateBackend:
    """The backend `settings` ask for: Redis with SYNC_MCP_REDIS_URL, else this process."""
    url = settings.shared_state_url()
    if url is None:
        return InProcessBackend()
    secret = settings.oauth_secret.get_secret_value() if settings.oauth_secret else None
    return RedisBackend(url, namespace=settings.redis_namespace, secret=secret or None)


class SharedStateCodecError(InvalidRequestState):
    pass


class SharedRequestStateCodec:
    """The SDK's AES-GCM request-state codec with its key kept in Redis (`request-state-key`), the same on every
    replica. Each replica adopts the key it finds at start and after each reconnection (storing a new random
    one only if there is none), and keeps the last few for opening state sealed before a change."""

    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self._keys: list[str] = []
        self._codec: AESGCMRequestStateCodec | None = None
        store.on_recovery(self.load)

    async def load(self) -> None:
        key = self._store.key("request-state-key")
        await self._store.add(key, secrets.token_hex(32), REQUEST_STATE_KEY_TTL)
        current = await self._store.refresh(key, REQUEST_STATE_KEY_TTL)
        if current is None or (self._keys and self._keys[0] == current):
            return
        self._keys = [current, *(k for k in self._keys if k != current)][:REQUEST_STATE_KEYS_KEPT]
        self._codec = AESGCMRequestStateCodec(self._keys)

    def seal(self, payload: bytes) -> str:
        if self._codec is None:
            raise SharedStateCodecError("the shared request-state key is not loaded")
        return self._codec.seal(payload)

    def unseal(self, token: str) -> bytes:
        if self._codec is None:
            raise SharedStateCodecError("the shared request-state key is not loaded")
        return self._codec.unseal(token)


class SharedStateErrors:
    """HTTP (Redis mode): a request outside MCP's own error handling (OAuth endpoints, token checks, the sign-in
    page) that needed Redis while it was unreachable gets 503 with the structured, retryable error, and the OAuth
    `temporarily_unavailable` code, instead of a bare 500; a client retries rather than signing in again."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except SharedStateUnavailable as exc:
            if started:
                raise
            logger.warning("%s %s answered 503: %s", scope.get("method"), scope.get("path"), exc)
            info = failures.shared_state_unavailable()
            body: dict[str, Any] = {
                "error": "temporarily_unavailable",
                "error_description": info.message,
                **info.to_wire(),
            }
            response = JSONResponse(
                body,
                503,
                headers={"Retry-After": str(round(failures.RETRY_AFTER_SECONDS)), "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)
