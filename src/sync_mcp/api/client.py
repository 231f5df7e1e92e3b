"""`SyncClient`: the Sync API v2 over one `httpx.AsyncClient`, knowing nothing of who calls it.

One request path (`request`) carries every endpoint (resources on the client, one module per API domain in
`resources/`: `client.generations`, `client.assets`, ...): the `x-api-key` header (only on authenticated
calls, and only to the API host), timeouts on every call, the retry policy, and the conversion of
non-2xx replies into `APIStatusError` (errors.py has the exception tree, each built with the request and
reply it concerns).

Replies are untrusted input. A reply is decoded first (bounded in depth), then every string in it is
scrubbed of the API key and every other secret the log redactor knows, so an echo hidden behind JSON
escapes is blanked too, in error bodies and success bodies alike. A success reply that cannot be read
(not JSON, too deep, not the expected shape: `Reply.read`) is an `UnreadableReplyError`, which says the
request was sent, never an argument error. The connection pool keeps no cookies: it serves every user of
a deployment. Reading replies is `replies.py`; the retry table and policy are `retries.py`; ids `ids.py`.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import partial
from http.cookiejar import Cookie, CookieJar
from typing import Any

import anyio
import httpx

from sync_mcp import __version__, telemetry
from sync_mcp.api.resources.base import Reply, error_from, read_json
from sync_mcp.telemetry import redactor

from .endpoint import DEFAULT_BASE_URL
from .errors import InvalidAPIKeyError, MissingAPIKeyError, NotSentError, SyncAPIError, TransportError, sent_path
from .resources import ClientResources
from .retries import RETRYABLE_STATUSES, RetryHook, RetryNotice, RetryPolicy, retry_automatically
from .transport import ProxyRouting, ShardedTransport

logger = logging.getLogger(__name__)

SENDABLE_KEY = re.compile(r"^[\x21-\x7e]+$")
"""What an API key may hold to go into the `x-api-key` header: printable ASCII, no spaces."""


def key_digest(key: str | None) -> str | None:
    """SHA-256 (hex) of an API key: the one plain digest of a key, to tell keys apart without holding them.

    Callers' identities (toolkit/state.py) and `SyncClient.key_tag` (its first 16 digits) are this digest. Two
    keyed digests differ on purpose and stay apart: `RedisStore.digest` (backend/) HMACs what goes to Redis with
    the server's secret, and the OAuth `KeySealer.subject` HMACs a key into a subject name; the sandbox tags keys
    its own way, as the API's stand-in. Folder names and shared records depend on these bytes: never change them.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest() if key else None


