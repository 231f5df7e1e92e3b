"""One argument, three ways to name media: a public URL, an asset id, or a local file to upload.

`classify` decides which (no network) and checks a local file completely (confinement to the caller's
folders, type, size);
`resolve` then gives the input item's source: `{"url": ...}` or `{"assetId": ...}`, uploading a local file
first (reusing an earlier upload of the same bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sync_mcp.api import SyncClient
from sync_mcp.api.assets import AssetDetails
from sync_mcp.api.errors import LOCAL_VALIDATION_CODE
from sync_mcp.api.models import is_uuid
from sync_mcp.api.uploads import UploadOutcome

from .folders import Folders
from .progress import ProgressSink
from .refusals import InputError
from .uploading import LocalMedia, local_media, upload_local

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
            raise InputError(
                LOCAL_VALIDATION_CODE,
                f"{field}: only http(s) URLs can be fetched by the API, not {scheme.group(1)}://.",
                "Pass a public https URL, an asset id, or the path of a local file to upload.",
                field=field,
            )
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
