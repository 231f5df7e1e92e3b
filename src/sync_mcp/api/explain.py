"""The agent-facing explanation of a failure: what went wrong, what to do next, whether to try again.

Text from the API is untrusted data, never instructions: an API reply's `message` reaches the agent quoted
(`Sync API replied: "..."`, control characters removed, length capped), and `fix` only ever holds the error
body's own `suggestion`, the catalog's fix, or this package's own words.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from .errors import (
    LOCAL_VALIDATION_CODE,
    UNREADABLE_REPLY_CODE,
    ErrorInfo,
    SyncAPIError,
    TransportError,
    UnreadableReplyError,
)
from .retries import IDEMPOTENCY_OUTCOME_UNKNOWN, is_idempotency_conflict, is_retryable

QUOTE_LIMIT = 500
"""Characters of API text quoted to the agent."""
DETAIL_KEYS = ("activeGenerations", "concurrencyLimit", "upgradeUrl", "lineNumber", "dialogueEditSection")
"""Fields of an error body passed on as `details`."""

_STATUS_HINTS: dict[int, str] = {
    400: "The request was malformed: correct the field named in the message and call again.",
    401: "The API key was refused: check SYNC_API_KEY (no spaces or quotes, not revoked) and restart the server.",
    402: "Billing or plan limit: check the plan and billing at https://sync.so/billing, then retry.",
    403: "Not allowed for this key or plan: use a resource your organisation owns or upgrade the plan.",
    404: "Not found: check the id (copy it exactly from an earlier result) and that it belongs to this account.",
    408: "The API timed out: retry with backoff.",
    409: "Conflicts with the current state: wait for the state to change (e.g. the job to finish), then retry.",
    413: "Too large: upload big files with upload_media and pass assetId.",
    415: "Unsupported media type: convert to a supported format (MP4/MOV/WebM video, WAV/MP3 audio).",
    422: "The API could not use an input: check the URLs are public and the media meets the limits.",
    429: "Too many requests: wait and retry with backoff.",
    500: "Server error at the API: retry with backoff; quote the requestId if it persists.",
    502: "Bad gateway at the API: retry with backoff.",
    503: "The API is temporarily unavailable: retry with backoff.",
    504: "The API timed out: retry with backoff.",
}


def status_hint(status: int | None) -> str:
    if status is None:
        return "Check the arguments and the server configuration, then retry."
    if status in _STATUS_HINTS:
        return _STATUS_HINTS[status]
    return "Retry with backoff." if status >= 500 else "Correct the request and call again."


def explain_api_error(err: SyncAPIError, entry: Any | None) -> ErrorInfo:
    """An API or transport error as the agent sees it, given its catalog `entry` (None when not looked up).

    The API's own text is quoted in `message`; `fix` is the body's `suggestion`, the catalog's fix or a status
    hint, extended with what the idempotency key and `Retry-After` mean for the next call.
    """
    fix = (_clean(err.suggestion) if err.suggestion else None) or (entry.fix if entry else None)
    fix = fix or status_hint(err.http_status)
    details = {k: v for k, v in err.body.items() if k in DETAIL_KEYS}
    code = err.error_code or _code_for_status(err.http_status)
    retryable = is_retryable(err.error_code, err.http_status, entry.category if entry else None)
    if err.idempotency_key is not None:
        details["idempotencyKey"] = err.idempotency_key
        fix = _idempotency_fix(err, code, fix, retryable)
        if is_idempotency_conflict(code, err.http_status):
            retryable = False
    if err.retry_after is not None and retryable:
        fix += f" Wait at least {err.retry_after:g} s (retryAfterSeconds) before calling again."
    if err.attempts > 1:
        details["attempts"] = err.attempts
    return ErrorInfo(
        errorCode=code,
        httpStatus=err.http_status,
        message=err.message if err.http_status is None else quote_api_text(err.message),
        fix=fix,
        retryable=retryable,
        requestId=err.request_id,
        field=err.field,
        generationId=err.generation_id,
        retryAfterSeconds=err.retry_after,
        details=details or None,
    )


def explain_unreadable(err: UnreadableReplyError) -> ErrorInfo:
    """A reply that could not be read, as the agent must see it: the request was sent, so never "nothing was
    sent"; a keyed create may have started a generation, and the same key finds it without paying twice."""
    sent = f"{err.method} {err.path}" if err.method and err.path else "The request"
    answered = f"the API answered {err.http_status}" if err.http_status else "the API answered"
    details: dict[str, Any] = {}
    if err.reply is not None:
        details["reply"] = _clean(err.reply)
    key = err.idempotency_key
    if key is not None:
        details["idempotencyKey"] = key
        message = (
            f"{sent} was sent and {answered}, but its reply could not be read ({err.reason}). The generation may "
            "have been created."
        )
        fix = (
            f'Call again with the same arguments and idempotencyKey "{key}": the API then answers with the '
            "generation this request created, if it created one, instead of starting (and charging) a second one. "
            "Do not drop or change the key."
        )
        if err.generation_id:
            fix += f" The reply named id {err.generation_id}: get_generation with that id may show it."
        retryable = True
    elif err.method not in (None, "GET", "HEAD"):
        message = (
            f"{sent} was sent and {answered}, but its reply could not be read ({err.reason}); it may have taken effect."
        )
        fix = (
            "Look for the result (list what this call creates or changes) before repeating it: it may already have "
            "taken effect. If such replies persist, check that SYNC_BASE_URL points at the Sync API and that "
            "sync-mcp is up to date."
        )
        retryable = False
    else:
        message = f"{sent} was sent and {answered}, but its reply could not be read ({err.reason})."
        fix = (
            "Retry once. If it persists, check that SYNC_BASE_URL points at the Sync API (https://api.sync.so) and "
            "that sync-mcp is up to date."
        )
        retryable = True
    return ErrorInfo(
        errorCode=err.error_code or UNREADABLE_REPLY_CODE,
        httpStatus=err.http_status,
        message=message,
        fix=fix,
        retryable=retryable,
        generationId=err.generation_id,
        details=details or None,
    )


