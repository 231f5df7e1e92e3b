"""The error catalog (`GET /v2/errors`, reference §10): the live one, cached with a TTL, with the snapshot bundled
in the package as fallback; each entry's `fix` is what agents are told to do about that code."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import anyio
from pydantic import BaseModel, ConfigDict, Field

from .errors import (
    ErrorInfo,
    InvalidAPIKeyError,
    MissingAPIKeyError,
    SyncAPIError,
    TransportError,
    UnreadableReplyError,
)
from .explain import explain_api_error, explain_unreadable, status_hint

if TYPE_CHECKING:
    from .types.errors import ErrorCatalogEntry

logger = logging.getLogger(__name__)


class CatalogEntry(BaseModel):
    """A catalog entry as agents see it (wire `suggestion` becomes `fix`)."""

    code: str
    message: str
    fix: str
    category: str | None = None
    http_status: int | None = Field(default=None, alias="httpStatus")

    model_config = ConfigDict(populate_by_name=True)


def load_bundled_catalog() -> list[CatalogEntry]:
    """The snapshot shipped in the package (built from the API reference's error-catalog.json)."""
    text = resources.files("sync_mcp.api").joinpath("data/error_catalog.json").read_text(encoding="utf-8")
    return [CatalogEntry.model_validate(e) for e in json.loads(text)]


def parse_live_catalog(payload: Any) -> list[ErrorCatalogEntry]:
    """`GET /v2/errors` answers an array; tolerate an `{errors: [...]}` envelope."""
    from .types.errors import ErrorCatalogEntry  # the wire models: imported when the catalog is first read

    items = payload.get("errors") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ValueError("error catalog is neither a list nor an {errors: [...]} object")
    return [ErrorCatalogEntry.model_validate(item) for item in items if isinstance(item, dict) and "code" in item]


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

    async def explain(self, err: SyncAPIError) -> ErrorInfo:
        """An API or transport error as the agent sees it, with this catalog's fix (explain.py)."""
        if isinstance(err, UnreadableReplyError):
            return explain_unreadable(err)
        local = isinstance(err, (MissingAPIKeyError, TransportError, InvalidAPIKeyError))
        return explain_api_error(err, None if local else await self.lookup(err.error_code))

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
