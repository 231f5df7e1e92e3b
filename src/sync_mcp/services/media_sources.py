"""Media arguments: one argument, three ways to name media: a public URL, an asset id, or a local file to upload.

`classify` decides which (no network) and checks a local file completely (confinement to the caller's
folders, type, size: `local_media`); `resolve` then gives the input item's source: `{"url": ...}` or
`{"assetId": ...}`, uploading a local file first (`upload_local`, reusing an earlier upload of the same bytes).
`upload_media` uses the local-file half directly.

Local files (the second section). Everything that can be checked without the network (confinement to the
caller's folders via `paths.readable_file`, media type per reference §16.1, size per §16.2) is checked before the
first request.

One local file, from its check to its upload, is opened once, and only the opened file is ever read.
`paths.readable_file` checks a *name*. Between that check and the reads that follow, the name may come to
mean another file: a symlink to a file outside renamed over it, a named pipe (whose reader waits forever
for a writer), a device. So the file is opened once, without following a final symlink and without
blocking (`O_NOFOLLOW | O_NONBLOCK`), and the checks are made again on what was opened (`open_checked`): a
regular file, the same one that was checked (device and inode), whose real path is still inside the caller's
folders. Hashing and uploading then read from that descriptor only, never from the name again.

Or small local files travel with the create (the last section: `direct_files`, `create_with_files`): one multipart
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
import errno
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO

from sync_mcp import telemetry
from sync_mcp.api import CreateGenerationRequest, Generation, SyncClient, uploads
from sync_mcp.api.types.assets import AssetDetails
from sync_mcp.api.types.generations import FormFile
from sync_mcp.api.types.shared import MAX_UPLOAD_BYTES, MediaFormat, MediaKind, format_of, is_uuid
from sync_mcp.api.uploads import UploadOutcome
from sync_mcp.config import Settings
from sync_mcp.guidance import file_refusals, refusals
from sync_mcp.guidance.errors import InputError
from sync_mcp.guidance.steps import ProgressSink, byte_count, bytes_done, percent_of, phase_message

from .paths import Folders, inside, readable_file, real_roots

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class MediaSource:
    """A classified media argument: exactly one of `url`, `asset_id`, `local`."""

    field: str
    kind: MediaKind
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


def classify(source: str, kind: MediaKind, *, field: str, folders: Folders) -> MediaSource:
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


# ------------------------------------------------------------------------------------------------------ local files

OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)
"""Never follow a final symlink, never wait (a FIFO without a writer opens at once), never become a terminal."""


@dataclass(frozen=True)
class Identity:
    """What makes a file the same file: its device and inode, and its size when it was checked."""

    device: int
    inode: int
    size: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(st.st_dev, st.st_ino, st.st_size)


@dataclass(frozen=True)
class OpenedFile:
    file: BinaryIO
    """Unbuffered reader over the one descriptor; read from offset 0 for the hash, and again for the upload."""
    name: str
    size: int


def _opened_path(fd: int) -> Path | None:
    """Where the opened file is now, as the OS knows it (None where the OS cannot tell)."""
    if sys.platform.startswith("linux"):
        try:
            return Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return None
    if sys.platform == "darwin":
        import fcntl

        try:
            raw = fcntl.fcntl(fd, 50, b"\0" * 1024)  # F_GETPATH
        except OSError:
            return None
        return Path(os.fsdecode(raw.split(b"\0", 1)[0]))
    return None


def _check_opened(fd: int, path: Path, expected: Identity, folders: Folders, field: str) -> os.stat_result:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise file_refusals.not_a_regular_file(field, path.name, st.st_mode)
    if (st.st_dev, st.st_ino) != (expected.device, expected.inode):
        raise file_refusals.file_changed(field, path.name, "replaced")
    if st.st_size != expected.size:
        raise file_refusals.file_resized(field, path.name, expected.size, st.st_size)
    roots = real_roots(folders)
    where = _opened_path(fd)
    if where is None:  # no way to ask the OS: the name must still lead to the very file that was opened
        try:
            again = path.resolve(strict=True)
            same = os.stat(again)
        except (OSError, RuntimeError):
            raise file_refusals.file_changed(field, path.name, "moved") from None
        if (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino):
            raise file_refusals.file_changed(field, path.name, "replaced")
        where = again
    if not inside(where, roots):
        raise file_refusals.file_changed(field, path.name, "moved out")
    return st


@contextmanager
def open_checked(path: Path, expected: Identity, folders: Folders, *, field: str) -> Iterator[OpenedFile]:
    """Open the checked file `path` once and check what was opened (see the module docstring).

    Raises `InputError`: `file_changed` (replaced, moved, resized or now a symlink), `not_a_regular_file`
    (a FIFO, device or socket was put in its place), `file_not_found`, `file_not_readable`.
    """
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        raise _open_failure(exc, path, field) from None
    try:
        st = _check_opened(fd, path, expected, folders, field)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: reads never wait anyway
        file = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    with file:
        yield OpenedFile(file=file, name=path.name, size=st.st_size)  # type: ignore[arg-type]


def _open_failure(exc: OSError, path: Path, field: str) -> InputError:
    if exc.errno in (errno.ELOOP, getattr(errno, "EMLINK", -1)) or (
        exc.errno == getattr(errno, "EFTYPE", -1)  # BSDs: O_NOFOLLOW on a symlink
    ):
        return file_refusals.file_changed(field, path.name, "symlink")
    if exc.errno == errno.ENOENT:
        return file_refusals.file_changed(field, path.name, "moved")
    return file_refusals.file_not_openable(field, path.name, exc.strerror or type(exc).__name__)


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
        raise file_refusals.unsupported_media(field, path.name, kind)
    if kind is not None and media.kind != kind:
        raise file_refusals.wrong_media_kind(field, path.name, media.kind, kind)
    try:
        identity = Identity.of(os.stat(path))
    except OSError as exc:
        raise file_refusals.file_unreadable(field, path.name, exc.strerror or type(exc).__name__) from None
    size = identity.size
    if size == 0:
        raise file_refusals.file_empty(field, path.name)
    if size > MAX_UPLOAD_BYTES:
        raise file_refusals.file_too_large(field, path.name, size)
    return LocalMedia(path=path, media=media, size=size, folders=folders, identity=identity, field=field)


async def upload_local(
    client: SyncClient, local: LocalMedia, details: AssetDetails, progress: ProgressSink
) -> UploadOutcome:
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
        reason = exc.strerror or type(exc).__name__
        raise file_refusals.file_unreadable(local.field, local.path.name, reason) from exc
    if outcome.reused:
        await progress.report(100.0, phase_message(phase, 100.0, "already uploaded: reusing its asset"))
    return outcome


# --------------------------------------------------------------------------------------- files sent with the create

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
    once, and what was opened checked again, as an upload does (`open_checked`): a file swapped for a
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
