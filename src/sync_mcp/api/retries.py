"""One table of what may be tried again: the client's automatic retries and the `retryable` an agent sees both
come from here (reference §13-14)."""

from __future__ import annotations

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""HTTP statuses after which the same request may succeed later."""
UNCERTAIN_STATUSES = frozenset({500, 502, 503, 504})
"""Replies after which an accepted request cannot be ruled out (a gateway may have lost the answer)."""
RETRYABLE_CATEGORIES = frozenset({"infrastructure", "rate_limit", "tts_provider"})
"""Catalog categories whose errors pass with time."""
NOT_RETRYABLE_CODES = frozenset(
    {"elevenlabs_api_key_invalid", "concurrency_limit_reached", "batch_concurrency_limit_reached"}
)
"""Codes that come with a retryable status but need something to change first (a key; a job to finish)."""
TRANSPORT_CODES = frozenset({"network_error", "request_timeout"})
"""This package's codes for a request that got no reply."""
IDEMPOTENCY_OUTCOME_UNKNOWN = "IDEMPOTENCY_OUTCOME_UNKNOWN"
"""The API's code when it cannot tell whether a keyed create was accepted (503, reference §13)."""
KNOWN_IDEMPOTENCY_CODES = frozenset({"INVALID_IDEMPOTENCY_KEY", IDEMPOTENCY_OUTCOME_UNKNOWN})


def retry_automatically(status: int, code: str | None, generation_id: str | None, statuses: frozenset[int]) -> bool:
    """Should the client send a safe request again after this reply (within its policy's `statuses`)?"""
    if status not in statuses or code in NOT_RETRYABLE_CODES:
        return False
    # A 503 naming the generation it may have created: the caller follows that one instead (reference §13).
    return not (code == IDEMPOTENCY_OUTCOME_UNKNOWN and generation_id)


def is_retryable(code: str | None, status: int | None, category: str | None) -> bool:
    if code in NOT_RETRYABLE_CODES:
        return False
    if code == IDEMPOTENCY_OUTCOME_UNKNOWN or code in TRANSPORT_CODES:
        return True
    if category is not None and category in RETRYABLE_CATEGORIES:
        return True
    return status in RETRYABLE_STATUSES if status is not None else False


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
