"""Completion of local media paths (the prompts' `video`, `audio` and `image` arguments).

What was typed is read as a path the way `paths.readable_file` reads it (relative to the caller's first
folder, or absolute); suggestions are the media files of the matching kind and the subfolders in that
folder whose names start with the rest, written the way the user typed the folder. Only the caller's own
folders are ever listed (real paths checked, so a symlink to elsewhere is never suggested), hidden names
only when a `.` was typed. A URL or an asset id being typed gets no suggestions.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import anyio

from sync_mcp.api.types.shared import MediaKind, format_of

from .paths import Folders, inside, real_roots

LIMIT = 101
"""Suggestions gathered at most (one more than a completion may carry, so `hasMore` is known)."""

_NOT_A_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^~")


async def media_paths(folders: Folders, typed: str, kind: MediaKind | None) -> list[str]:
    """Paths of media files (and folders, ending in `/`) completing `typed`, inside the caller's folders."""
    if _NOT_A_PATH.match(typed) or "\\" in typed or "\0" in typed:
        return []
    return await anyio.to_thread.run_sync(_media_paths, folders, typed, kind)


def _media_paths(folders: Folders, typed: str, kind: MediaKind | None) -> list[str]:
    roots = real_roots(folders)
    written, _, prefix = typed.rpartition("/")
    shown = f"{written}/" if typed.count("/") else ""
    folder = Path(written or "/") if typed.startswith("/") else folders.read[0] / written
    try:
        real = folder.resolve()
    except (OSError, RuntimeError):
        return []
    values: list[str] = []
    if typed.startswith("/"):  # an absolute path on its way to one of the caller's folders
        values += [f"{r}/" for r in folders.read if str(r).startswith(typed) and str(r) != typed.rstrip("/")]
    if not inside(real, roots):
        return values[:LIMIT]
    try:
        entries = sorted(os.scandir(real), key=lambda e: e.name)
    except OSError:
        return values[:LIMIT]
    wanted = prefix.lower()
    for entry in entries:
        if len(values) >= LIMIT:
            break
        name = entry.name
        if not name.lower().startswith(wanted) or (name.startswith(".") and not prefix.startswith(".")):
            continue
        try:
            target = Path(entry.path).resolve()
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except (OSError, RuntimeError):
            continue
        if not inside(target, roots):
            continue
        if is_dir:
            values.append(f"{shown}{name}/")
        elif is_file:
            media = format_of(name)
            if media is not None and (kind is None or media.kind == kind):
                values.append(f"{shown}{name}")
    return values
