"""Task handles in Redis (`SYNC_MCP_REDIS_URL`): a task created on one replica is answered by every replica.

Each caller may open `MAX_TASKS_PER_CALLER` handles per TTL (a counter per caller, `task-count:<digest>`); past
that `open` raises `TaskLimitReached` and the tool's own result is answered instead of a task, so one caller's
flood never touches another caller's handles. Two entries per task, both under the deployment's namespace and
both with a TTL:
- `task:<id>`: the handle (generation id, tool, owner, the tool's first result, the latest working status),
  stored for the task's TTL plus a grace hour, so a task polled after its TTL is told it expired (and then
  forgotten) rather than not found; Redis drops it after that, no sweep involved;
- `task:<id>:final`: the final status with the task's result, written only if absent (SET NX): of two replicas
  settling one task at once (a poll seeing COMPLETED, a cancel), the first wins, and terminal states never change.

The owner is the verified principal and a digest of the caller's own key, keyed with SYNC_MCP_SECRET_KEY when
the server has one (`RedisStore.digest`): no API key is stored, nor a plain hash anyone could test guesses
on. Wall-clock expiry, so replicas need synchronised clocks (as TLS and OAuth do anyway).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from .redis_store import RedisStore
from .task_handles import (
    DEFAULT_TTL_SECONDS,
    FINAL,
    MAX_TASKS_PER_CALLER,
    Owner,
    TaskExpiredError,
    TaskHandle,
    TaskLimitReached,
    TaskStatus,
)

EXPIRED_GRACE_SECONDS = 3600.0
"""How long after its TTL an expired handle is still recognised as expired (then it is simply unknown)."""


def _owner_to_wire(owner: Owner) -> list[Any]:
    principal, digest = owner
    return [list(principal) if principal is not None else None, digest]


def _owner_from_wire(value: Any) -> Owner:
    principal, digest = value
    return (tuple(principal) if principal is not None else None), digest  # type: ignore[return-value]


class SharedTaskStore:
    """`TaskHandles` in Redis (see the module docstring)."""

    def __init__(
        self,
        store: RedisStore,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        *,
        clock: Callable[[], float] = time.time,
        max_per_caller: int = MAX_TASKS_PER_CALLER,
    ) -> None:
        self._store = store
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._per_caller = max_per_caller

    def _keys(self, task_id: str) -> tuple[str, str]:
        key = self._store.key("task", task_id)
        return key, f"{key}:final"

    def seal_owner(self, owner: Owner) -> Owner:
        principal, key_digest = owner
        return principal, (self._store.digest(key_digest) if key_digest else key_digest)

    async def ready(self) -> bool:
        """Whether Redis answers now (a task is started only then)."""
        return await self._store.check()

    async def open(
        self, generation_id: str, tool: str, owner: Owner, *, carried: dict[str, Any], status_message: str
    ) -> tuple[str, TaskHandle]:
        caller = self._store.digest(json.dumps(_owner_to_wire(owner)))
        if await self._store.count(self._store.key("task-count", caller), self.ttl_seconds) > self._per_caller:
            raise TaskLimitReached(tool)
        task_id = secrets.token_urlsafe(32)  # a bearer handle: unguessable, never sequential
        handle = TaskHandle(generation_id, tool, owner, self._clock() + self.ttl_seconds, carried=carried)
        handle.status_message = status_message
        await self._store.add(self._keys(task_id)[0], self._encode(handle), self.ttl_seconds + EXPIRED_GRACE_SECONDS)
        return task_id, handle

    async def load(self, task_id: str) -> TaskHandle | None:
        key, final_key = self._keys(task_id)
        raw, final = await self._store.get_many([key, final_key])
        if raw is None:
            return None
        handle = self._decode(raw)
        if self._clock() >= handle.expires_at:
            await self._store.delete(final_key)
            await self._store.delete(key)
            raise TaskExpiredError(task_id)
        if final is not None:
            self._apply_final(handle, final)
        return handle

    async def settle(
        self, task_id: str, handle: TaskHandle, status: TaskStatus, message: str | None, **payload: Any
    ) -> None:
        if handle.status in FINAL:
            return
        before = (handle.status, handle.status_message)
        handle.settle(status, message, **payload)
        key, final_key = self._keys(task_id)
        if handle.status in FINAL:
            record = {
                "status": handle.status,
                "status_message": handle.status_message,
                "result": handle.result,
                "error": handle.error,
                "last_updated_at": handle.last_updated_at,
            }
            ttl = max(handle.expires_at - self._clock(), 1.0) + EXPIRED_GRACE_SECONDS
            if not await self._store.add(final_key, json.dumps(record, separators=(",", ":")), ttl):
                winner = await self._store.get(final_key)  # another replica settled it first: show what it recorded
                if winner is not None:
                    self._apply_final(handle, winner)
        elif (handle.status, handle.status_message) != before:
            await self._store.replace(key, self._encode(handle))

    # ------------------------------------------------------------------------------------------ records

    @staticmethod
    def _encode(handle: TaskHandle) -> str:
        record = {
            "generation_id": handle.generation_id,
            "tool": handle.tool,
            "owner": _owner_to_wire(handle.owner),
            "expires_at": handle.expires_at,
            "carried": handle.carried,
            "status": handle.status,
            "status_message": handle.status_message,
            "created_at": handle.created_at,
            "last_updated_at": handle.last_updated_at,
        }
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def _decode(raw: str) -> TaskHandle:
        record = json.loads(raw)
        return TaskHandle(
            generation_id=record["generation_id"],
            tool=record["tool"],
            owner=_owner_from_wire(record["owner"]),
            expires_at=float(record["expires_at"]),
            carried=dict(record.get("carried") or {}),
            status=record.get("status", "working"),
            status_message=record.get("status_message"),
            created_at=record["created_at"],
            last_updated_at=record["last_updated_at"],
        )

    @staticmethod
    def _apply_final(handle: TaskHandle, raw: str) -> None:
        record = json.loads(raw)
        handle.status = record["status"]
        handle.status_message = record.get("status_message")
        handle.result = record.get("result")
        handle.error = record.get("error")
        handle.last_updated_at = record.get("last_updated_at", handle.last_updated_at)
