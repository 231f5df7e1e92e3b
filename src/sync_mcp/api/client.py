"""`SyncClient`: the Sync API v2 over one `httpx.AsyncClient`, knowing nothing of MCP.

One request path (`request`) carries every endpoint (the endpoint functions live in one module
per API domain: `generations.py`, `catalog.py`, ...): the `x-api-key` header (only on authenticated
calls, and only to the API host), timeouts on every call, the retry policy, and the conversion of
non-2xx replies into `SyncAPIError`.

Replies are untrusted input. A reply is decoded first (bounded in depth), then every string in it is
scrubbed of the API key and every other secret the log redactor knows, so an echo hidden behind JSON
escapes is blanked too, in error bodies and success bodies alike. A success reply that cannot be read
(not JSON, too deep, not the expected shape: `read_reply`) is an `UnreadableReplyError`, which says the
request was sent, never an argument error. The connection pool keeps no cookies: it serves every user of
a deployment.
"""

from __future__ import annotations

import contextlib
import copy
import email.utils
import hashlib
import json as json_module
import logging
import random
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from http.cookiejar import Cookie, CookieJar
from typing import Any, TypeVar

import anyio
import httpx
from pydantic import BaseModel, ValidationError

from sync_mcp import __version__
from sync_mcp.logs import redactor

from .errors import (
    InvalidAPIKeyError,
    MissingAPIKeyError,
    SyncAPIError,
    TransportError,
    UnreadableReplyError,
)
from .explain import validation_text
from .retries import RETRYABLE_STATUSES, retry_automatically
from .transport import ShardedTransport

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.sync.so"
API_LONG_POLL_MAX_SECONDS = 10
"""The API's own long-poll cap for `GET /v2/generate/{id}?wait=true` (reference §3.3)."""

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
SENDABLE_KEY = re.compile(r"^[\x21-\x7e]+$")
"""What an API key may hold to go into the `x-api-key` header: printable ASCII, no spaces."""
MAX_REPLY_DEPTH = 64
"""Deepest nesting of arrays and objects read from a reply (API bodies nest a handful of levels)."""
REPLY_EXCERPT = 500
"""Characters of an unreadable reply quoted back (after scrubbing)."""


def new_idempotency_key() -> str:
    """One key per logical create, minted before the first attempt and reused on every retry."""
    return "sync-mcp-" + secrets.token_urlsafe(24)


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