def _code_for_status(status: int | None) -> str:
    return {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limit_exceeded"}.get(
        status or 0, "http_error" if status else "request_failed"
    )


def _idempotency_fix(err: SyncAPIError, code: str, fix: str, retryable: bool) -> str:
    """What a keyed request's failure means for the next call: keep the key; never switch it silently."""
    key = err.idempotency_key
    if is_idempotency_conflict(code, err.http_status):
        return (
            f'idempotencyKey "{key}" was already used with a different request body, so nothing new was started. '
            "To repeat the original request, send exactly its original arguments with this key (if that request "
            "is still running, wait and repeat it unchanged). Use a new key, or none, only if a new, separately "
            "billed generation is really intended."
        )
    if code == IDEMPOTENCY_OUTCOME_UNKNOWN and err.generation_id is None:
        return (
            f"The API could not confirm whether the request was accepted. Call again later with the same arguments "
            f'and idempotencyKey "{key}": the API then returns the original generation instead of creating a '
            "second one. Do not switch keys or drop the key."
        )
    if isinstance(err, TransportError) and err.outcome_unknown:
        return (
            "The request may or may not have been accepted. Call again with the same arguments and "
            f'idempotencyKey "{key}": the API returns the original generation instead of creating a second one. '
            "Do not switch keys or drop the key."
        )
    if retryable:
        return fix + f' When you retry, pass the same arguments and idempotencyKey "{key}" so it cannot run twice.'
    return fix


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")


def _clean(text: str) -> str:
    """API text made safe to show: no control or direction characters, one line, bounded length."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def quote_api_text(text: str) -> str:
    """An API reply's message as quoted data (it may contain anything; it is never an instruction)."""
    return "Sync API replied: " + json.dumps(_clean(text), ensure_ascii=False)


def _problems(exc: ValidationError) -> list[tuple[str, str, dict[str, Any]]]:
    """Each error of `exc` as (field, "field: message", pydantic error), field names as the caller wrote them."""
    problems = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, str) or not p.startswith("function-"))
        where = ctx.get("field") or loc or "arguments"
        msg = err["msg"]
        if err["type"] == "value_error":  # a plain ValueError: strip pydantic's prefix
            msg = msg.removeprefix("Value error, ")
        problems.append((where, msg if msg.startswith(f"{where}:") else f"{where}: {msg}", dict(err)))
    return problems


def validation_text(exc: ValidationError) -> str:
    """A validation failure as one readable line: `field: problem; field: problem`."""
    return "; ".join(text for _, text, _ in _problems(exc))


def from_validation_error(exc: ValidationError) -> ErrorInfo:
    """A local validation failure (nothing was sent) as an agent-facing error naming field and fix."""
    code = LOCAL_VALIDATION_CODE
    field: str | None = None
    fix: str | None = None
    problems = _problems(exc)
    for where, _, err in problems:
        ctx = err.get("ctx") or {}
        if field is None:
            field = where
            if "fix" in ctx:
                code, fix = err["type"], ctx["fix"]
    if fix is None:
        fix = "Correct the listed field(s) and call again; see the tool's input schema for allowed values."
    return ErrorInfo(
        errorCode=code,
        httpStatus=None,
        message="Invalid arguments, nothing was sent: " + "; ".join(text for _, text, _ in problems),
        fix=fix,
        retryable=False,
        field=field,
    )
