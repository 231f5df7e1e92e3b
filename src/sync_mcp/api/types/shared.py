"""What every wire type is built from: request and response bases, open enums, rule errors and checks.

Python attribute names are snake_case; the wire names (camelCase at the top level and in input items,
snake_case inside `options`, as the API does) are the aliases. Requests serialise with
`to_wire()` (aliases, no null fields). Request models refuse unknown keys, so a typo such as
`syncMode` fails locally instead of being silently dropped; response models keep unknown keys, so a
growing API never breaks parsing.

Cross-field rules are `model_validator`s raising `rule_error(...)`: a `PydanticCustomError` whose type is the
API's own error code and whose context names the field and the fix.

Ids on the wire (a section below): the Idempotency-Keys the client mints, and the ids it puts into a request path.

Media the API takes (the last section): the formats it accepts (reference §16.1) and the single-upload size
limit (§16.2), by file extension.

The reference lists formats as MIME types; the extension each maps from is the usual one for that MIME
type. The same table decides a local file's asset type (`VIDEO`, `AUDIO`, `IMAGE`) and the
`Content-Type` announced for its upload, and the sandbox uses it to describe uploaded assets.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..errors import LOCAL_VALIDATION_CODE, SyncAPIError


class RequestModel(BaseModel):
    """A body we send: wire aliases, unknown keys refused, serialised without nulls."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


log = logging.getLogger(__name__)

_noted: set[tuple[str, str]] = set()


def note_unknown(where: str, what: str) -> None:
    """Say once, at DEBUG, that a response carried something the reference does not know (kept as sent)."""
    if (where, what) not in _noted:
        _noted.add((where, what))
        log.debug("%s: %s is not in the reference; kept and passed through as the API sent it", where, what)


class ResponseModel(BaseModel):
    """A body we receive: wire aliases, unknown keys kept (the API grows) and noted once at DEBUG."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", defer_build=True)

    @model_validator(mode="after")
    def _note_extra(self) -> ResponseModel:
        for name in self.model_extra or ():
            note_unknown(type(self).__name__, f"field {name!r}")
        return self

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def open_enum(known: Any, where: str) -> Any:
    """A response enum read tolerantly: the `known` Literal's values, or any other string the API adds later
    (kept as sent, noted once at DEBUG). Requests keep the closed Literal."""
    values = frozenset(get_args(known))

    def check(value: str) -> str:
        if value not in values:
            note_unknown(where, f"value {value!r}")
        return value

    return Annotated[str, AfterValidator(check)]


def rule_error(code: str, field: str, message: str, fix: str) -> PydanticCustomError:
    """A validation failure that carries the API's error code, the offending field and the fix."""
    # Braces would be read as format fields by pydantic-core; the texts here never need them.
    return PydanticCustomError(code, f"{field}: {message}", {"field": field, "fix": fix})


def check_media_url(value: str, field: str = "url") -> str:
    """Media URLs must be absolute http(s) URLs without embedded credentials (reference §3.1.2)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise rule_error(
            LOCAL_VALIDATION_CODE,
            field,
            "must be an absolute http(s) URL",
            "Pass a public https URL the API can fetch, or upload the file first and pass its assetId.",
        )
    if parts.username or parts.password:
        raise rule_error(
            LOCAL_VALIDATION_CODE,
            field,
            "must not embed credentials (user:password@)",
            "Use a public or pre-signed URL without credentials, or upload the file and pass assetId.",
        )
    return value


def is_uuid(value: str) -> bool:
    """A UUID in its usual 36- or 32-character spelling (the form every API id takes)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) in (32, 36)


def check_uuid(value: str, field: str, code: str = LOCAL_VALIDATION_CODE) -> str:
    if not is_uuid(value):
        raise rule_error(code, field, "must be a UUID", f"Pass the {field} exactly as the API returned it.")
    return value


Unit = Annotated[float, Field(ge=0, le=1)]


# ----------------------------------------------------------------------------------------------- ids on the wire

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
"""What an Idempotency-Key may hold (reference §13)."""
ID_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]{1,256}$")
"""What an id may hold to be put into a path as is: RFC 3986 unreserved characters (UUIDs, provider ids)."""


def new_idempotency_key() -> str:
    """One key per logical create, minted before the first attempt and reused on every retry."""
    return "sync-mcp-" + secrets.token_urlsafe(24)


def path_segment(value: str, *, field: str = "id", code: str = "invalid_generation_id") -> str:
    """A path segment from an id: refuse anything that would change the path or could not be sent
    (separators, `%`, spaces, control characters), before any request."""
    if not ID_SEGMENT.match(value) or value in (".", ".."):
        shown = json.dumps(value[:80], ensure_ascii=True)
        raise SyncAPIError(
            http_status=None,
            error_code=code,
            message=f"{field}: {shown} is not a valid id; nothing was sent.",
            suggestion="Pass the id exactly as an earlier result returned it (letters, digits, '-', '_', '.', '~').",
            field=field,
        )
    return value


# ------------------------------------------------------------------------------------------- media the api takes

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
