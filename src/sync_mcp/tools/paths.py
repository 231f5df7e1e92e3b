"""Local files, confined: the one place that decides which paths tools may read and write.

Reading (uploads): `~` and relative paths are resolved against the first allowed root
(`SYNC_MCP_ALLOWED_DIRS`, default the working directory); the *real* path (symlinks followed) must lie
inside one of the allowed roots. Writing (downloads): only plain file names, inside the output folder
(`SYNC_MCP_OUTPUT_DIR`). Invisible or direction-changing Unicode characters, NUL bytes and Windows-style
paths on other systems are refused with a message saying why. A missing file gets "did you mean".
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from pathlib import Path

from mcp.shared.path_security import PathEscapeError, safe_join

from sync_mcp.config import Settings

from .results import ToolInputError

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _hidden_characters(value: str) -> list[str]:
    """Format (Cf), control (Cc) and other invisible characters that make a path read differently."""
    return [f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs", "Zl", "Zp")]


def _roots_text(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)


def readable_file(value: str, settings: Settings, *, field: str = "path") -> Path:
    """The real path of an existing regular file inside the allowed roots, or a `ToolInputError`."""
    roots = settings.allowed_roots()
    hidden = _hidden_characters(value)
    if not value.strip() or hidden:
        raise ToolInputError(
            "invalid_path",
            f"{field}: the path is empty or contains invisible characters ({', '.join(hidden) or 'blank'}).",
            "Type the path again without hidden or direction-changing characters.",
            field=field,
        )
    if os.name != "nt" and (_WINDOWS_PATH.match(value) or "\\" in value):
        raise ToolInputError(
            "invalid_path",
            f"{field}: '{_shown(value)}' is a Windows-style path, but this server runs on {os.name} "
            "and reads its own disk.",
            f"Pass a path on the server's machine with / separators, inside: {_roots_text(roots)}.",
            field=field,
        )
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
        raise ToolInputError(
            "invalid_path",
            f"{field}: the path cannot be resolved ({type(exc).__name__}).",
            "Pass the path of a regular file, without symlink loops.",
            field=field,
        ) from None
    if not any(real == root or real.is_relative_to(root) for root in roots):
        raise ToolInputError(
            "path_not_allowed",
            f"{field}: '{_shown(value)}' resolves outside the folders this server may read.",
            f"Use a file inside {_roots_text(roots)}, or add its folder to SYNC_MCP_ALLOWED_DIRS "
            "(separate several with the OS path separator) and restart the server.",
            field=field,
        )
    if not _is_file(real):
        hint = _did_you_mean(candidate)
        raise ToolInputError(
            "file_not_found",
            f"{field}: no file at '{_shown(value)}'." + (f" Did you mean '{hint}'?" if hint else ""),
            "Check the name and folder (paths are relative to " + str(roots[0]) + ").",
            field=field,
        )
    return real


def _shown(value: str, limit: int = 200) -> str:
    """The path as quoted back in a message: long ones cut, so an error never floods the agent."""
    return value if len(value) <= limit else value[:limit] + "..."


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system, and the like: no such file
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _did_you_mean(candidate: Path) -> str | None:
    folder = candidate.parent
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return None
    match = difflib.get_close_matches(candidate.name, names, n=1, cutoff=0.6)
    return str(folder / match[0]) if match else None


def output_file(settings: Settings, file_name: str) -> Path:
    """A path for `file_name` inside the output folder (created if needed); never outside it."""
    clean = _SAFE_NAME.sub("_", unicodedata.normalize("NFC", file_name)).strip("._") or "output"
    folder = settings.output_dir.expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return safe_join(folder, clean)
    except PathEscapeError as exc:  # only reachable through a symlinked output folder entry
        raise ToolInputError(
            "path_not_allowed",
            f"output file '{file_name}' would be written outside {folder}.",
            "Remove the symlink in the output folder or choose another SYNC_MCP_OUTPUT_DIR.",
        ) from exc
