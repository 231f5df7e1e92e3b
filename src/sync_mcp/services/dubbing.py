"""A lipsync into several languages at once (`target_language: [es, fr, de]`): one dubbing generation per
language, each with its own Idempotency-Key (the call's key plus the language, so a retry with the same key
creates none twice), after one combined estimate was checked once against the spend limit (the spend guard
prices a list of bodies as one total). The result lists each language's id, status and output; a language whose
create fails does not undo the others: the result says which failed and why. tools/lipsync.py runs the creates
and the wait; this module knows the languages, their keys and what to say next, with no network.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api.types.shared import IDEMPOTENCY_KEY
from sync_mcp.guidance import refusals, steps
from sync_mcp.guidance.errors import ErrorInfo

from .lipsync_body import LipsyncRequest

KEY_ROOM = 120
"""Characters of the call's key kept before `-<language>` (the API allows 128)."""
ENDED = ("COMPLETED", "FAILED", "REJECTED", "CREATE_FAILED")
"""A language's statuses after which nothing changes."""


class LanguageOutcome(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    language: str
    id: str | None = Field(default=None, description="Generation id (none when its create failed).")
    status: str = Field(description="The generation's status, or CREATE_FAILED.")
    output_url: str | None = Field(default=None, alias="outputUrl")
    idempotency_key: str = Field(alias="idempotencyKey")
    error: ErrorInfo | None = Field(default=None, description="Why this language failed.")


def languages(request: LipsyncRequest) -> list[str] | None:
    """The languages of a several-language dub (None for one language or none)."""
    value = request.target_language
    if not isinstance(value, list):
        return None
    codes = [code.strip() for code in value]
    if not codes or len(set(codes)) != len(codes) or not all(codes):
        raise refusals.languages_not_distinct()
    return codes


def for_language(request: LipsyncRequest, language: str) -> LipsyncRequest:
    """What one language's generation asks for (its own output name when one was asked for)."""
    name = f"{request.output_name}_{language}" if request.output_name else None
    return request.model_copy(update={"target_language": language, "output_name": name})


def language_key(key: str, language: str) -> str:
    key = f"{key[:KEY_ROOM]}-{language}"
    digest = hashlib.sha256(language.encode("utf-8")).hexdigest()[:8]
    return key if IDEMPOTENCY_KEY.match(key) else f"{key[:KEY_ROOM]}-{digest}"


def done_count(outcomes: list[LanguageOutcome]) -> int:
    return sum(1 for o in outcomes if o.status in ENDED)


def summary(outcomes: list[LanguageOutcome], key: str) -> str:
    """The next step for a several-language dub."""
    failed = [(o.language, o.error.error_code if o.error else "?") for o in outcomes if o.status == "CREATE_FAILED"]
    running = [(o.language, o.id) for o in outcomes if o.status not in ENDED]
    return steps.languages_dubbed(failed, running, key)