class NoCookies(CookieJar):
    """A cookie jar that stores nothing: one connection pool serves every user of a deployment (HTTP mode), and
    a cookie set on one user's reply must never ride along with another user's requests."""

    def set_cookie(self, cookie: Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


class SyncClient(ClientResources):
    """Async client for the Sync API v2. Use as `async with SyncClient(...) as api:`; the endpoints are its
    resources (`api.generations.get(id)`, `api.assets.list(query)`, ...: see `resources/`)."""

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
        """`webhookUrl` given to creates that set none (see `client.generations.create`)."""
        self.missing_key_hint: str | None = None
        """The fix to suggest when no key is available (default: set SYNC_API_KEY)."""
        self.key_source = "SYNC_API_KEY"
        """Where the key came from, to name in an `invalid_api_key_header` error."""
        self._owns_http = True
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout or httpx.Timeout(30.0, connect=10.0, pool=10.0),
            # Small pools instead of one big one: concurrent long-polls stay cheap (see transport.py); the route
            # (direct, or through the proxy the environment names) chosen per request (see transport.py).
            transport=transport if transport is not None else ProxyRouting(lambda proxy: ShardedTransport(proxy=proxy)),
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
        digest = key_digest(self._api_key)
        return digest[:16] if digest else None

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
        options: dict[str, Any] = {
            "params": params,
            "json": json,
            "data": data,
            "files": files,
            "headers": headers,
            "auth": auth,
            "idempotency_key": idempotency_key,
            "timeout": timeout,
            "retry": retry,
        }
        if telemetry.recorder is None:
            return await self._request(method, path, **options)
        return await _recorded(telemetry.recorder, self._request, method, path, options)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | None,
        files: Any,
        headers: Mapping[str, str] | None,
        auth: bool,
        idempotency_key: str | None,
        timeout: httpx.Timeout | float | None,
        retry: RetryPolicy | None,
        tally: list[int] | None = None,
    ) -> httpx.Response:
        send_headers = self._send_headers(headers, auth=auth, idempotency_key=idempotency_key)
        policy = retry or self.retry
        safe = method in ("GET", "HEAD") or idempotency_key is not None
        attempts = policy.max_attempts if safe else 1
        deadline = time.monotonic() + max(policy.budget, self._read_seconds(timeout))
        build = partial(
            self._http.build_request,
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
            if tally is not None:
                tally[0] = attempt
            outcome = await _attempt(self._http.send, _built(build, method, path), deadline, attempt)
            retry_after: float | None = None
            if not isinstance(outcome, httpx.Response):
                error: SyncAPIError = outcome
            elif outcome.is_success:
                return outcome
            else:
                error = error_from(outcome, self._api_key, attempt)
                retry_after = error.retry_after
                if not retry_automatically(outcome.status_code, error.error_code, error.generation_id, policy.statuses):
                    raise error
            delay = policy.delay(attempt, retry_after)
            if attempt >= attempts or time.monotonic() + delay >= deadline:
                raise error
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
        A non-2xx reply raises `APIStatusError`, a failed connection `TransportError` (also while reading)."""
        if self._api_key is None:
            raise MissingAPIKeyError(self.missing_key_hint)
        headers = {"x-api-key": self._api_key, "accept": "text/event-stream"}
        request = self._http.build_request(
            "GET", path, params=params, headers=headers, timeout=timeout or httpx.USE_CLIENT_DEFAULT
        )
        try:
            response = await self._http.send(request, stream=True)
            try:
                if not response.is_success:
                    await response.aread()
                    raise error_from(response, self._api_key, 1)
                yield response
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            timed_out = isinstance(exc, httpx.TimeoutException)
            raise TransportError(request, f"GET {path} failed ({type(exc).__name__}).", timed_out=timed_out) from None

    async def request_reply(self, method: str, path: str, **kwargs: Any) -> Reply:
        """`request` for endpoints that answer JSON: the decoded reply, scrubbed of secrets by value, with the
        response it came in (`Reply.read` reads a wire model from it). A 2xx body that is not JSON, or nests
        deeper than `MAX_REPLY_DEPTH`, is an `UnreadableReplyError`."""
        return read_json(await self.request(method, path, **kwargs), self._api_key)

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request_reply`'s decoded data alone, for replies read as they are."""
        return (await self.request_reply(method, path, **kwargs)).data

    def scrub(self, value: Any) -> Any:
        """A decoded reply (or a text) with this client's key and every other known secret blanked."""
        return redactor.scrub_value(value, self._api_key)


def _built(build: Callable[[], httpx.Request], method: str, path: str) -> httpx.Request:
    """The request of one attempt; one that cannot be built (a value no URL can hold) is refused unsent."""
    try:
        return build()
    except httpx.InvalidURL as exc:  # callers should have refused the value
        raise NotSentError("invalid_request", f"{method} {path[:120]!r} could not be sent: {exc}") from None


async def _attempt(
    send: Callable[[httpx.Request], Awaitable[httpx.Response]], request: httpx.Request, deadline: float, attempt: int
) -> httpx.Response | TransportError:
    """One attempt: the response, or the transport failure (a reply that did not come in time included)."""
    failure: httpx.TransportError | None = None
    with anyio.move_on_after(deadline - time.monotonic()) as cut:
        try:
            return await send(request)
        except httpx.TransportError as exc:
            failure = exc
    timed_out = cut.cancelled_caught or isinstance(failure, httpx.TimeoutException)
    what = "did not answer in time" if timed_out else f"failed ({type(failure).__name__})"
    if isinstance(failure, httpx.ProxyError):  # says what the proxy answered, or why it cannot be used
        what = f"failed at the proxy: {failure}"
    message = f"{request.method} {sent_path(request)} {what}."
    return TransportError(request, message, timed_out=timed_out, attempts=attempt)


async def _recorded(
    recorder: telemetry.Recorder,
    request: Callable[..., Awaitable[httpx.Response]],
    method: str,
    path: str,
    options: dict[str, Any],
) -> httpx.Response:
    """`request` in a CLIENT span `{method} {route}`, its duration, status and retries recorded (no id, key or
    query in any name or attribute: the route is a template)."""
    route = telemetry.route_of(path)
    tally = [1]
    status = "error"
    start = time.monotonic()
    attributes = {"http.request.method": method, "url.template": route}
    with recorder.span(f"{method} {route}", attributes) as span:
        try:
            response = await request(method, path, tally=tally, **options)
            status = str(response.status_code)
            return response
        except SyncAPIError as exc:
            status = str(exc.http_status) if exc.http_status else (exc.error_code or "error")
            span.set_attribute("error.type", exc.error_code or status)
            span.set_attribute("sync.error_code", exc.error_code or "")
            # Whether the client's own rule would send it again (no reply counts: a safe request is sent again).
            again = exc.http_status is not None and retry_automatically(
                exc.http_status, exc.error_code, exc.generation_id, RETRYABLE_STATUSES
            )
            span.set_attribute("sync.retryable", again or isinstance(exc, TransportError))
            raise
        finally:
            if status.isdigit():
                span.set_attribute("http.response.status_code", int(status))
            span.set_attribute("http.request.resend_count", tally[0] - 1)
            recorder.api_request(method, route, status, time.monotonic() - start, tally[0] - 1)
