"""Everything the sandbox remembers, in memory: generations, idempotency keys, the request log, and
scripted failures and faults.

A generation's status is never stored: it is computed from the time elapsed since creation
(PENDING for `pending_seconds`, PROCESSING for `processing_seconds`, then the terminal status), so a
poll, a long-poll and a list always agree, and nothing has to run in the background.

Mutations take a lock: the server runs on its own thread (see `runner.py`) while tests read the log
and script failures from theirs.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel

from .config import SandboxConfig
from .errors import message_for

ACTIVE_STATUSES = frozenset({"PENDING", "PROCESSING"})
FailureStatus = Literal["FAILED", "REJECTED"]
StoreT = TypeVar("StoreT")
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass
class RecordedRequest:
    """One request received under /v2 (what was sent, never the key itself)."""

    method: str
    path: str
    query: str
    """The raw query string, without the leading `?` (empty when none)."""
    idempotency_key: str | None
    """The `Idempotency-Key` header as received (several headers are joined with ", ")."""
    has_api_key: bool
    """Whether an `x-api-key` header was present (its value is never recorded)."""
    body: Any
    """The parsed JSON body, or None (no body, or not JSON)."""
    status: int | None = None
    """HTTP status of the reply, once sent."""
    disconnected: bool = False
    """The client closed the connection before the reply was sent (seen during a scripted delay)."""
    key_fingerprint: str | None = None
    """`http.key_fingerprint` of the `x-api-key` sent (tells users' keys apart; the key is never kept)."""
    error_code: str | None = None
    """`errorCode` of an error reply (4xx/5xx with a JSON body), once sent."""
    error_field: str | None = None
    """`field` of an error reply, once sent."""


@dataclass(frozen=True)
class ScriptedFailure:
    """How a generation ends instead of COMPLETED."""

    error_code: str
    status: FailureStatus = "FAILED"
    error: str | None = None
    """Human-readable `error`; defaults to the catalog message of `error_code`."""

    @property
    def message(self) -> str:
        return self.error or message_for(self.error_code)


@dataclass
class ScriptedFault:
    """An HTTP-level fault for the next matching /v2 request(s): an error reply, a delay, a dropped
    connection, or a combination.

    With `after_handling`, the request is processed normally first (a create really creates) and its
    reply is then replaced by the fault: the "accepted, but the answer was lost" case of reference §13.
    """

    status: int | None = 503
    """Reply status; None = no error reply (use with `delay` for a slow but normal answer)."""
    error_code: str | None = None
    message: str | None = None
    method: str | None = None
    """Only requests with this method (None = any)."""
    path: str | None = None
    """Only requests whose path starts with this (None = any /v2 path)."""
    retry_after: float | None = None
    """Value of a `Retry-After` header on the error reply."""
    delay: float = 0.0
    """Seconds to wait before answering."""
    after_handling: bool = False
    times: int = 1
    """How many matching requests this fault applies to."""
    drop: bool = False
    """Close the connection instead of replying (the status line goes out, the body never completes), so
    the client sees a broken connection; `status` is then not used."""
    report_generation_id: bool = False
    """With `after_handling`: put the id of the generation the request created (or replayed) into the
    error body as `generationId`, as the API does on 503 IDEMPOTENCY_OUTCOME_UNKNOWN (reference §13)."""

    def __post_init__(self) -> None:
        if self.status is not None and not (isinstance(self.status, int) and 400 <= self.status <= 599):
            raise ValueError("status must be an HTTP error status (400-599) or None")
        if not isinstance(self.delay, (int, float)) or self.delay < 0:
            raise ValueError("delay must be a number of seconds >= 0")
        if not isinstance(self.times, int) or self.times < 1:
            raise ValueError("times must be an integer >= 1")
        if self.status is None and self.after_handling and not self.drop:
            raise ValueError("after_handling needs an error status or drop")
        if self.report_generation_id and not self.after_handling:
            raise ValueError("report_generation_id needs after_handling")

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method.upper()) and (
            self.path is None or path.startswith(self.path)
        )


