"""Small local files that travel with the create: one multipart `POST /v2/generate` ("Create Generation with
Files", reference §3.2) instead of an upload round trip per file (hash lookup, upload URL, PUT, registration)
followed by a JSON create.

Chosen when every local input of a create is at most `DIRECT_MAX_BYTES` (the direct-upload limit older docs
give; upstream proxies may cap lower than the parser's 5 GiB) and no spend check has to price the body first:
the estimate (`POST /v2/analyze/cost`) reads the inputs from their URLs or assets, which local files only have
once uploaded. Otherwise each file is uploaded as before. The API stores each file as an asset of the
organisation; the created generation's `input` names it by `assetId`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from sync_mcp import telemetry
from sync_mcp.api import CreateGenerationRequest, Generation, SyncClient
from sync_mcp.api.generations import FormFile, create_generation_with_files
from sync_mcp.config import Settings

from .local_files import open_checked
from .media_sources import MediaSource
from .progress import ProgressSink, byte_count

DIRECT_MAX_BYTES = 20_000_000
"""Largest local file sent with the create (20 MB, reference §3.2 and §16.2)."""


@dataclass(frozen=True)
class DirectFile:
    source: MediaSource
    input_index: int
    """The item of the body's `input` this file supplies."""


@dataclass(frozen=True)
class SentFile:
    """A file sent with the create, and the asset the API made of it (None if the reply does not name it)."""

    argument: str
    asset_id: str | None
    size: int


def direct_files(settings: Settings, sources: Sequence[MediaSource | None]) -> list[DirectFile] | None:
    """The files to send with the create, `sources` being the input items in order (None for a text item); None
    when the files should be uploaded first (none is local, one is too large, or a spend check needs an estimate)."""
    local = [(n, s) for n, s in enumerate(sources) if s is not None and s.local is not None]
    if not local or any(s.local.size > DIRECT_MAX_BYTES for _, s in local if s.local is not None):
        return None
    if settings.max_cost_usd is not None or settings.confirm_above_usd is not None:
        return None
    return [DirectFile(s, n) for n, s in local]


async def create_with_files(
    client: SyncClient, request: CreateGenerationRequest, files: Sequence[DirectFile], key: str, progress: ProgressSink
) -> tuple[Generation, list[SentFile]]:
    """Create with the files in the request; `request` holds placeholders where the files go. Each file is opened
    once, and what was opened checked again, as an upload does (local_files.open_checked): a file swapped for a
    link, a pipe or another file after the check is refused, and nothing outside the caller's folders is sent.
    Reported to `progress` as the current phase (the caller starts it)."""
    with contextlib.ExitStack() as stack:
        forms = []
        for f in files:
            local = f.source.local
            assert local is not None  # direct_files keeps local sources only
            opened = stack.enter_context(open_checked(local.path, local.identity, local.folders, field=local.field))
            forms.append(FormFile(f.source.kind, opened.name, opened.file, local.media.content_type, f.input_index))
        total = sum(local.size for f in files if (local := f.source.local) is not None)
        names = ", ".join(form.name for form in forms)
        await progress.report(None, f"create: sending {names} ({byte_count(total)}) with it")
        generation = await create_generation_with_files(client, request, forms, idempotency_key=key)
    telemetry.transfer("up", total)
    await progress.report(100.0, f"create: 100 % (sent {names})")
    echoed = generation.input or []
    sent = []
    for f, form in zip(files, forms, strict=True):
        item = next((i for i in echoed if i.get("type") == form.kind and isinstance(i.get("assetId"), str)), None)
        size = f.source.local.size if f.source.local is not None else 0
        sent.append(SentFile(f.source.field, item["assetId"] if item else None, size))
    return generation, sent