class NoCookies(CookieJar):
    """A cookie jar that stores nothing: one connection pool serves every user of a deployment (HTTP mode), and
    a cookie set on one user's reply must never ride along with another user's requests."""

    def set_cookie(self, cookie: Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


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


class SyncClient:
    """Async client for the Sync API v2. Use as `async with SyncClient(...) as api:`."""

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        source: str = "mcp",
    ) -> None:
        self._api_key = api_key or None
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.on_retry: RetryHook | None = None
        """Awaited before each retry (e.g. to tell the caller); its failures never fail the request."""
        self.default_webhook_url: str | None = None
        """`webhookUrl` given to creates that set none (see `generations.create_generation`)."""
        self.missing_key_hint: str | None = None
        """The fix to suggest when no key is available (default: set SYNC_API_KEY)."""
        self.key_source = "SYNC_API_KEY"
        """Where the key came from, to name in an `invalid_api_key_header` error."""
        self._owns_http = True
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout or httpx.Timeout(30.0, connect=10.0, pool=10.0),
            # Small pools instead of one big one: concurrent long-polls stay cheap (see transport.py).
            transport=transport if transport is not None else ShardedTransport(),
            headers={"user-agent": f"sync-mcp/{__version__}", "x-sync-source": source},
            follow_redirects=False,
            cookies=NoCookies(),
        )

    def __repr__(self) -> str:  # never show the key
        return f"SyncClient(base_url={self.base_url!r}, api_key={'set' if self._api_key else 'unset'})"

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    @property
    def key_tag(self) -> str | None:
        """A short one-way tag of the key in use, to tell callers apart without holding their keys."""
        return hashlib.sha256(self._api_key.encode("utf-8")).hexdigest()[:16] if self._api_key else None

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared connection pool (for key-less transfers such as signed upload/download URLs)."""
        return self._http

    async def __aenter__(self) -> SyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def bound(
        self,
        *,
        api_key: str | None = None,
        on_retry: RetryHook | None = None,
        default_webhook_url: str | None = None,
        missing_key_hint: str | None = None,
        key_source: str | None = None,
    ) -> SyncClient:
        """A view of this client for one caller, over the same connection pool: its own key (None keeps
        this client's; `key_source` names where it came from), retry hook and defaults. Closing a view leaves
        the pool open."""
        view = copy.copy(self)
        view._owns_http = False
        if api_key:
            view._api_key = api_key
            view.key_source = key_source or view.key_source
        view.on_retry = on_retry
        view.default_webhook_url = default_webhook_url
        view.missing_key_hint = missing_key_hint
        return view

    # ------------------------------------------------------------------------------------ the one path

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        idempotency_key: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> httpx.Response:
        """Send one logical request; returns the 2xx response or raises `SyncAPIError`.

        Retries only safe requests (GET, or a POST carrying an Idempotency-Key, always the same key and
        body), on 408/429(rate)/5xx and transport failures, within the policy's attempts and time budget.
        The whole logical request, retries and waits included, ends within `max(budget, read timeout)`:
        an attempt still in flight at that point is abandoned and reported as a timeout.

        `data` and `files` make a multipart body (httpx's own arguments); file objects are read again from the
        start on each attempt.
        """
        send_headers = self._send_headers(headers, auth=auth, idempotency_key=idempotency_key)
        policy = retry or self.retry
        safe = method in ("GET", "HEAD") or idempotency_key is not None
        attempts = policy.max_attempts if safe else 1
        deadline = time.monotonic() + max(policy.budget, self._read_seconds(timeout))
        send = partial(
            self._http.request,
            method,
            path,
            params={k: v for k, v in (params or {}).items() if v is not None} or None,
            json=json,
            data=data,
            files=files,
            headers=send_headers,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        attempt = 0
        while True:
            attempt += 1
            outcome = await _attempt(send, method, path, deadline)
            retry_after: float | None = None
            if not isinstance(outcome, httpx.Response):
                error: SyncAPIError = outcome
            elif outcome.is_success:
                return outcome
            else:
                error = _error_from(outcome, self._api_key)
                retry_after = error.retry_after
                if not retry_automatically(outcome.status_code, error.error_code, error.generation_id, policy.statuses):
                    raise _sent(error, method, path, idempotency_key, attempt)
            delay = policy.delay(attempt, retry_after)
            if attempt >= attempts or time.monotonic() + delay >= deadline:
                raise _sent(error, method, path, idempotency_key, attempt)
            await self._before_retry(RetryNotice(method, path, attempt + 1, delay, error))
            await anyio.sleep(delay)

    def _send_headers(
        self, headers: Mapping[str, str] | None, *, auth: bool, idempotency_key: str | None
    ) -> dict[str, str]:
        """The request's headers with the API key (refused here when missing or unsendable) and the key."""
        if auth and self._api_key is None:
            raise MissingAPIKeyError(self.missing_key_hint)
        if auth and not SENDABLE_KEY.match(self._api_key or ""):
            raise InvalidAPIKeyError(self.key_source)
        send_headers: dict[str, str] = dict(headers or {})
        if auth and self._api_key is not None:
            send_headers["x-api-key"] = self._api_key
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        return send_headers

    async def _before_retry(self, notice: RetryNotice) -> None:
        logger.info(
            "retrying %s %s in %.2fs (attempt %d): %s",
            notice.method,
            notice.path,
            notice.delay,
            notice.attempt,
            notice.error,
        )
        if self.on_retry is not None:
            try:
                await self.on_retry(notice)
            except Exception:  # a hook must never change the request's outcome
                logger.debug("retry hook failed", exc_info=True)

    def _read_seconds(self, timeout: httpx.Timeout | float | None) -> float:
        """How long one attempt may wait for its answer (the read timeout in force for this request)."""
        if timeout is None:
            timeout = self._http.timeout
        if isinstance(timeout, httpx.Timeout):
            return timeout.read if timeout.read is not None else 0.0
        return float(timeout)

    @contextlib.asynccontextmanager
    async def stream(
        self, path: str, *, params: Mapping[str, Any] | None = None, timeout: httpx.Timeout | None = None
    ) -> AsyncIterator[httpx.Response]:
        """`GET path` with the key, its reply read as it arrives (e.g. server-sent events); sent once, never retried.
        A non-2xx reply raises `SyncAPIError`, a failed connection `TransportError` (also while reading)."""
        if self._api_key is None:
            raise MissingAPIKeyError(self.missing_key_hint)
        headers = {"x-api-key": self._api_key, "accept": "text/event-stream"}
        try:
            async with self._http.stream(
                "GET", path, params=params, headers=headers, timeout=timeout or httpx.USE_CLIENT_DEFAULT
            ) as response:
                if not response.is_success:
                    await response.aread()
                    raise _sent(_error_from(response, self._api_key), "GET", path, None, 1)
                yield response
        except httpx.TransportError as exc:
            timed_out = isinstance(exc, httpx.TimeoutException)
            raise TransportError(f"GET {path} failed ({type(exc).__name__}).", timed_out=timed_out) from None

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request` for endpoints that answer JSON: the decoded reply, scrubbed of secrets by value. A 2xx body
        that is not JSON, or nests deeper than `MAX_REPLY_DEPTH`, is an `UnreadableReplyError`."""
        response = await self.request(method, path, **kwargs)
        key = kwargs.get("idempotency_key")
        _last_reply.set(_Reply(method, path, response.status_code, key))
        try:
            data = decode_json(response.text)
        except ValueError as exc:
            error = UnreadableReplyError(
                str(exc),
                reply=self.scrub(response.text[: REPLY_EXCERPT * 4])[:REPLY_EXCERPT],
                http_status=response.status_code,
            )
            raise _sent(error, method, path, key, 1) from None
        return self.scrub(data)

    def scrub(self, value: Any) -> Any:
        """A decoded reply (or a text) with this client's key and every other known secret blanked."""
        return redactor.scrub_value(value, self._api_key)


@dataclass(frozen=True)
class _Reply:
    method: str
    path: str
    status: int
    idempotency_key: str | None


_last_reply: ContextVar[_Reply | None] = ContextVar("sync_mcp_last_reply", default=None)
"""The last reply `request_json` read in this task, so `read_reply` can say which request it answered."""

M = TypeVar("M", bound=BaseModel)


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
    excerpt = json_module.dumps(data, ensure_ascii=False, default=str)[: REPLY_EXCERPT * 4]
    last = _last_reply.get()
    error = UnreadableReplyError(
        reason,
        reply=redactor.scrub(excerpt)[:REPLY_EXCERPT],
        http_status=last.status if last else None,
        reply_id=reply_id if isinstance(reply_id, str) and ID_SEGMENT.match(reply_id) else None,
    )
    if last is not None:
        _sent(error, last.method, last.path, last.idempotency_key, 1)
    return error


class TooDeepError(ValueError):
    """JSON nested beyond `MAX_REPLY_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"it nests deeper than {MAX_REPLY_DEPTH} levels")


def decode_json(text: str) -> Any:
    """JSON nested at most `MAX_REPLY_DEPTH` deep; a ValueError saying what is wrong otherwise (bounded: the
    decoder's own recursion limit stops a reply nested many thousand levels deep at once)."""
    try:
        data = json_module.loads(text)
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


ID_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]{1,256}$")
"""What an id may hold to be put into a path as is: RFC 3986 unreserved characters (UUIDs, provider ids)."""


