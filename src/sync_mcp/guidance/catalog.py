"""The error catalog (`GET /v2/errors`, reference §10): the live one, cached with a TTL, with the snapshot bundled
in the package as fallback; each entry's `fix` is what agents are told to do about that code. For a code no
catalog knows, `status_hint` says what its HTTP status usually calls for; `is_retryable` says whether the same
call may succeed later (by code, category and status)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import anyio

from sync_mcp.api.catalog import CatalogEntry, load_bundled_catalog, parse_live_catalog
from sync_mcp.api.retries import IDEMPOTENCY_OUTCOME_UNKNOWN, NOT_RETRYABLE_CODES, RETRYABLE_STATUSES

logger = logging.getLogger(__name__)

RETRYABLE_CATEGORIES = frozenset({"infrastructure", "rate_limit", "tts_provider"})
"""Catalog categories whose errors pass with time."""
TRANSPORT_CODES = frozenset({"network_error", "request_timeout"})
"""The client's codes for a request that got no reply."""


def is_retryable(code: str | None, status: int | None, category: str | None) -> bool:
    """Whether the agent is told the same call may succeed later without changes."""
    if code in NOT_RETRYABLE_CODES:
        return False
    if code == IDEMPOTENCY_OUTCOME_UNKNOWN or code in TRANSPORT_CODES:
        return True
    if category is not None and category in RETRYABLE_CATEGORIES:
        return True
    return status in RETRYABLE_STATUSES if status is not None else False


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


CatalogSource = Literal["live", "bundled"]


class ErrorCatalog:
    """The live catalog, cached for `ttl` seconds, with the bundled snapshot as fallback.

    `fetch` is an async callable returning the raw catalog payload (the client's unauthenticated
    `GET /v2/errors`, one attempt bounded in time). A failed fetch falls back to the bundle and is not retried
    for `retry_after_failure` seconds, so a dead API is not asked again on every error; calls that need the
    catalog at the same moment share one fetch.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Any]] | None,
        *,
        ttl: float = 3600.0,
        retry_after_failure: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._retry_after_failure = retry_after_failure
        self._clock = clock
        self._bundled = {e.code: e for e in load_bundled_catalog()}
        self._live: dict[str, CatalogEntry] | None = None
        self._expires_at = 0.0
        self._fetching: anyio.Lock | None = None
        self.source: CatalogSource = "bundled"

    async def refresh(self, *, force: bool = False) -> CatalogSource:
        if not force and self._clock() < self._expires_at:
            return self.source
        if self._fetching is None:
            self._fetching = anyio.Lock()
        async with self._fetching:  # one fetch at a time: who waited for it reads its result
            if not force and self._clock() < self._expires_at:
                return self.source
            return await self._refresh()

    async def _refresh(self) -> CatalogSource:
        now = self._clock()
        if self._fetch is None:
            self._expires_at = float("inf")
            return self.source
        try:
            entries = parse_live_catalog(await self._fetch())
        except Exception as exc:  # network, HTTP or shape problems: the bundle answers instead
            logger.warning("error catalog unavailable, using the bundled snapshot: %s", exc)
            self._live, self.source = None, "bundled"
            self._expires_at = now + self._retry_after_failure
            return self.source
        merged: dict[str, CatalogEntry] = {}
        for e in entries:
            known = self._bundled.get(e.code)
            merged[e.code] = CatalogEntry(
                code=e.code,
                message=e.message or (known.message if known else ""),
                fix=e.suggestion or (known.fix if known else status_hint(known.http_status if known else None)),
                category=known.category if known else None,
                httpStatus=known.http_status if known else None,
            )
        self._live, self.source = merged, "live"
        self._expires_at = now + self._ttl
        return self.source

    async def entries(self) -> tuple[list[CatalogEntry], CatalogSource]:
        await self.refresh()
        if self._live is None:
            return list(self._bundled.values()), "bundled"
        # Codes only the bundle knows (documented elsewhere, legacy) stay visible after the live ones.
        extra = [e for code, e in self._bundled.items() if code not in self._live]
        return [*self._live.values(), *extra], "live"

    async def lookup(self, code: str | None) -> CatalogEntry | None:
        if not code:
            return None
        await self.refresh()
        if self._live is not None and code in self._live:
            return self._live[code]
        return self._bundled.get(code)

    def lookup_cached(self, code: str | None) -> CatalogEntry | None:
        """Lookup without any network (for validation errors raised before a request)."""
        if not code:
            return None
        if self._live is not None and code in self._live:
            return self._live[code]
        return self._bundled.get(code)

    async def closest(self, code: str, limit: int = 3) -> list[CatalogEntry]:
        """The entries nearest to a code the catalog does not know: those sharing its topic words (an earlier
        word outweighs all later ones: `audio` in `generation_audio_*`), then its leading words; none when
        nothing is shared. The catalog's order breaks ties."""
        words = code.lower().split("_")
        scored = []
        for entry in (await self.entries())[0]:
            theirs = entry.code.lower().split("_")
            if theirs == words:
                continue
            topic = sum(2.0**-n for n, w in enumerate(words) if w not in _GENERIC_WORDS and w in theirs)
            prefix = 0
            while prefix < min(len(words), len(theirs)) and words[prefix] == theirs[prefix]:
                prefix += 1
            if topic > 0 or prefix >= 2:
                scored.append((-topic, -prefix, len(scored), entry))
        return [entry for *_, entry in sorted(scored)[:limit]]


_GENERIC_WORDS = frozenset({"generation", "input", "error", "failed", "invalid", "unknown"})
"""Words too common in codes to say what a code is about."""
