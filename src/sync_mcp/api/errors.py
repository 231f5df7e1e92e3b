"""The exceptions of this client, by kind, each built with what it knows when it is raised.

    SyncAPIError                 every failure of a call (`except SyncAPIError` catches them all)
    ├── APIStatusError           the API answered with an error: status, errorCode, message, requestId,
    │                            the request and the reply
    ├── UnreadableReplyError     the API answered with a success status, but the reply could not be read
    ├── TransportError           no reply: the connection failed or the answer did not come in time; the request
    └── NotSentError             refused before sending (no key, an unsendable key, a malformed value): nothing sent
        ├── MissingAPIKeyError
        └── InvalidAPIKeyError

Messages are neutral statements of what happened; what an agent should do about them is sync_mcp.guidance.
What may be tried again is retries.py.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

LOCAL_VALIDATION_CODE = "generation_input_validation_failed"
"""Catalog code used for argument errors caught before any request (the API's own generic code). Defined here, in
the light module start-up imports anyway; the wire types (types/, imported on first use) import it."""

UNREADABLE_REPLY_CODE = "invalid_response"
"""A success reply that could not be read (see `UnreadableReplyError`)."""

UNKNOWN_ARGUMENT_CODE = "invalid_arguments"
"""An argument the tool does not take (a misspelling, most often), refused before any request."""


def sent_path(request: httpx.Request) -> str:
    """The path a request was sent to, as sent (percent-encoding kept), without its query."""
    return request.url.raw_path.decode("ascii", "replace").split("?", 1)[0]


class SyncAPIError(Exception):
    """A call to the Sync API that failed; the base of every kind below.

    `request` is what was sent (None when nothing was; its `x-api-key` header removed), `response` the reply
    (None when none came). `method`,
    `path` and `idempotency_key` are read from the request; `attempts` is how many were made. The message never
    contains the API key: it is built only from the reply body and status, scrubbed of every known secret.
    """

    def __init__(
        self,
        *,
        http_status: int | None,
        error_code: str | None,
        message: str,
        suggestion: str | None = None,
        field: str | None = None,
        request_id: str | None = None,
        generation_id: str | None = None,
        retry_after: float | None = None,
        body: dict[str, Any] | None = None,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(f"{http_status or 'no reply'} {error_code or ''}: {message}".strip())
        self.http_status = http_status
        self.error_code = error_code
        self.message = message
        self.suggestion = suggestion
        """The reply's own advice (the API's `suggestion`), when it gave some."""
        self.field = field
        self.request_id = request_id
        self.generation_id = generation_id
        self.retry_after = retry_after
        self.body = body or {}
        if request is not None and "x-api-key" in request.headers:
            del request.headers["x-api-key"]  # the call is over; the error outlives it and never holds the key
        self.request = request
        self.response = response
        self.attempts = attempts
        self.method: str | None = request.method if request is not None else None
        self.path: str | None = sent_path(request) if request is not None else None
        self.idempotency_key: str | None = request.headers.get("idempotency-key") if request is not None else None


class APIStatusError(SyncAPIError):
    """The API answered with an error status: its `errorCode`, message, `requestId` and advice, read from the
    §11 body shape, with the request and the reply they answer."""

    def __init__(self, response: httpx.Response, payload: Any, *, retry_after: float | None, attempts: int) -> None:
        from .types.errors import ApiErrorBody  # the wire types: imported by the first error, not at start-up

        status = response.status_code
        body = payload if isinstance(payload, dict) else {}
        try:
            parsed = ApiErrorBody.model_validate(body)
        except ValidationError:
            parsed = ApiErrorBody()
        raw = parsed.message
        message = "; ".join(raw) if isinstance(raw, list) else (raw or parsed.error or f"HTTP {status}")
        if not body and isinstance(payload, str) and payload.strip():
            message = payload.strip()[:500]
        super().__init__(
            http_status=status,
            error_code=parsed.error_code,
            message=message,
            suggestion=parsed.suggestion,
            field=parsed.field,
            request_id=parsed.request_id,
            generation_id=parsed.generation_id,
            retry_after=parsed.retry_after_seconds if parsed.retry_after_seconds is not None else retry_after,
            body=body,
            request=response.request,
            response=response,
            attempts=attempts,
        )


class TransportError(SyncAPIError):
    """No reply: the API (or the storage an upload URL names) could not be reached, dropped the connection, or
    did not answer in time. The request was sent, or may have been; a POST may have taken effect."""

    def __init__(self, request: httpx.Request, message: str, *, timed_out: bool = False, attempts: int = 1) -> None:
        super().__init__(
            http_status=None,
            error_code="request_timeout" if timed_out else "network_error",
            message=message,
            request=request,
            attempts=attempts,
        )
        self.timed_out = timed_out
        self.outcome_unknown = request.method == "POST"
        """Whether the request may have been carried out although no answer came (a POST sent)."""


class NotSentError(SyncAPIError):
    """Refused before sending: nothing reached the API."""

    def __init__(self, error_code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(http_status=None, error_code=error_code, message=message, field=field)


class MissingAPIKeyError(NotSentError):
    """No API key to send. `hint` is what the client's owner said to do about it, if anything."""

    def __init__(self, hint: str | None = None) -> None:
        super().__init__("missing_api_key", "No Sync API key is configured, so this call was not sent.")
        self.suggestion = hint


class InvalidAPIKeyError(NotSentError):
    """The API key holds characters no HTTP header can carry (non-ASCII, control characters): refused before
    anything is sent. The key itself is never quoted; `source` says where it came from."""

    def __init__(self, source: str) -> None:
        super().__init__(
            "invalid_api_key_header",
            f"The Sync API key from {source} holds characters an API key never contains (only printable "
            "ASCII is allowed), so nothing was sent.",
        )
        self.source = source


class UnreadableReplyError(SyncAPIError):
    """The API answered with a success status, but its reply could not be read: not JSON, nested too deep, or
    not the shape expected. Unlike an argument error, the request WAS sent: a create may have taken effect.

    `reason` says what was wrong; `reply` is a bounded excerpt of what the API sent, secrets blanked;
    `reply_id` the `id` the reply named, if it named one.
    """

    def __init__(
        self, reason: str, *, response: httpx.Response, reply: str | None, reply_id: str | None = None
    ) -> None:
        super().__init__(
            http_status=response.status_code,
            error_code=UNREADABLE_REPLY_CODE,
            message=f"The API answered, but its reply could not be read: {reason}.",
            request=response.request,
            response=response,
            attempts=1,
        )
        self.reason = reason
        self.reply = reply
        self.reply_id = reply_id


def validation_problems(exc: ValidationError) -> list[tuple[str, str, dict[str, Any]]]:
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
    return "; ".join(text for _, text, _ in validation_problems(exc))
