"""Task handles: what the tasks extension (server/tasks.py) remembers of a task, and where it is kept.

A handle holds the generation it follows, the tool that started it, its owner (the verified principal and a
digest of the caller's API key: no key is stored), the tool's first result and the task's latest status. It
expires `ttl_seconds` after creation (`TaskExpiredError`, once, then it is forgotten). A final status
(`completed`, `failed`, `cancelled`), once recorded, never changes.

`TaskHandles` is where handles are kept: in this process (`TaskStore`, the default, bounded per caller to
`MAX_TASKS_PER_CALLER`, a caller's own oldest handle dropped first, so one caller's flood never drops another
caller's handle; `MAX_TASKS` overall is a last resort above that), or in Redis with `SYNC_MCP_REDIS_URL`
(backend/shared_tasks.py), where any replica answers for any task.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

DEFAULT_TTL_SECONDS = 24 * 3600.0
MAX_TASKS_PER_CALLER = 1_000
"""Handles one caller may hold: in memory its oldest makes room; in Redis a new one is refused past it."""
MAX_TASKS = 100_000

TaskStatus = Literal["working", "input_required", "completed", "failed", "cancelled"]
FINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})

Principal = tuple[str, str | None, str | None]
Owner = tuple[Principal | None, str | None]
"""Whose a task is: (verified HTTP principal, digest of the caller's own API key); (None, None) on stdio and in
memory (toolkit/state.py `owner`)."""


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class TaskHandle:
    generation_id: str
    tool: str
    owner: Owner
    expires_at: float
    carried: dict[str, Any] = field(default_factory=dict)
    """The tool's own first result (e.g. lipsync's idempotencyKey, uploads, warnings), kept for the final one."""
    status: TaskStatus = "working"
    status_message: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    created_at: str = field(default_factory=_now_iso)
    last_updated_at: str = field(default_factory=_now_iso)

    def settle(self, status: TaskStatus, message: str | None, **payload: dict[str, Any] | None) -> None:
        if self.status in FINAL:  # terminal states never change
            return
        changed = (status, message) != (self.status, self.status_message)
        self.status, self.status_message = status, message
        self.result = payload.get("result", self.result)
        self.error = payload.get("error", self.error)
        if changed:
            self.last_updated_at = _now_iso()


class TaskExpiredError(LookupError):
    pass


class TaskLimitReached(RuntimeError):
    """A caller holds as many task handles as a shared store allows (`MAX_TASKS_PER_CALLER` within the TTL)."""


class TaskHandles(Protocol):
    """Where handles are kept: this process (`TaskStore`) or Redis (`shared_tasks.SharedTaskStore`). Shared
    stores raise `SharedStateUnavailable` when they cannot answer."""

    ttl_seconds: float

    async def ready(self) -> bool:
        """Whether a task can be started now (a shared store checks that Redis answers)."""
        ...

    def seal_owner(self, owner: Owner) -> Owner:
        """The owner as this store records it (a shared store keeps a keyed digest of the caller's key digest);
        handles are opened for, and compared with, sealed owners."""
        ...

    async def open(
        self, generation_id: str, tool: str, owner: Owner, *, carried: dict[str, Any], status_message: str
    ) -> tuple[str, TaskHandle]:
        """A new handle (its id is an unguessable bearer handle)."""
        ...

    async def load(self, task_id: str) -> TaskHandle | None:
        """The live handle or None; raises `TaskExpiredError` (once) when it outlived its TTL."""
        ...

    async def settle(
        self, task_id: str, handle: TaskHandle, status: TaskStatus, message: str | None, **payload: Any
    ) -> None:
        """Record a new status of `handle` (updated in place). A final status, once recorded, never changes: the
        first one recorded (by any replica) wins and `handle` then shows it."""
        ...


class TaskStore:
    """Task id -> handle, bounded, with a time-to-live from creation."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tasks: int = MAX_TASKS,
        max_per_caller: int = MAX_TASKS_PER_CALLER,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._max = max_tasks
        self._per_caller = max_per_caller
        self._tasks: OrderedDict[str, TaskHandle] = OrderedDict()
        self._owned: dict[Owner, OrderedDict[str, None]] = {}

    def create(self, generation_id: str, tool: str, owner: Owner) -> str:
        self._purge()
        task_id = secrets.token_urlsafe(32)  # a bearer handle: unguessable, never sequential
        self._tasks[task_id] = TaskHandle(generation_id, tool, owner, self._clock() + self.ttl_seconds)
        mine = self._owned.setdefault(owner, OrderedDict())
        mine[task_id] = None
        while len(mine) > self._per_caller:  # the caller's own oldest handle makes room
            self._drop(next(iter(mine)))
        while len(self._tasks) > self._max:
            self._drop(next(iter(self._tasks)))
        return task_id

    def _drop(self, task_id: str) -> None:
        handle = self._tasks.pop(task_id, None)
        if handle is None:
            return
        mine = self._owned.get(handle.owner)
        if mine is not None:
            mine.pop(task_id, None)
            if not mine:
                del self._owned[handle.owner]

    def find(self, task_id: str) -> TaskHandle | None:
        """The live handle, or None when unknown; raises `TaskExpiredError` (once) when it outlived its TTL."""
        handle = self._tasks.get(task_id)
        if handle is not None and self._clock() >= handle.expires_at:
            self._drop(task_id)
            raise TaskExpiredError(task_id)
        return handle

    def _purge(self) -> None:
        now = self._clock()
        for task_id in [t for t, h in self._tasks.items() if now >= h.expires_at]:
            self._drop(task_id)

    # `TaskHandles`, in this process
    async def ready(self) -> bool:
        return True

    def seal_owner(self, owner: Owner) -> Owner:
        return owner

    async def open(
        self, generation_id: str, tool: str, owner: Owner, *, carried: dict[str, Any], status_message: str
    ) -> tuple[str, TaskHandle]:
        task_id = self.create(generation_id, tool, owner)
        handle = self._tasks[task_id]
        handle.carried, handle.status_message = carried, status_message
        return task_id, handle

    async def load(self, task_id: str) -> TaskHandle | None:
        return self.find(task_id)

    async def settle(
        self, task_id: str, handle: TaskHandle, status: TaskStatus, message: str | None, **payload: Any
    ) -> None:
        handle.settle(status, message, **payload)
