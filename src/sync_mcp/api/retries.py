"""What may be sent again, and how: the statuses and codes after which a request may succeed later (reference
§13-14), the client's rule for its automatic retries, and its retry policy (backoff, Retry-After, attempts, time
budget). What an agent is told may be retried is sync_mcp.guidance.catalog, from the same tables."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import SyncAPIError

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""HTTP statuses after which the same request may succeed later."""
UNCERTAIN_STATUSES = frozenset({500, 502, 503, 504})
"""Replies after which an accepted request cannot be ruled out (a gateway may have lost the answer)."""
NOT_RETRYABLE_CODES = frozenset(
    {"elevenlabs_api_key_invalid", "concurrency_limit_reached", "batch_concurrency_limit_reached"}
)
"""Codes that come with a retryable status but need something to change first (a key; a job to finish)."""
IDEMPOTENCY_OUTCOME_UNKNOWN = "IDEMPOTENCY_OUTCOME_UNKNOWN"
"""The API's code when it cannot tell whether a keyed create was accepted (503, reference §13)."""
KNOWN_IDEMPOTENCY_CODES = frozenset({"INVALID_IDEMPOTENCY_KEY", IDEMPOTENCY_OUTCOME_UNKNOWN})


def retry_automatically(status: int, code: str | None, generation_id: str | None, statuses: frozenset[int]) -> bool:
    """Should the client send a safe request again after this reply (within its policy's `statuses`)?"""
    if status not in statuses or code in NOT_RETRYABLE_CODES:
        return False
    # A 503 naming the generation it may have created: the caller follows that one instead (reference §13).
    return not (code == IDEMPOTENCY_OUTCOME_UNKNOWN and generation_id)


def is_idempotency_conflict(code: str | None, status: int | None) -> bool:
    """Same key, other body (or the first request with that key still running).

    [INF] The reference could not recover this code's name or status (§13, §18.1: "most likely HTTP 409
    or 422"), so any `IDEMPOTENCY_*` code other than the two documented ones, on a 409/422, counts.
    """
    return (
        bool(code and code.upper().startswith("IDEMPOTENCY_"))
        and code not in KNOWN_IDEMPOTENCY_CODES
        and (status in (409, 422))
    )


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, honouring Retry-After, bounded in attempts and total time."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 30.0
    statuses: frozenset[int] = RETRYABLE_STATUSES

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = random.uniform(0, min(self.max_delay, self.base_delay * (2 ** (attempt - 1))))
        return max(backoff, retry_after or 0.0)


NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass(frozen=True)
class RetryNotice:
    """What a retry hook hears before the client sleeps and tries again."""

    method: str
    path: str
    attempt: int
    """The number of the attempt about to be made (2 for the first retry)."""
    delay: float
    error: SyncAPIError


RetryHook = Callable[[RetryNotice], Awaitable[None]]


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