@dataclass
class GenerationRecord:
    id: str
    seq: int
    """Creation order (ties of `createdAt` broken)."""
    created: float
    """Monotonic time of creation."""
    created_at: str
    body: dict[str, Any]
    """The request body as accepted (outputFileName already sanitised)."""
    output_file_name: str | None
    source: str
    pending_seconds: float
    processing_seconds: float
    failure: ScriptedFailure | None
    signature: str
    """Signature of the output URL (decoded form; contains `/` and `+`, so its URL form has %2F and %2B)."""
    expires: int
    """Unix time after which the output URL is refused."""
    owner: str | None = None
    """Who created it (`asset_store.owner_of` of the creator's key), for `currentUserOnly` and usage items."""
    output_seconds: float = 0.0
    """How long its output lasts, worked out from its inputs at creation (durations.py)."""

    @property
    def finished_at(self) -> datetime:
        """Wall-clock time of the terminal status (reached or still to come)."""
        started = datetime.fromisoformat(self.created_at.replace("Z", "+00:00"))
        return started + timedelta(seconds=self.terminal_at - self.created)

    @property
    def terminal_at(self) -> float:
        """Monotonic time at which the generation reaches its terminal status.

        [INF] A REJECTED generation is refused before processing, so it goes PENDING -> REJECTED.
        """
        if self.failure is not None and self.failure.status == "REJECTED":
            return self.created + self.pending_seconds
        return self.created + self.pending_seconds + self.processing_seconds

    def status_at(self, now: float) -> str:
        if now >= self.terminal_at:
            return self.failure.status if self.failure is not None else "COMPLETED"
        if now < self.created + self.pending_seconds:
            return "PENDING"
        return "PROCESSING"

    def progress_at(self, now: float) -> float | None:
        """`progress_percent` ([INF]: 0 while queued, linear while processing, 100 when completed,
        null for a failed or rejected generation, whose progress the reference does not describe)."""
        status = self.status_at(now)
        if status == "PENDING":
            return 0.0
        if status == "PROCESSING":
            done = (now - self.created - self.pending_seconds) / max(self.processing_seconds, 1e-9)
            return round(min(99.0, max(0.0, done * 100)), 1)
        return 100.0 if status == "COMPLETED" else None


@dataclass(frozen=True)
class IdempotencyEntry:
    body_hash: str
    generation_id: str


