"""Local media files: what a path may be uploaded as, and the upload itself with progress.

Shared by `upload_media` and every tool that accepts a local path in place of a URL (`media_sources`).
Everything that can be checked without the network (confinement to the caller's folders via
`paths.readable_file`, media type per reference §16.1, size per §16.2) is checked before the first request.
The upload opens the checked file once (`local_files.open_checked`, which checks the opened file again)
and hashes and sends that open file only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePath

from sync_mcp import telemetry
from sync_mcp.api import SyncClient, uploads
from sync_mcp.api.media import ASSET_TYPES, MAX_UPLOAD_BYTES, MediaFormat, MediaKind, format_of, supported_text
from sync_mcp.api.types.assets import AssetDetails

from .folders import Folders
from .local_files import Identity, open_checked
from .paths import readable_file
from .progress import ProgressSink, bytes_done, percent_of, phase_message
from .refusals import InputError


@dataclass(frozen=True)
class LocalMedia:
    path: Path
    """Real path (symlinks resolved), inside the allowed folders."""
    media: MediaFormat
    size: int
    folders: Folders
    """The caller's folders, which the file must still be inside when it is opened."""
    identity: Identity
    """The file that was checked; the upload refuses any other."""
    field: str = "path"
    """The argument that named the file (for error messages)."""


def local_media(value: str, folders: Folders, *, field: str = "path", kind: MediaKind | None = None) -> LocalMedia:
    """A readable media file for `value`, or a `InputError` naming `field` and the fix.

    The media type comes from the extension of the name given (else of the file it resolves to).
    With `kind`, the file must be of that kind (a video where a video is expected, ...).
    """
    path = readable_file(value, folders, field=field)
    media = format_of(PurePath(value.strip()).name) or format_of(path.name)
    if media is None:
        raise InputError(
            "unsupported_media_type",
            f"{field}: '{path.name}' is not a media type the Sync API accepts.",
            f"Convert it to a supported format ({supported_text(ASSET_TYPES[kind] if kind else None)}; "
            "MP4/H.264 video and WAV or MP3 audio are recommended), then pass the new file.",
            field=field,
        )
    if kind is not None and media.kind != kind:
        raise InputError(
            "generation_input_asset_type_mismatch",
            f"{field}: '{path.name}' is {media.kind}, but {field} needs {kind}.",
            f"Pass a {kind} file here ({supported_text(ASSET_TYPES[kind])}).",
            field=field,
        )
    try:
        identity = Identity.of(os.stat(path))
    except OSError as exc:
        raise InputError(
            "file_not_readable",
            f"{field}: '{path.name}' could not be read: {exc.strerror or type(exc).__name__}.",
            "Check the file still exists and this server's user may read it, then call again.",
            field=field,
        ) from None
    size = identity.size
    if size == 0:
        raise InputError(
            "file_empty", f"{field}: '{path.name}' is empty (0 bytes).", "Pass a file that holds media.", field=field
        )
    if size > MAX_UPLOAD_BYTES:
        raise InputError(
            "file_too_large",
            f"{field}: '{path.name}' is {size / 1e9:.2f} GB; a single upload may be at most 5 GB.",
            "Trim it or re-encode it (MP4/H.264 video, MP3 audio) to under 5 GB, then upload the smaller file.",
            field=field,
        )
    return LocalMedia(path=path, media=media, size=size, folders=folders, identity=identity, field=field)


async def upload_local(
    client: SyncClient, local: LocalMedia, details: AssetDetails, progress: ProgressSink
) -> uploads.UploadOutcome:
    """Upload (or reuse, by SHA-256) a checked local file; progress in bytes sent, at most ~100 reports."""
    step = max(uploads.CHUNK_SIZE, local.size // 100)
    last = 0
    phase = f"upload {local.path.name}"

    async def on_bytes(sent: int) -> None:
        nonlocal last
        if sent - last >= step or sent == local.size:
            last = sent
            percent = percent_of(sent, local.size)
            await progress.report(percent, phase_message(phase, percent, bytes_done(sent, local.size)))

    attributes = {"sync.asset.type": local.media.asset_type, "sync.upload.bytes": local.size}
    try:
        with (
            telemetry.span("upload", **attributes) as span,
            open_checked(local.path, local.identity, local.folders, field=local.field) as opened,
        ):
            source = uploads.FileSource(file=opened.file, name=opened.name, size=opened.size)
            outcome = await client.uploads.file(source, local.media, details, on_progress=on_bytes)
            span.set_attribute("sync.upload.reused", outcome.reused)
            if not outcome.reused:
                telemetry.transfer("up", local.size)
    except OSError as exc:  # a read failed (an I/O error of the disk, a file system gone)
        raise InputError(
            "file_not_readable",
            f"{local.field}: '{local.path.name}' could not be read: {exc.strerror or type(exc).__name__}.",
            "Check the file still exists and this server's user may read it, then call again.",
            field=local.field,
        ) from exc
    if outcome.reused:
        await progress.report(100.0, phase_message(phase, 100.0, "already uploaded: reusing its asset"))
    return outcome
