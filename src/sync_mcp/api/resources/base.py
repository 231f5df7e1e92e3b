"""What every resource is: one endpoint group bound to the client it was reached through (`Resource`), and the
client attribute that makes one on first use (`ResourceOf`). What a resource asks of its client is `Requester`,
so no resource module imports the client (which mixes the resources in): the two never import each other.

Reading the API's replies, which are untrusted input: JSON decoded with bounded depth, wire models read from it
(a reply of another shape is an `UnreadableReplyError` naming the request it answered, never an argument error),
and the `APIStatusError` of a non-2xx reply, scrubbed of every known secret by value.
"""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Generic, Protocol, TypeVar, overload

import httpx
from pydantic import BaseModel, ValidationError

from sync_mcp.telemetry import redactor

from ..errors import APIStatusError, UnreadableReplyError, validation_text
from ..retries import parse_retry_after
from ..types.shared import ID_SEGMENT


class Requester(Protocol):
    """What a resource uses of `SyncClient`: its request path, its key-less pool, its defaults."""

    default_webhook_url: str | None

    @property
    def http(self) -> httpx.AsyncClient: ...

    @property
    def assets(self) -> Any:
        """The assets resource (uploads register what they send there)."""

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...

    async def request_reply(self, method: str, path: str, **kwargs: Any) -> Reply: ...

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def stream(self, path: str, **kwargs: Any) -> AbstractAsyncContextManager[httpx.Response]: ...

    def scrub(self, value: Any) -> Any: ...


class Resource:
    """One endpoint group, bound to the client it was reached through."""

    def __init__(self, client: Requester) -> None:
        self._client = client


R = TypeVar("R", bound=Resource)


class ResourceOf(Generic[R]):
    """A client attribute that is a resource: its module is imported on first use, and each read is a new view
    bound to the client read from (so a `bound(...)` copy never reaches the API with the original's key)."""

    def __init__(self, name: str, *, module: str | None = None) -> None:
        self._class, self._module = name, module
        self._made: type[R] | None = None
        """The resource class, once its module is imported (every later read only binds a new view)."""

    def __set_name__(self, owner: type, attribute: str) -> None:
        self._module = self._module or attribute

    @overload
    def __get__(self, client: None, owner: type) -> ResourceOf[R]: ...
    @overload
    def __get__(self, client: Requester, owner: type) -> R: ...
    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self
        if self._made is None:
            self._made = getattr(import_module(f".{self._module}", __package__), self._class)
        return self._made(client)


# ------------------------------------------------------------------------------------------------------- replies

MAX_REPLY_DEPTH = 64
"""Deepest nesting of arrays and objects read from a reply (API bodies nest a handful of levels)."""
REPLY_EXCERPT = 500
"""Characters of an unreadable reply quoted back (after scrubbing)."""

M = TypeVar("M", bound=BaseModel)
_WHOLE: Any = object()
"""`Reply.read`'s default: the whole reply."""


@dataclass(frozen=True)
class Reply:
    """A decoded success reply (`data`, already scrubbed of secrets) and the response it came in, so that a body
    of the wrong shape is reported with the request it answered."""

    data: Any
    response: httpx.Response

    def read(self, model: type[M], data: Any = _WHOLE) -> M:
        """`model` from the reply (or from `data`, a part of it); a reply of another shape is an
        `UnreadableReplyError` (never a `ValidationError`, which would read as a fault of the caller's arguments)."""
        data = self.data if data is _WHOLE else data
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self.unreadable(f"not a valid {model.__name__}: {validation_text(exc)}", data) from None

    def items(self) -> list[Any]:
        """The reply as a list: an array, or the `items` of a page."""
        if isinstance(self.data, list):
            return self.data
        if isinstance(self.data, dict) and isinstance(self.data.get("items"), list):
            return list(self.data["items"])
        raise self.unreadable("not a JSON array", self.data)

    def read_each(self, model: type[M]) -> list[M]:
        """Every item of a list reply as `model`."""
        return [self.read(model, item) for item in self.items()]

    def unreadable(self, reason: str, data: Any) -> UnreadableReplyError:
        """The error for a decoded reply that cannot be used, with a bounded excerpt of it (already scrubbed)."""
        if len(reason) > 300:
            reason = reason[:299] + "…"
        reply_id = data.get("id") if isinstance(data, dict) else None
        excerpt = json.dumps(data, ensure_ascii=False, default=str)[: REPLY_EXCERPT * 4]
        return UnreadableReplyError(
            reason,
            response=self.response,
            reply=redactor.scrub(excerpt)[:REPLY_EXCERPT],
            reply_id=reply_id if isinstance(reply_id, str) and ID_SEGMENT.match(reply_id) else None,
        )


def read_json(response: httpx.Response, api_key: str | None) -> Reply:
    """A success reply decoded and scrubbed of the key and every known secret; a body that is not JSON, or nests
    deeper than `MAX_REPLY_DEPTH`, is an `UnreadableReplyError`."""
    try:
        data = decode_json(response.text)
    except ValueError as exc:
        excerpt = redactor.scrub_value(response.text[: REPLY_EXCERPT * 4], api_key)[:REPLY_EXCERPT]
        raise UnreadableReplyError(str(exc), response=response, reply=excerpt) from None
    return Reply(redactor.scrub_value(data, api_key), response)


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


def error_from(response: httpx.Response, api_key: str | None, attempts: int) -> APIStatusError:
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
    payload = redactor.scrub_value(payload, api_key)
    return APIStatusError(response, payload, retry_after=retry_after, attempts=attempts)