@dataclass
class SandboxState:
    config: SandboxConfig = field(default_factory=SandboxConfig)
    clock: Callable[[], float] = time.monotonic
    generations: dict[str, GenerationRecord] = field(default_factory=dict)
    idempotency: dict[str, IdempotencyEntry] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    scripted_failures: list[ScriptedFailure] = field(default_factory=list)
    faults: list[ScriptedFault] = field(default_factory=list)
    honor_wait: bool = True
    """When False, `wait=true` polls are answered at once, as by a server that ignores the parameter
    (for testing client-side wait loops)."""
    stores: dict[str, Any] = field(default_factory=dict)
    """Per-domain stores of route modules (projects, voices, batches, ...), created on first use by
    `store()` and dropped by `reset()`."""
    _waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=set, repr=False)
    _seq: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # ------------------------------------------------------------------------------------ scripting

    def script_generation_failure(
        self, error_code: str, status: FailureStatus = "FAILED", error: str | None = None
    ) -> None:
        """Make the next created generation end with `status` and `error_code` instead of COMPLETED."""
        if status not in ("FAILED", "REJECTED"):
            raise ValueError("status must be FAILED or REJECTED")
        if not error_code:
            raise ValueError("error_code is required")
        with self._lock:
            self.scripted_failures.append(ScriptedFailure(error_code=error_code, status=status, error=error))

    def script_fault(self, fault: ScriptedFault | None = None, **kwargs: Any) -> ScriptedFault:
        """Queue an HTTP fault (see `ScriptedFault`); pass one or its fields as keywords."""
        fault = fault or ScriptedFault(**kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> ScriptedFault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def reset(self) -> None:
        """Forget all generations, keys, logged requests, scripted failures, faults and domain stores."""
        with self._lock:
            self.generations.clear()
            self.idempotency.clear()
            self.requests.clear()
            self.scripted_failures.clear()
            self.faults.clear()
            self.stores.clear()

    def store(self, name: str, factory: Callable[[], StoreT]) -> StoreT:
        """The domain store `name`, created with `factory()` on first use (and again after `reset()`)."""
        with self._lock:
            if name not in self.stores:
                self.stores[name] = factory()
            return cast(StoreT, self.stores[name])

    # ------------------------------------------------------------------------------------ long-polls

    async def sleep_until(self, seconds: float) -> None:
        """Sleep `seconds` (a long-poll), or less if `wake_long_polls` is called meanwhile."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(event.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    def wake_long_polls(self) -> None:
        """End every pending long-poll now (they answer with the current state); safe from any thread."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    # ------------------------------------------------------------------------------------ requests

    def record_request(self, request: RecordedRequest) -> RecordedRequest:
        with self._lock:
            self.requests.append(request)
        return request

    # ------------------------------------------------------------------------------------ generations

    def now(self) -> float:
        return self.clock()

    def generation_count(self) -> int:
        return len(self.generations)

    def get(self, generation_id: str) -> GenerationRecord | None:
        return self.generations.get(generation_id)

    def all_generations(self) -> list[GenerationRecord]:
        """Every generation, oldest first."""
        with self._lock:
            return sorted(self.generations.values(), key=lambda r: r.seq)

    def active(self, now: float | None = None) -> list[GenerationRecord]:
        now = self.now() if now is None else now
        return [r for r in self.all_generations() if r.status_at(now) in ACTIVE_STATUSES]

    def create_generation(
        self,
        body: dict[str, Any],
        *,
        output_file_name: str | None,
        source: str,
        failure: ScriptedFailure | None = None,
        owner: str | None = None,
        output_seconds: float = 0.0,
    ) -> GenerationRecord:
        """Store a new generation. A scripted failure, if queued, wins over `failure` (a magic URL)."""
        with self._lock:
            if self.scripted_failures:
                failure = self.scripted_failures.pop(0)
            self._seq += 1
            record = GenerationRecord(
                id=str(uuid.uuid4()),
                seq=self._seq,
                created=self.now(),
                created_at=iso_now(),
                body=body,
                output_file_name=output_file_name,
                source=source,
                pending_seconds=self.config.pending_seconds,
                processing_seconds=self.config.processing_seconds
                + self.config.processing_per_output_second * output_seconds,
                failure=failure,
                signature=_signature(),
                expires=int(time.time()) + self.config.signed_url_ttl_seconds,
                owner=owner,
                output_seconds=output_seconds,
            )
            self.generations[record.id] = record
            return record

    def delete_generation(self, generation_id: str) -> GenerationRecord | None:
        """Forget a generation (its output URL stops working); None when there was none."""
        with self._lock:
            return self.generations.pop(generation_id, None)

    # ------------------------------------------------------------------------------------ idempotency

    def idempotency_entry(self, key: str) -> IdempotencyEntry | None:
        return self.idempotency.get(key)

    def remember_idempotency(self, key: str, body_hash: str, generation_id: str) -> None:
        with self._lock:
            self.idempotency[key] = IdempotencyEntry(body_hash=body_hash, generation_id=generation_id)


def iso_utc(value: datetime, timespec: str = "auto") -> str:
    """`2026-11-12T00:00:00.000Z`: ISO 8601 in UTC, as the API writes times (a time without a zone taken as UTC)."""
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value.isoformat(timespec=timespec).replace("+00:00", "Z")


def iso_now() -> str:
    """ISO-8601 UTC with milliseconds and a Z, as JavaScript's toISOString writes it."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def updated(record: ModelT, fields: dict[str, Any]) -> ModelT:
    """A stored wire record (asset, project) with the given wire fields replaced and its `updatedAt` now."""
    current = record.model_dump(mode="json", by_alias=True)
    return type(record).model_validate({**current, **fields, "updatedAt": iso_now()})


def _signature() -> str:
    raw = base64.b64encode(secrets.token_bytes(30)).decode("ascii")  # 40 chars of the standard alphabet
    # Always include '/' and '+', the characters clients most often mangle when they re-encode a URL.
    return raw[:10] + "/" + raw[11:20] + "+" + raw[21:]
