"""Local files, confined: the folders a caller's files live in, and the one place that decides which paths
tools may read and write.

The folders (`Folders`): where uploads are read from and downloads are written to. Over stdio (one user), and
for the operator of an HTTP deployment (toolkit/state.py), these are the configured folders:
`SYNC_MCP_ALLOWED_DIRS` to read, `SYNC_MCP_OUTPUT_DIR` to write. Over HTTP, where one server serves many users,
every other caller (named by toolkit/state.py) gets a folder of its own under each of them: `<allowed
dir>/<caller>/` to read from, `<output dir>/<caller>/` to write to (and to read back, so a saved video can be
the input of the next job). A caller never reads, writes, lists or hears the name of anything outside its own
folders, so one user's files never reach another.

Reading (uploads): `~` and relative paths are resolved against the first readable folder; the *real* path
(symlinks followed) must lie inside one of them, and must be a regular file. Writing (downloads): only plain
file names, inside the output folder, cut to a length every file system takes (a download's temp file keeps
only the start of the name, so it fits too). Invisible or direction-changing Unicode characters, NUL bytes and
Windows-style paths on other systems are refused with a message saying why. A missing file gets "did you
mean", chosen among the files of the same (readable) folder only. Every message names only the caller's own
folders.

The checks here are on names; `media_sources.open_checked` repeats them on the file it actually opens. What a
refusal says is in `sync_mcp.guidance.file_refusals`.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mcp.shared.path_security import PathEscapeError, safe_join

from sync_mcp.config import Settings
from sync_mcp.guidance import file_refusals


@dataclass(frozen=True)
class Folders:
    read: tuple[Path, ...]
    """Folders local files may be read from; relative paths start at the first."""
    output: Path
    """Where downloads are written (created on the first download)."""
    output_root: Path
    """The configured output folder: `output` itself over stdio, the parent of every caller's over HTTP."""
    caller: str | None = None
    """The caller's folder name over HTTP; None for the single user of stdio."""
    quota: int | None = None
    """Bytes `output` may hold (None: no limit)."""
    budget: int | None = None
    """Bytes `output_root` may hold, every caller's folder together (None: no limit)."""

    @property
    def per_caller(self) -> bool:
        return self.caller is not None

    def create(self) -> None:
        """Make the caller's own folders (they are named in messages, so they must exist); best effort: a folder
        that cannot be made is reported by the read or write that needs it."""
        for folder in (*self.read, self.output):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError:
                continue

    def shown(self) -> str:
        """The readable folders, as named in messages."""
        return ", ".join(str(p) for p in self.read)


def folders_for(settings: Settings, caller: str | None = None) -> Folders:
    """The folders of `caller` (an HTTP caller's name), or of the single stdio user."""
    roots = settings.allowed_roots()
    output_root = settings.output_root()
    quota = settings.caller_quota(per_caller=caller is not None)
    if caller is None:
        return Folders(tuple(roots), output_root, output_root, None, quota, settings.output_budget_bytes)
    output = output_root / caller
    read = tuple(dict.fromkeys([*(root / caller for root in roots), output]))
    return Folders(read, output, output_root, caller, quota, settings.output_budget_bytes)


_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
NAME_MAX = 255
"""The longest file name (bytes) common file systems take; output names are ASCII, so characters."""


def _hidden_characters(value: str) -> list[str]:
    """Format (Cf), control (Cc) and other invisible characters that make a path read differently."""
    return [f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs", "Zl", "Zp")]


def _roots_text(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)


def real_roots(folders: Folders) -> list[Path]:
    """The readable folders with their symlinks resolved, as real paths are compared against them."""
    return [root.resolve() for root in folders.read]


def inside(real: Path, roots: list[Path]) -> bool:
    return any(real == root or real.is_relative_to(root) for root in roots)


def readable_file(value: str, folders: Folders, *, field: str = "path") -> Path:
    """The real path of an existing regular file inside the readable folders, or a `InputError`."""
    roots = list(folders.read)
    hidden = _hidden_characters(value)
    if not value.strip() or hidden:
        raise file_refusals.hidden_characters(field, hidden)
    if os.name != "nt" and (_WINDOWS_PATH.match(value) or "\\" in value):
        raise file_refusals.windows_path(field, value, os.name, _roots_text(roots))
    candidate = Path(value).expanduser()
    if not candidate.is_absolute():
        candidate = roots[0] / candidate
    if not _exists(candidate):
        # The same name typed in the other Unicode form (e.g. an accent composed or not) is the same file
        # to the user; file systems may store either form, so try the composed one before giving up.
        composed = Path(unicodedata.normalize("NFC", str(candidate)))
        candidate = composed if _exists(composed) else candidate
    try:
        real = candidate.resolve()
    except (OSError, RuntimeError) as exc:  # e.g. a symlink loop
        raise file_refusals.unresolvable_path(field, type(exc).__name__) from None
    resolved_roots = real_roots(folders)
    if not inside(real, resolved_roots):
        raise file_refusals.outside_folders(field, value, folders.shown(), per_caller=folders.per_caller)
    mode = _mode(real)
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise file_refusals.not_a_regular_file(field, real.name, mode)
    if mode is None or not stat.S_ISREG(mode):
        hint = _did_you_mean(real, resolved_roots)
        raise file_refusals.file_not_found(field, value, hint, str(roots[0]))
    return real


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system, and the like: no such file
        return False


def _mode(path: Path) -> int | None:
    """`st_mode` of what `path` names (symlinks followed), or None when there is nothing (or it is unreadable)."""
    try:
        return path.stat().st_mode
    except (OSError, ValueError):  # ValueError: an embedded NUL on some platforms
        return None


def _did_you_mean(real: Path, roots: list[Path]) -> str | None:
    """A close name among the regular files next to `real`, when that folder is one the caller may read."""
    folder = real.parent
    if not inside(folder, roots):
        return None
    try:
        names = [p.name for p in folder.iterdir() if _is_regular(p, roots)]
    except OSError:
        return None
    match = difflib.get_close_matches(real.name, names, n=1, cutoff=0.6)
    return str(folder / match[0]) if match else None


def _is_regular(path: Path, roots: list[Path]) -> bool:
    """A regular file whose real path stays inside `roots` (a symlink to elsewhere is never suggested)."""
    try:
        return path.is_file() and inside(path.resolve(), roots)
    except (OSError, RuntimeError):
        return False


def output_name(file_name: str) -> str:
    """`file_name` made safe for any file system: ASCII letters, digits, `._-`; long names cut, keeping the
    extension, with a digest of the whole name so two long names stay two files."""
    clean = _SAFE_NAME.sub("_", unicodedata.normalize("NFC", file_name)).strip("._") or "output"
    if len(clean) <= NAME_MAX:
        return clean
    stem, dot, extension = clean.rpartition(".")
    if not dot or len(extension) > 10:
        stem, extension = clean, ""
    digest = hashlib.sha256(clean.encode("ascii")).hexdigest()[:12]
    tail = f"-{digest}" + (f".{extension}" if extension else "")
    return stem[: NAME_MAX - len(tail)] + tail


def output_file(folders: Folders, file_name: str) -> Path:
    """A path for `file_name` inside the caller's output folder (created if needed); never outside it."""
    clean = output_name(file_name)
    folder = folders.output
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return safe_join(folder, clean)
    except PathEscapeError as exc:  # only reachable through a symlinked output folder entry
        raise file_refusals.output_outside(clean, str(folder)) from exc
