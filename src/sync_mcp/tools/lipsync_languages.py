"""`lipsync` into several languages at once (`target_language: [es, fr, de]`): one dubbing generation per
language, each created with its own Idempotency-Key (the call's key plus the language, so a retry with the same
key creates none twice), after one combined estimate was checked once against the spend limit (tools/spending.py
prices a list of bodies as one total). Progress runs across all of them; the result lists each language's id,
status and output. A language whose create fails does not undo the others: the result says which failed and why.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api import CreateGenerationRequest, Generation, SyncAPIError
from sync_mcp.api.errors import LOCAL_VALIDATION_CODE
from sync_mcp.api.ids import IDEMPOTENCY_KEY
from sync_mcp.guidance.errors import ErrorInfo, InputError, explain
from sync_mcp.services.waiting import follow_generation
from sync_mcp.toolkit.progress import Progress
from sync_mcp.toolkit.state import ToolState

from .generations import remember_start
from .lipsync_request import LipsyncArguments

KEY_ROOM = 120
"""Characters of the call's key kept before `-<language>` (the API allows 128)."""


class LanguageOutcome(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    language: str
    id: str | None = Field(default=None, description="Generation id (none when its create failed).")
    status: str = Field(description="The generation's status, or CREATE_FAILED.")
    output_url: str | None = Field(default=None, alias="outputUrl")
    idempotency_key: str = Field(alias="idempotencyKey")
    error: ErrorInfo | None = Field(default=None, description="Why this language failed.")


def languages(args: LipsyncArguments) -> list[str] | None:
    """The languages of a several-language dub (None for one language or none)."""
    value = args.target_language
    if not isinstance(value, list):
        return None
    if args.download:
        raise InputError(
            LOCAL_VALIDATION_CODE,
            "download: saves one video; several languages make several.",
            "Drop download, then call download_output with each language's generation id.",
            field="download",
        )
    codes = [code.strip() for code in value]
    if not codes or len(set(codes)) != len(codes) or not all(codes):
        raise InputError(
            LOCAL_VALIDATION_CODE,
            "target_language: give one or more distinct language codes.",
            "Pass e.g. [es, fr, de], each language once.",
            field="target_language",
        )
    return codes


def for_language(args: LipsyncArguments, language: str) -> LipsyncArguments:
    """The arguments of one language's generation (its own output name when one was asked for)."""
    name = f"{args.output_name}_{language}" if args.output_name else None
    return args.model_copy(update={"target_language": language, "output_name": name})


def language_key(key: str, language: str) -> str:
    key = f"{key[:KEY_ROOM]}-{language}"
    digest = hashlib.sha256(language.encode("utf-8")).hexdigest()[:8]
    return key if IDEMPOTENCY_KEY.match(key) else f"{key[:KEY_ROOM]}-{digest}"


async def create_each(
    state: ToolState, progress: Progress, key: str, dubs: list[tuple[str, CreateGenerationRequest]]
) -> tuple[list[Generation | None], list[LanguageOutcome]]:
    """Create every language's generation; a failed create is recorded and the others go on."""
    created: list[Generation | None] = []
    outcomes: list[LanguageOutcome] = []
    for n, (language, request) in enumerate(dubs, start=1):
        own = language_key(key, language)
        try:
            generation = await state.client.generations.create(request, idempotency_key=own)
        except SyncAPIError as exc:
            created.append(None)
            info = await explain(exc, state.catalog)
            outcomes.append(LanguageOutcome(language=language, status="CREATE_FAILED", idempotencyKey=own, error=info))
            continue
        remember_start(state, generation.id, "lipsync")
        await state.updates.observe(generation)
        created.append(generation)
        outcomes.append(
            LanguageOutcome(language=language, id=generation.id, status=generation.status, idempotencyKey=own)
        )
        await progress.report(
            100.0 * n / len(dubs), f"create: {language} is generation {generation.id} ({n} of {len(dubs)})"
        )
    return created, outcomes


def _observe(state: ToolState) -> Callable[[Generation, int, float], Awaitable[None]]:
    async def seen(current: Generation, poll: int, elapsed: float) -> None:
        await state.updates.observe(current)

    return seen


async def follow_each(
    state: ToolState,
    progress: Progress,
    created: list[Generation | None],
    outcomes: list[LanguageOutcome],
    timeout: float,
) -> bool:
    """Follow every created generation within one shared wait; True when the wait ran out first."""
    progress.next_phase()
    deadline = time.monotonic() + timeout
    timed_out = False
    for n, (generation, outcome) in enumerate(zip(created, outcomes, strict=True)):
        if generation is None:
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            continue
        try:
            current, ran_out = await follow_generation(
                state.client, generation.id, timeout=left, on_poll=_observe(state), deliveries=state.deliveries
            )
        except SyncAPIError:  # a failing poll ends this wait; the generation keeps running and its id is kept
            timed_out = True
            continue
        timed_out = timed_out or ran_out
        outcome.status, outcome.output_url = current.status, current.output_url
        created[n] = current
        done = sum(1 for o in outcomes if o.status in ("COMPLETED", "FAILED", "REJECTED", "CREATE_FAILED"))
        await progress.report(
            100.0 * done / len(outcomes),
            f"wait: {outcome.language} is {current.status} ({done} of {len(outcomes)} done)",
        )
    return timed_out


def summary(outcomes: list[LanguageOutcome], key: str) -> str:
    """The next step for a several-language dub."""
    failed = [o for o in outcomes if o.status == "CREATE_FAILED"]
    running = [o for o in outcomes if o.status not in ("COMPLETED", "FAILED", "REJECTED", "CREATE_FAILED")]
    parts = []
    if failed:
        why = "; ".join(f"{o.language}: {o.error.error_code if o.error else '?'}" for o in failed)
        parts.append(
            f"Not created: {why}. The other languages were created and are kept; to retry only the failed ones call "
            "lipsync again with those languages (the same idempotencyKey keeps created ones from being made twice)."
        )
    if running:
        ids = ", ".join(f"{o.language}={o.id}" for o in running)
        parts.append(f"Still running: {ids}; follow each with get_generation (wait=true).")
    if not parts:
        parts.append("Every language is done: each outputUrl is a signed, expiring URL, so copy it exactly.")
    parts.append(f"A retry with idempotencyKey={key} creates no language twice.")
    return " ".join(parts)
