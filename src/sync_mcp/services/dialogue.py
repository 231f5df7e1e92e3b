"""The dialogue workflow's steps (Sync docs: developer-guides/dialogue-editing): a media argument as the hosted
URL the jobs need, a transcription followed to its end, a dialogue-edit preview followed to its end.

Transcriptions and dialogue edits take media by URL only ("require media hosted in Sync storage"): an asset id
is read for its URL, a local file is uploaded as an asset first (reusing an earlier upload of the same bytes),
and a URL is passed as given (the API refuses one it cannot use, with its own error). Waits poll with backoff and
report progress; a wait that runs out returns the job as it stands, so its id is never lost.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import anyio

from sync_mcp.api import SyncClient
from sync_mcp.api.types.dialogue_edits import DIALOGUE_EDIT_TERMINAL, DialogueEdit
from sync_mcp.api.types.transcriptions import TRANSCRIPTION_TERMINAL, Transcription, TranscriptionRequest
from sync_mcp.guidance import refusals
from sync_mcp.guidance.steps import ProgressSink, duration_text

from .media_sources import MediaSource, resolve

FIRST_POLL_SECONDS = 0.5
MAX_POLL_SECONDS = 5.0


class Job(Protocol):
    id: str
    status: str


J = TypeVar("J", bound=Job)


async def follow(
    fetch: Callable[[], Awaitable[J]],
    job: J,
    terminal: frozenset[str],
    timeout: float,
    progress: ProgressSink,
    what: str,
) -> tuple[J, bool]:
    """Poll `fetch` until the job is terminal or `timeout` runs out; `(job, timed_out)`."""
    started = time.monotonic()
    delay = FIRST_POLL_SECONDS
    while job.status not in terminal:
        elapsed = time.monotonic() - started
        if elapsed + delay > timeout:
            return job, True
        await progress.report(None, f"{what} {job.id}: {job.status.lower()} ({duration_text(elapsed)})")
        await anyio.sleep(delay)
        delay = min(delay * 1.5, MAX_POLL_SECONDS)
        job = await fetch()
    await progress.report(100.0, f"{what} {job.id}: {job.status.lower()}")
    return job, False


async def hosted_url(client: SyncClient, source: MediaSource, progress: ProgressSink) -> str:
    """The URL the dialogue jobs can fetch for a media argument (see the module docstring)."""
    if source.url is not None:
        return source.url
    asset_id = source.asset_id
    if asset_id is None:  # a local file: its upload is a phase of its own
        progress.next_phase()
        done = await resolve(client, source, progress)
        asset_id = done.wire["assetId"]
    asset = await client.assets.get(asset_id)
    if not asset.url:
        raise refusals.asset_without_url(source.field, asset_id)
    return asset.url


async def transcribe(
    client: SyncClient,
    request: TranscriptionRequest | None,
    transcription_id: str | None,
    timeout: float,
    progress: ProgressSink,
) -> tuple[Transcription, bool]:
    """Start a transcription (or read the one named) and follow it; `(job, timed_out)`."""
    if transcription_id is not None:
        job = await client.transcriptions.get(transcription_id)
    elif request is not None:
        job = await client.transcriptions.create(request)
    else:
        raise ValueError("a transcription request or id is required")
    return await follow(
        lambda: client.transcriptions.get(job.id), job, TRANSCRIPTION_TERMINAL, timeout, progress, "transcription"
    )


async def follow_preview(
    client: SyncClient, job: DialogueEdit, timeout: float, progress: ProgressSink
) -> tuple[DialogueEdit, bool]:
    return await follow(
        lambda: client.dialogue_edits.get(job.id), job, DIALOGUE_EDIT_TERMINAL, timeout, progress, "dialogue edit"
    )
