"""Reading the API's replies, which are untrusted input: JSON decoded with bounded depth, wire models read from it
(a reply of another shape is an `UnreadableReplyError` naming the request it answered, never an argument error),
and the `SyncAPIError` of a non-2xx reply, scrubbed of every known secret by value."""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync_mcp.logs import redactor

from .errors import SyncAPIError, UnreadableReplyError
from .explain import validation_text
from .ids import ID_SEGMENT
from .retries import parse_retry_after

MAX_REPLY_DEPTH = 64
"""Deepest nesting of arrays and objects read from a reply (API bodies nest a handful of levels)."""
REPLY_EXCERPT = 500
"""Characters of an unreadable reply quoted back (after scrubbing)."""


@dataclass(frozen=True)
class _Reply:
    method: str
    path: str
    status: int
    idempotency_key: str | None


_last_reply: ContextVar[_Reply | None] = ContextVar("sync_mcp_last_reply", default=None)
"""The last reply `request_json` read in this task, so `read_reply` can say which request it answered."""

M = TypeVar("M", bound=BaseModel)


def remember_reply(method: str, path: str, status: int, idempotency_key: str | None) -> None:
    """Note the reply just read in this task, for `unreadable` to name if its body turns out unusable."""
    _last_reply.set(_Reply(method, path, status, idempotency_key))


def read_reply(model: type[M], data: Any) -> M:
    """`model` from a decoded reply; a reply of another shape is an `UnreadableReplyError` naming the request it
    answered (never a `ValidationError`, which would read as a fault of the caller's arguments)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise unreadable(f"not a valid {model.__name__}: {validation_text(exc)}", data) from None


def unreadable(reason: str, data: Any) -> UnreadableReplyError:
    """The error for a decoded reply that cannot be used, with a bounded excerpt of it (already scrubbed:
    `request_json` scrubs what it returns) and the request it answered."""
    if len(reason) > 300:
        reason = reason[:299] + "…"
    reply_id = data.get("id") if isinstance(data, dict) else None
    excerpt = json.dumps(data, ensure_ascii=False, default=str)[: REPLY_EXCERPT * 4]
    last = _last_reply.get()
    error = UnreadableReplyError(
        reason,
        reply=redactor.scrub(excerpt)[:REPLY_EXCERPT],
        http_status=last.status if last else None,
        reply_id=reply_id if isinstance(reply_id, str) and ID_SEGMENT.match(reply_id) else None,
    )
    if last is not None:
        sent(error, last.method, last.path, last.idempotency_key, 1)
    return error


class TooDeepError(ValueError):
    """JSON nested beyond `MAX_REPLY_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"it nests deeper than {MAX_REPLY_DEPTH} levels")


def decode_json(text: str) -> Any:
    """JSON nested at most `MAX_REPLY_DEPTH` deep; a ValueError saying what is wrong otherwise (bounded: the
    decoder's own recursion limit stops a reply nested many thousand levels deep at once)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise TooDeepError() from None
    except ValueError:
        raise ValueError("it is not JSON") from None
    if _deeper_than(data, MAX_REPLY_DEPTH):
        raise TooDeepError()
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    level: list[Any] = [data]
    for _ in range(limit + 1):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return False
    return True


def as_list(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return list(data["items"])
    raise unreadable("not a JSON array", data)


def error_from(response: httpx.Response, api_key: str | None = None) -> SyncAPIError:
    """The error of a non-2xx reply, decoded first and then scrubbed by value (the key and every known secret,
    in every field), so no escape can carry the key on into a message, a suggestion, a field or a detail."""
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    text = response.text
    try:
        payload: Any = decode_json(text)
    except TooDeepError as exc:
        payload = f"HTTP {response.status_code} with a body that could not be read: {exc}"
    except ValueError:
        payload = text
    return SyncAPIError.from_response(response.status_code, redactor.scrub_value(payload, api_key), retry_after)


def sent(error: SyncAPIError, method: str, path: str, idempotency_key: str | None, attempts: int) -> SyncAPIError:
    """Record on the error what was sent (never the API key or the body), so it can be explained."""
    error.method, error.path, error.idempotency_key, error.attempts = method, path, idempotency_key, attempts
    return error
