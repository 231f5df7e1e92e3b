"""Media the API accepts (reference §16.1) and the single-upload size limit (§16.2), by file extension.

The reference lists formats as MIME types; the extension each maps from is the usual one for that MIME
type. The same table decides a local file's asset type (`VIDEO`, `AUDIO`, `IMAGE`) and the
`Content-Type` announced for its upload, and the sandbox uses it to describe uploaded assets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

AssetType = Literal["VIDEO", "AUDIO", "IMAGE"]
"""Asset kinds of the API (reference §5), upper case on the wire."""

MediaKind = Literal["video", "audio", "image"]
"""The same kinds as generation input types (reference §3.1.1), lower case on the wire."""

ASSET_TYPES: dict[MediaKind, AssetType] = {"video": "VIDEO", "audio": "AUDIO", "image": "IMAGE"}

MAX_UPLOAD_BYTES = 5_000_000_000
"""Largest single presigned upload (reference §16.2). [INF] The upload-URL endpoint page says 5 GB, the
upload guide 5 GiB; the smaller reading is used so that a file accepted here is never refused there."""


@dataclass(frozen=True)
class MediaFormat:
    extension: str
    content_type: str
    asset_type: AssetType
    limited: bool = False
    """Audio formats the reference lists as "limited" support."""

    @property
    def kind(self) -> MediaKind:
        return next(kind for kind, asset_type in ASSET_TYPES.items() if asset_type == self.asset_type)


_FORMATS = (
    MediaFormat(".mp4", "video/mp4", "VIDEO"),
    MediaFormat(".mov", "video/quicktime", "VIDEO"),
    MediaFormat(".qt", "video/quicktime", "VIDEO"),
    MediaFormat(".webm", "video/webm", "VIDEO"),
    MediaFormat(".avi", "video/x-msvideo", "VIDEO"),
    MediaFormat(".wav", "audio/wav", "AUDIO"),
    MediaFormat(".mp3", "audio/mpeg", "AUDIO"),
    MediaFormat(".ogg", "audio/ogg", "AUDIO"),
    MediaFormat(".oga", "audio/ogg", "AUDIO"),
    MediaFormat(".flac", "audio/flac", "AUDIO"),
    # [INF] audio/mp4 is the registered type of .m4a (ALAC audio also lives in .m4a files).
    MediaFormat(".m4a", "audio/mp4", "AUDIO"),
    MediaFormat(".wma", "audio/x-ms-wma", "AUDIO", limited=True),
    MediaFormat(".m3a", "audio/x-m3a", "AUDIO", limited=True),
    MediaFormat(".aac", "audio/aac", "AUDIO", limited=True),
    MediaFormat(".jpg", "image/jpeg", "IMAGE"),
    MediaFormat(".jpeg", "image/jpeg", "IMAGE"),
    MediaFormat(".png", "image/png", "IMAGE"),
    MediaFormat(".webp", "image/webp", "IMAGE"),
)

FORMATS_BY_EXTENSION: dict[str, MediaFormat] = {f.extension: f for f in _FORMATS}

CONTENT_TYPES: frozenset[str] = frozenset(
    {f.content_type for f in _FORMATS} | {"audio/alac", "audio/x-m4a"}  # listed in §16.1, no own extension
)
"""Every MIME type §16.1 lists; `POST /v2/assets/upload` is refused locally for any other."""


def supported_extensions(asset_type: AssetType | None = None) -> list[str]:
    return [f.extension for f in _FORMATS if asset_type is None or f.asset_type == asset_type]


def supported_text(asset_type: AssetType | None = None) -> str:
    """'video .mp4 .mov ...; audio .wav ...; image .jpg ...' (or one kind only)."""
    kinds: tuple[AssetType, ...] = (asset_type,) if asset_type else ("VIDEO", "AUDIO", "IMAGE")
    return "; ".join(f"{k.lower()} {' '.join(supported_extensions(k))}" for k in kinds)


def format_of(name: str) -> MediaFormat | None:
    """The format of a file name or URL path by its extension (case-insensitive), or None."""
    return FORMATS_BY_EXTENSION.get(PurePath(name).suffix.lower())