def path_segment(value: str, *, field: str = "id", code: str = "invalid_generation_id") -> str:
    """A path segment from an id: refuse anything that would change the path or could not be sent
    (separators, `%`, spaces, control characters), before any request."""
    if not ID_SEGMENT.match(value) or value in (".", ".."):
        shown = json_module.dumps(value[:80], ensure_ascii=True)
        raise SyncAPIError(
            http_status=None,
            error_code=code,
            message=f"{field}: {shown} is not a valid id; nothing was sent.",
            suggestion="Pass the id exactly as an earlier result returned it (letters, digits, '-', '_', '.', '~').",
            field=field,
        )
    return value


def as_list(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return list(data["items"])
    raise unreadable("not a JSON array", data)


def _error_from(response: httpx.Response, api_key: str | None = None) -> SyncAPIError:
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


def _sent(error: SyncAPIError, method: str, path: str, idempotency_key: str | None, attempts: int) -> SyncAPIError:
    """Record on the error what was sent (never the API key or the body), so it can be explained."""
    error.method, error.path, error.idempotency_key, error.attempts = method, path, idempotency_key, attempts
    return error


async def _attempt(
    send: Callable[[], Awaitable[httpx.Response]], method: str, path: str, deadline: float
) -> httpx.Response | TransportError:
    """One attempt: the response, or the transport failure (a reply that did not come in time included)."""
    failure: httpx.TransportError | None = None
    with anyio.move_on_after(deadline - time.monotonic()) as cut:
        try:
            return await send()
        except httpx.TransportError as exc:
            failure = exc
        except httpx.InvalidURL as exc:  # nothing could be sent; callers should have refused the value
            raise SyncAPIError(
                http_status=None,
                error_code="invalid_request",
                message=f"{method} {path[:120]!r} could not be sent: {exc}",
                suggestion="Check the ids and values passed (copy ids exactly as earlier results gave them).",
            ) from None
    timed_out = cut.cancelled_caught or isinstance(failure, httpx.TimeoutException)
    what = "did not answer in time" if timed_out else f"failed ({type(failure).__name__})"
    return TransportError(f"{method} {path} {what}.", outcome_unknown=(method == "POST"), timed_out=timed_out)
