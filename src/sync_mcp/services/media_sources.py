"""One argument, three ways to name media: a public URL, an asset id, or a local file to upload.

`classify` decides which (no network) and checks a local file completely (confinement to the caller's
folders, type, size); `resolve` then gives the input item's source: `{"url": ...}` or `{"assetId": ...}`,
uploading a local file first (reusing an earlier upload of the same bytes).

Or small local files travel with the create (`direct_files`, `create_with_files`): one multipart
`POST /v2/generate` ("Create Generation with Files", reference §3.2) instead of an upload round trip per file
(hash lookup, upload URL, PUT, registration) followed by a JSON create. Chosen when every local input of a
create is at most `DIRECT_MAX_BYTES` (the direct-upload limit older docs give; upstream proxies may cap lower
than the parser's 5 GiB) and no spend check has to price the body first: the estimate
(`POST /v2/analyze/cost`) reads the inputs from their URLs or assets, which local files only have once
uploaded. Otherwise each file is uploaded as before. The API stores each file as an asset of the
organisation; the created generation's `input` names it by `assetId`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sync_mcp import telemetry
from sync_mcp.api import CreateGenerationRequest, Generation, SyncClient
from sync_mcp.api.types.assets import AssetDetails
from sync_mcp.api.types.generations import FormFile
from sync_mcp.api.types.shared import is_uuid
from sync_mcp.api.uploads import UploadOutcome
from sync_mcp.config import Settings
from sync_mcp.guidance import refusals
from sync_mcp.guidance.steps import ProgressSink, byte_count

from .paths import Folders
from .uploading import LocalMedia, local_media, open_checked, upload_local

Kind = Literal["video", "image", "audio"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class MediaSource:
    """A classified media argument: exactly one of `url`, `asset_id`, `local`."""

    field: str
    kind: Kind
    url: str | None = None
    asset_id: str | None = None
    local: LocalMedia | None = None

    def wire(self, asset_id: str | None = None) -> dict[str, str]:
        """The input item's source; a local file needs the `asset_id` its upload produced."""
        if self.url is not None:
            return {"url": self.url}
        if self.asset_id is not None:
            return {"assetId": self.asset_id}
        if asset_id is None:
            raise ValueError("a local file must be uploaded before it can be used as an input")
        return {"assetId": asset_id}


def classify(source: str, kind: Kind, *, field: str, folders: Folders) -> MediaSource:
    """Which of URL, asset id or local path `source` is; a local file is fully checked here."""
    value = source.strip()
    scheme = _SCHEME.match(value)
    if scheme is not None:
        if scheme.group(1).lower() not in ("http", "https"):
            raise refusals.unfetchable_scheme(field, scheme.group(1))
        return MediaSource(field=field, kind=kind, url=value)
    if is_uuid(value):
        return MediaSource(field=field, kind=kind, asset_id=value)
    return MediaSource(field=field, kind=kind, local=local_media(value, folders, field=field, kind=kind))


def short_name(url: str) -> str:
    """What names a media URL in a line of text: its file name (`speaker.mp4`), else its host; never the query
    (a signed URL's signature is long and says nothing)."""
    host, _, path = url.split("?", 1)[0].split("#", 1)[0].split("://", 1)[-1].partition("/")
    return path.rstrip("/").rsplit("/", 1)[-1] or host or url[:40]


def label(source: MediaSource) -> str:
    """A classified argument in words: a file name, a URL's short name, or `asset <id>`."""
    if source.local is not None:
        return source.local.path.name
    if source.asset_id is not None:
        return f"asset {source.asset_id}"
    return short_name(source.url or "")


@dataclass(frozen=True)
class ResolvedSource:
    wire: dict[str, str]
    """The input item's source: `{"url": ...}` or `{"assetId": ...}`."""
    upload: UploadOutcome | None = None
    """For a local file: the upload (or the reuse of an earlier one)."""


async def resolve(
    client: SyncClient, source: MediaSource, progress: ProgressSink, details: AssetDetails | None = None
) -> ResolvedSource:
    """The wire source of a classified argument, uploading a local file first (reported to `progress` as the
    current phase: the workflow starts it)."""
    if source.local is None:
        return ResolvedSource(source.wire())
    outcome = await upload_local(client, source.local, details or AssetDetails(), progress)
    return ResolvedSource(source.wire(outcome.asset.id), outcome)


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
    once, and what was opened checked again, as an upload does (uploading.open_checked): a file swapped for a
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
        generation = await client.generations.create_with_files(request, forms, idempotency_key=key)
    telemetry.transfer("up", total)
    await progress.report(100.0, f"create: 100 % (sent {names})")
    echoed = generation.input or []
    sent = []
    for f, form in zip(files, forms, strict=True):
        item = next((i for i in echoed if i.get("type") == form.kind and isinstance(i.get("assetId"), str)), None)
        size = f.source.local.size if f.source.local is not None else 0
        sent.append(SentFile(f.source.field, item["assetId"] if item else None, size))
    return generation, sent
