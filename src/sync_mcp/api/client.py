"""`SyncClient`: the Sync API v2 over one `httpx.AsyncClient`, knowing nothing of MCP.

One request path (`request`) carries every endpoint (the endpoint functions live in one module
per API domain: `generations.py`, `catalog.py`, ...): the `x-api-key` header (only on authenticated
calls, and only to the API host), timeouts on every call, the retry policy, and the conversion of
non-2xx replies into `SyncAPIError`.
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
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from sync_mcp import __version__
from sync_mcp.logs import REDACTED

from .errors import MissingAPIKeyError, SyncAPIError, TransportError
from .transport import ShardedTransport

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.sync.so"
MAX_WAIT_SECONDS = 10
"""The API's own long-poll cap for `GET /v2/generate/{id}?wait=true` (reference §3.3)."""

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")


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
    statuses: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})

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
        self._owns_http = True
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout or httpx.Timeout(30.0, connect=10.0, pool=10.0),
            # Small pools instead of one big one: concurrent long-polls stay cheap (see transport.py).
            transport=transport if transport is not None else ShardedTransport(),
            headers={"user-agent": f"sync-mcp/{__version__}", "x-sync-source": source},
            follow_redirects=False,
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
    ) -> SyncClient:
        """A view of this client for one caller, over the same connection pool: its own key (None keeps
        this client's), retry hook and defaults. Closing a view leaves the pool open."""
        view = copy.copy(self)
        view._owns_http = False
        if api_key:
            view._api_key = api_key
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
        if auth and self._api_key is None:
            raise MissingAPIKeyError(self.missing_key_hint)
        send_headers: dict[str, str] = dict(headers or {})
        if auth and self._api_key is not None:
            send_headers["x-api-key"] = self._api_key
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        policy = retry or self.retry
        safe = method in ("GET", "HEAD") or idempotency_key is not None
        attempts = policy.max_attempts if safe else 1
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        started = time.monotonic()
        deadline = started + max(policy.budget, self._read_seconds(timeout))
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            failure: httpx.TransportError | None = None
            with anyio.move_on_after(deadline - time.monotonic()) as cut:
                try:
                    response = await self._http.request(
                        method,
                        path,
                        params=clean_params or None,
                        json=json,
                        data=data,
                        files=files,
                        headers=send_headers,
                        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    )
                except httpx.TransportError as exc:
                    failure = exc
                except httpx.InvalidURL as exc:  # nothing could be sent; callers should have refused the value
                    raise SyncAPIError(
                        http_status=None,
                        error_code="invalid_request",
                        message=f"{method} {path[:120]!r} could not be sent: {exc}",
                        suggestion="Check the ids and values passed (copy ids exactly as earlier results gave them).",
                    ) from None
            retry_after: float | None = None
            if response is None:
                timed_out = cut.cancelled_caught or isinstance(failure, httpx.TimeoutException)
                what = "did not answer in time" if timed_out else f"failed ({type(failure).__name__})"
                error: SyncAPIError = TransportError(
                    f"{method} {path} {what}.", outcome_unknown=(method == "POST"), timed_out=timed_out
                )
            elif response.is_success:
                return response
            else:
                error = _error_from(response, self._api_key)
                retry_after = error.retry_after
                if not _retryable_reply(response.status_code, error, policy):
                    raise _sent(error, method, path, idempotency_key, attempt)
            if attempt >= attempts:
                raise _sent(error, method, path, idempotency_key, attempt)
            delay = policy.delay(attempt, retry_after)
            if time.monotonic() + delay >= deadline:
                raise _sent(error, method, path, idempotency_key, attempt)
            logger.info("retrying %s %s in %.2fs (attempt %d): %s", method, path, delay, attempt + 1, error)
            if self.on_retry is not None:
                try:
                    await self.on_retry(RetryNotice(method, path, attempt + 1, delay, error))
                except Exception:  # a hook must never change the request's outcome
                    logger.debug("retry hook failed", exc_info=True)
            await anyio.sleep(delay)

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
        """`request` for endpoints that answer JSON; a non-JSON 2xx body is an `invalid_response` error."""
        response = await self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise SyncAPIError(
                http_status=response.status_code,
                error_code="invalid_response",
                message=f"{method} {path} answered with a body that is not JSON.",
                suggestion="Check SYNC_BASE_URL points at the Sync API (https://api.sync.so).",
            ) from exc


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
    raise SyncAPIError(
        http_status=200, error_code="invalid_response", message="Expected a JSON array from the API.", suggestion=None
    )


def _error_from(response: httpx.Response, api_key: str | None = None) -> SyncAPIError:
    """The error of a non-2xx reply. Should the reply echo the API key, it is blanked before parsing, so
    the key cannot travel on in a message, a suggestion or a detail."""
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    text = response.text
    if api_key and api_key in text:
        text = text.replace(api_key, REDACTED)
    try:
        payload: Any = json_module.loads(text)
    except ValueError:
        payload = text
    return SyncAPIError.from_response(response.status_code, payload, retry_after)


def _sent(
    error: SyncAPIError, method: str, path: str, idempotency_key: str | None, attempts: int
) -> SyncAPIError:
    """Record on the error what was sent (never the API key or the body), so it can be explained."""
    error.method, error.path, error.idempotency_key, error.attempts = method, path, idempotency_key, attempts
    return error


def _retryable_reply(status: int, error: SyncAPIError, policy: RetryPolicy) -> bool:
    if status not in policy.statuses:
        return False
    if error.error_code in ("concurrency_limit_reached", "batch_concurrency_limit_reached"):
        return False  # in-flight jobs must finish first; hammering does not help (reference §14.2)
    if error.error_code == "IDEMPOTENCY_OUTCOME_UNKNOWN" and error.generation_id:
        return False  # the caller follows that generation instead (reference §13)
    return True
