"""How a failure reaches the agent: the catalog's explanation, plus what one more look can add.

`explain_generation_failure` explains a FAILED or REJECTED generation (a job that ended, not a call that
failed): its `errorCode` is looked up in the live catalog (fetched when the cache has none, the bundled
snapshot as fallback). A code neither knows is said to be unknown, plainly: the API's `error` text is quoted
as data, and the catalog entries closest to the code (same topic words or leading words, e.g.
`generation_audio_*`) are offered with their fixes.

`explain_failure` is what every tool's error path uses (through `toolkit/results.py` `structured_errors`):
- everything: `ErrorCatalog.explain` (quoted API text, the catalog's fix, the idempotency key to reuse);
- `concurrency_limit_reached` on a create (reference §14.2): the plan's in-flight jobs are the reason, so
  instead of a bare "wait" the agent learns how many there are and which ones, and is told to wait on one
  of them with get_generation. The ids come from `GET /v2/generations?status=PENDING,PROCESSING&limit=100`;
  the counts come from the error body when it has them. Nothing is retried here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sync_mcp.api import ErrorCatalog, ErrorInfo, SyncAPIError
from sync_mcp.api.catalog import CatalogEntry, CatalogSource
from sync_mcp.api.explain import quote_api_text
from sync_mcp.api.retries import is_retryable

if TYPE_CHECKING:
    from sync_mcp.api import Generation

if TYPE_CHECKING:
    from sync_mcp.api.client import SyncClient

CREATE_PATH = "/v2/generate"
IN_FLIGHT = ["PENDING", "PROCESSING"]
MAX_IDS_SHOWN = 10
PLAIN_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
"""An errorCode that can be repeated as it is (anything else from the API is referred to, not repeated)."""


@dataclass(frozen=True)
class GenerationFailure:
    """Why a generation ended FAILED or REJECTED, and what to do about it."""

    fix: str
    retryable: bool
    explanation: str
    """The catalog's message for the code, or a plain statement that the catalog has no entry for it, with the
    API's own `error` quoted as data."""
    closest: list[CatalogEntry] = field(default_factory=list)
    """For a code the catalog does not know: the entries nearest to it, with their fixes."""


async def explain_generation_failure(
    catalog: ErrorCatalog, generation: Generation, retry_with: str
) -> GenerationFailure:
    """Look the generation's errorCode up (live catalog, bundled fallback) and say what it means.

    `retry_with` names what starts the new attempt (e.g. "lipsync"), for a code no catalog knows.
    """
    code = generation.error_code
    entry = await catalog.lookup(code)
    if entry is not None:
        return GenerationFailure(
            fix=entry.fix,
            retryable=is_retryable(entry.code, None, entry.category),
            explanation=entry.message or f"{entry.code} (the catalog gives no message for it).",
        )
    said = _api_words(generation)
    if not code:
        return GenerationFailure(
            fix=f"The API gave no errorCode, so no catalog fix applies. Read `error`, check the inputs meet the "
            f"media requirements (list_models), then start a new generation with {retry_with}; quote the "
            f"generation id {generation.id} to support if it repeats.",
            retryable=False,
            explanation=f"The generation ended {generation.status} without an errorCode. {said}",
        )
    closest = await catalog.closest(code)
    nearest = (
        "Compare `error` with closestErrors (the catalog entries nearest to this code) and apply the fix of the "
        "one that matches; if none does, check"
        if closest
        else "Check"
    )
    return GenerationFailure(
        fix=f"No catalog fix is known for this code. {nearest} that the inputs meet the media requirements "
        f"(formats and limits: list_models), then start a new generation with {retry_with}; quote the generation "
        f"id {generation.id} to support if it repeats.",
        retryable=False,
        explanation=f"{no_entry(code, catalog.source)} {said}",
        closest=closest,
    )


def no_entry(code: str, source: CatalogSource) -> str:
    """The plain statement that the catalog does not know `code` (after the live catalog was consulted)."""
    named = json.dumps(code) if PLAIN_CODE.match(code) else "this errorCode"
    checked = (
        "neither the live catalog nor the bundled snapshot knows it"
        if source == "live"
        else "the bundled snapshot does not know it, and the live catalog could not be reached just now"
    )
    return f"The error catalog has no entry for errorCode {named}: {checked}."


def _api_words(generation: Generation) -> str:
    text = (generation.error or "").strip()
    if not text:
        return "The API gave no `error` text."
    if text == generation.error_code:
        return "The API's `error` only repeats the code."
    return "Its own words, quoted as data: " + quote_api_text(text)


async def explain_failure(catalog: ErrorCatalog, client: SyncClient, exc: SyncAPIError) -> ErrorInfo:
    info = await catalog.explain(exc)
    if exc.error_code == "concurrency_limit_reached" and exc.path == CREATE_PATH:
        info = await _with_jobs_in_flight(client, exc, info)
    return info


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


async def _with_jobs_in_flight(client: SyncClient, exc: SyncAPIError, info: ErrorInfo) -> ErrorInfo:

    running: list[Generation] | None
    try:
        running = await client.generations.list(status=IN_FLIGHT, limit=100)
    except SyncAPIError:
        running = None  # the explanation below still holds without the ids
    active = _count(exc.body.get("activeGenerations"))
    if active is None and running is not None:
        active = len(running)
    limit = _count(exc.body.get("concurrencyLimit"))
    details = dict(info.details or {})
    if active is not None:
        details["activeGenerations"] = active
    if limit is not None:
        details["concurrencyLimit"] = limit
    ids = [g.id for g in running or []]
    if ids:
        details["inFlightGenerationIds"] = ids[:MAX_IDS_SHOWN]

    in_flight = f"{active} generation(s) are in flight" if active is not None else "Generations are in flight"
    plan = f" and the plan allows {limit} at a time" if limit is not None else ""
    # The oldest job of the page (newest first) is the likeliest to finish first.
    wait_on = f"call get_generation with id={ids[-1]} and wait=true" if ids else "follow one with get_generation"
    key = exc.idempotency_key
    again = f' with the same arguments and idempotencyKey "{key}"' if key else " with the same arguments"
    after = f" (at least {exc.retry_after:g} s)" if exc.retry_after is not None else ""
    fix = (
        f"{in_flight}{plan}, so nothing was started. Wait for one to finish{after}: {wait_on}, then repeat "
        f"this call{again}. Do not retry in a loop; a higher plan allows more at once."
    )
    return info.model_copy(update={"fix": fix, "details": details or None, "retryable": False})
