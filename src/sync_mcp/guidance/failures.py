"""What went wrong beyond the caller's arguments, and what to do about it: a generation that ended FAILED or
REJECTED (a job that ended, not a call that failed), a download of its output that failed, a wait or download
after a create that failed while the generation stands (lipsync's warnings), and this server's own faults (a tool
that crashed, the shared state's Redis not answering).

A generation's `errorCode` is looked up in the live catalog (fetched when the cache has none, the bundled snapshot
as fallback). A code neither knows is said to be unknown, plainly: the API's `error` text is quoted as data, and
the catalog entries closest to the code (same topic words or leading words, e.g. `generation_audio_*`) are offered
with their fixes.

The rest is one function per situation, taking the plain facts (the generation id, its status, the HTTP status,
the setting that limits, the folder, ...) and returning the `ErrorInfo` the agent reads; the code that meets the
situation (`sync_mcp.services.downloads`, the tool wrapper, the server) chooses it and writes no words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .catalog import CatalogEntry, CatalogSource, ErrorCatalog, is_retryable
from .errors import ErrorInfo, quote_api_text

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


# --------------------------------------------- a download of the output (services/downloads.py: `DownloadFailed`)

RETRY_WITH = "lipsync or create_generation"
"""What starts a new generation, for one that ended without an output."""


def _download(
    code: str, message: str, fix: str, *, generation_id: str, retryable: bool, status: int | None = None
) -> ErrorInfo:
    return ErrorInfo(
        errorCode=code,
        httpStatus=status,
        message=message,
        fix=fix,
        retryable=retryable,
        generationId=generation_id,
    )


async def ended_without_output(catalog: ErrorCatalog, generation: Generation) -> ErrorInfo:
    """The generation ended (FAILED, REJECTED, ...) without an output: why it ended, from the catalog."""
    fix = (await explain_generation_failure(catalog, generation, RETRY_WITH)).fix
    return _download(
        "generation_not_completed",
        f"Generation {generation.id} ended {generation.status} ({generation.error_code or 'no errorCode'}), so it "
        "has no output to download.",
        fix,
        generation_id=generation.id,
        retryable=False,
    )


def output_not_ready(generation_id: str, status: str) -> ErrorInfo:
    """The generation is still `status` (PENDING, PROCESSING, ...): no output yet."""
    return _download(
        "generation_not_completed",
        f"Generation {generation_id} is still {status}: there is no output to download yet.",
        f"Call get_generation with id={generation_id} and wait=true until it is COMPLETED, then call "
        "download_output again.",
        generation_id=generation_id,
        retryable=True,
    )


def download_timed_out(generation_id: str, seconds: float) -> ErrorInfo:
    """The whole download took longer than `seconds` (`SYNC_MCP_DOWNLOAD_TIMEOUT`)."""
    return _download(
        "output_download_timed_out",
        f"Downloading the output of {generation_id} took longer than the {seconds:g} s a download may take; no "
        "partial file was kept.",
        "Call download_output again (the storage may have been slow); if it keeps timing out, the server's "
        "operator can raise SYNC_MCP_DOWNLOAD_TIMEOUT.",
        generation_id=generation_id,
        retryable=True,
    )


def over_budget(generation_id: str, why: str, setting: str, folder: Path, *, per_caller: bool) -> ErrorInfo:
    """The output would not fit under the limit `setting` sets (`why` says how): the size cap of one download
    (`SYNC_MCP_MAX_DOWNLOAD_BYTES`), the output folder's quota, or the budget of all callers' folders.
    `folder` is the caller's output folder; `per_caller` when each caller has their own (over HTTP)."""
    if setting == "SYNC_MCP_OUTPUT_QUOTA_BYTES" and not per_caller:
        fix = f"Delete videos you no longer need from {folder} or raise {setting}, then call again."
    elif setting == "SYNC_MCP_OUTPUT_QUOTA_BYTES":
        fix = (
            f"Ask the server's operator to clear old videos from your folder ({folder}) or to raise {setting}, "
            "then call again."
        )
    else:
        fix = f"Ask the server's operator to free space or raise {setting}, then call again."
    fix += " Meanwhile the generation's outputUrl (get_generation) serves the video directly."
    return _download(
        "output_too_large" if setting == "SYNC_MCP_MAX_DOWNLOAD_BYTES" else "output_quota_exceeded",
        f"The output of {generation_id} was not saved: {why}. No partial file was kept.",
        fix,
        generation_id=generation_id,
        retryable=False,
    )


def too_many_redirects(generation_id: str, limit: int) -> ErrorInfo:
    return _download(
        "output_download_failed",
        f"The output URL of {generation_id} redirected more than {limit} times; nothing was saved.",
        "Call download_output again shortly; if it persists, quote the generation id to support.",
        generation_id=generation_id,
        retryable=True,
    )


