"""What the sandbox remembers about batches. Like a generation's, a batch's status is computed from the
time since creation (PENDING, then PROCESSING, then COMPLETED), so every read agrees without a worker.

[INF] The sandbox does not create the rows' generations (batch jobs bypass per-generation concurrency
on the API, and the sandbox's generation store is the one that concurrency counts): each row's outcome
is decided at creation (a row whose inputs carry `sandbox_fail=<code>` fails with that code) and shows
in the metrics and the results file.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .config import SandboxConfig
from .state import SandboxState, iso_utc

STORE_NAME = "batches"


@dataclass(frozen=True)
class RowOutcome:
    request_id: str
    error_code: str | None
    """None: the row's generation completes."""


@dataclass
class BatchRecord:
    id: str
    seq: int
    created: float
    """Monotonic time of creation."""
    created_dt: datetime
    webhook_url: str | None
    outcomes: list[RowOutcome]
    pending_seconds: float
    processing_seconds: float

    @property
    def created_at(self) -> str:
        return iso_utc(self.created_dt, "milliseconds")

    def status_at(self, now: float) -> str:
        if now < self.created + self.pending_seconds:
            return "PENDING"
        if now < self.created + self.pending_seconds + self.processing_seconds:
            return "PROCESSING"
        # [INF] A batch whose every row failed is FAILED; otherwise COMPLETED, with failures counted.
        return "FAILED" if all(o.error_code for o in self.outcomes) else "COMPLETED"

    def response(self, now: float, output_url: str) -> dict[str, Any]:
        """The `BatchResponse` (reference §9): snake_case `created_at` and metrics, camelCase `outputUrl` and
        `webhookUrl`; null fields left out."""
        status = self.status_at(now)
        total = len(self.outcomes)
        done = status in ("COMPLETED", "FAILED")
        failed = sum(1 for o in self.outcomes if o.error_code) if done else 0
        metrics = {
            "total_generations": total,
            "success_count": total - failed if done else 0,
            "failed_count": failed,
            "pending_count": 0 if done else total,
        }
        reply = {
            "id": self.id,
            "created_at": self.created_at,
            "status": status,
            "metrics": metrics,
            "outputUrl": output_url,
            "webhookUrl": self.webhook_url,
        }
        return {k: v for k, v in reply.items() if v is not None}


class BatchStore:
    def __init__(self) -> None:
        self.batches: dict[str, BatchRecord] = {}
        self._seq = 0
        self._lock = threading.RLock()

    def add(
        self, outcomes: list[RowOutcome], webhook_url: str | None, *, now: float, config: SandboxConfig
    ) -> BatchRecord:
        with self._lock:
            self._seq += 1
            record = BatchRecord(
                id=str(uuid.uuid4()),
                seq=self._seq,
                created=now,
                created_dt=datetime.now(timezone.utc),
                webhook_url=webhook_url,
                outcomes=outcomes,
                pending_seconds=config.pending_seconds,
                processing_seconds=config.processing_seconds,
            )
            self.batches[record.id] = record
            return record

    def get(self, batch_id: str) -> BatchRecord | None:
        return self.batches.get(batch_id)

    def newest_first(self) -> list[BatchRecord]:
        with self._lock:
            return sorted(self.batches.values(), key=lambda r: r.seq, reverse=True)


def batch_store(state: SandboxState) -> BatchStore:
    return state.store(STORE_NAME, BatchStore)
