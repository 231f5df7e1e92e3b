"""Why a generation ended FAILED or REJECTED (a job that ended, not a call that failed), and what to do about it.

Its `errorCode` is looked up in the live catalog (fetched when the cache has none, the bundled snapshot as
fallback). A code neither knows is said to be unknown, plainly: the API's `error` text is quoted as data, and the
catalog entries closest to the code (same topic words or leading words, e.g. `generation_audio_*`) are offered
with their fixes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .catalog import CatalogEntry, CatalogSource, ErrorCatalog, is_retryable
from .errors import quote_api_text

if TYPE_CHECKING:
    from sync_mcp.api import Generation

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