def unsafe_download_url(generation_id: str, why: str) -> ErrorInfo:
    """The output URL (or a redirect) was refused by the fetch rule; `why` names the rule, never the address."""
    return _download(
        "unsafe_download_url",
        f"The output URL of {generation_id} was not fetched: {why}. Nothing was saved.",
        "Use the generation's outputUrl from get_generation in a browser; if download_output keeps refusing, "
        "quote the generation id to support (the API should hand out public storage URLs).",
        generation_id=generation_id,
        retryable=False,
    )


def output_write_failed(generation_id: str, why: str) -> ErrorInfo:
    """The output file could not be written (`why`: the OS's reason)."""
    return _download(
        "output_write_failed",
        f"Could not write the output file: {why}.",
        "Free disk space or set SYNC_MCP_OUTPUT_DIR to a writable folder, then call download_output again.",
        generation_id=generation_id,
        retryable=False,
    )


def transfer_broke_off(generation_id: str, error: str) -> ErrorInfo:
    """The connection failed mid-transfer (`error`: the kind of transport error)."""
    return _interrupted(generation_id, f"the transfer broke off ({error})")


def transfer_cut_short(generation_id: str, received: int, expected: int) -> ErrorInfo:
    """The transfer ended before the `expected` bytes the storage announced."""
    return _interrupted(generation_id, f"received {received} of {expected} bytes")


def _interrupted(generation_id: str, why: str) -> ErrorInfo:
    return _download(
        "output_download_interrupted",
        f"Downloading the output of {generation_id} failed: {why}. No partial file was kept.",
        "Call download_output again; it asks the API for a fresh URL and starts over.",
        generation_id=generation_id,
        retryable=True,
    )


def download_refused(generation_id: str, status: int) -> ErrorInfo:
    """The storage answered the output URL with HTTP `status` (not 200)."""
    if status in (401, 403):
        fix = "The signed URL was refused (expired or altered). Call download_output again for a fresh URL."
    elif status == 404:
        fix = f"The output file is not available. Check the generation with get_generation id={generation_id}."
    else:
        fix = "The storage service failed; call download_output again shortly."
    return _download(
        "output_download_failed",
        f"The output URL answered HTTP {status}; nothing was saved.",
        fix,
        generation_id=generation_id,
        retryable=status != 404,
        status=status,
    )


# ------------------------------------------------------------------ after the create (lipsync's warnings)


def no_language_created(first: ErrorInfo) -> ErrorInfo:
    """A dub into several languages where not one generation was created: the first language's error, said so."""
    return first.model_copy(update={"message": f"No language was created. {first.message}"})


def wait_stopped(info: ErrorInfo) -> str:
    """A warning: following the created generation failed (`info`); the generation stands and keeps running."""
    return f"Waiting stopped ({info.error_code}: {info.message}); the generation was created."


def not_downloaded(info: ErrorInfo, generation_id: str | None = None) -> str:
    """A warning: saving the finished video failed (`info`), the generation stands. A download failure carries
    its own fix; an API error (with `generation_id`) is followed by the call that retries the download."""
    if generation_id is None:
        return f"Not downloaded: {info.message} {info.fix}"
    return f"Not downloaded ({info.error_code}): {info.message} Call download_output id={generation_id}."


# ------------------------------------------------------------------------------------ this server's own faults

UNAVAILABLE_CODE = "shared_state_unavailable"
RETRY_AFTER_SECONDS = 2.0
"""How long to wait before retrying a request that needed the shared state (also the HTTP `Retry-After`)."""


def crashed(tool: str) -> ErrorInfo:
    """What the agent sees when a tool fails unexpectedly (a fault of this server; details go to its log)."""
    return ErrorInfo(
        errorCode="internal_error",
        message=f"{tool} failed unexpectedly inside sync-mcp; this is not a problem with your arguments.",
        fix="Call get_generation or list_generations before repeating a create (it may have started), then try "
        "once more; if it repeats, report it to the server's operator with the time of the call.",
        retryable=False,
    )


def shared_state_unavailable(what: str = "This request") -> ErrorInfo:
    """`what` (a tool's name, a request's method) needs the shared state, and its Redis is not answering: a
    retryable error, never a silent local fallback."""
    return ErrorInfo(
        errorCode=UNAVAILABLE_CODE,
        httpStatus=503,
        message=f"{what} needs the state this deployment's replicas share, and its Redis is not answering just "
        "now. Nothing was changed, and nothing stored before is lost.",
        fix="Retry in a few seconds: the server reconnects by itself when Redis is back. If it persists, the "
        "server's operator should check the Redis at SYNC_MCP_REDIS_URL.",
        retryable=True,
        retryAfterSeconds=RETRY_AFTER_SECONDS,
    )


def task_without_shared_state(tool: str) -> ErrorInfo:
    """`tool` was asked to run as a task, and task handles live in the shared state (nothing created or spent)."""
    return shared_state_unavailable(f"{tool} as a task")


def delivery_without_shared_state() -> ErrorInfo:
    """A webhook delivery not taken for want of the shared state (the sender may deliver it again)."""
    return shared_state_unavailable("Receiving this webhook delivery")
