"""Requests the API cannot de-duplicate (standalone TTS, batch creation, voice cloning): when the answer
is lost, whether they took effect is unknown, and sending them again could do the work (and bill it) twice.

The client already sends such a POST exactly once (no Idempotency-Key, so no automatic retry); the tools
use `uncertain` to spot the lost answer and `outcome_unknown` to tell the agent to check before re-sending.
"""

from __future__ import annotations

from sync_mcp.api import SyncAPIError
from sync_mcp.api.errors import TransportError
from sync_mcp.api.retries import UNCERTAIN_STATUSES

SEND_OUTCOME_UNKNOWN = "outcome_unknown"
"""Local code: a request the API cannot de-duplicate may or may not have taken effect (never retryable as is;
not the API's IDEMPOTENCY_OUTCOME_UNKNOWN, which is about keyed creates)."""


def uncertain(exc: SyncAPIError, *, server_errors: bool = False) -> bool:
    """Was the request perhaps carried out? Always after a transport failure once sent; with
    `server_errors`, also after a 5xx reply."""
    if isinstance(exc, TransportError):
        return exc.outcome_unknown
    return server_errors and exc.http_status in UNCERTAIN_STATUSES


def outcome_unknown(what: str, cause: SyncAPIError, check: str) -> SyncAPIError:
    """The error an agent gets: what may have happened, why it is unknown, and how to check first."""
    reason = cause.message if cause.http_status is None else f"HTTP {cause.http_status} {cause.error_code or ''}"
    return SyncAPIError(
        http_status=None,
        error_code=SEND_OUTCOME_UNKNOWN,
        message=f"{what} may or may not have been accepted ({reason.strip()}); it was not sent again.",
        suggestion=check,
    )
