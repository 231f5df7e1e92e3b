"""The folders a caller's local files live in: where uploads are read from and downloads are written to.

Over stdio (one user), and for the operator of an HTTP deployment (toolkit/state.py), these are the configured
folders: `SYNC_MCP_ALLOWED_DIRS` to read, `SYNC_MCP_OUTPUT_DIR` to write. Over HTTP, where one server serves many
users, every other caller (named by toolkit/state.py) gets a
folder of its own under each of them: `<allowed dir>/<caller>/` to read from, `<output dir>/<caller>/` to write
to (and to read back, so a saved video can be the input of the next job). A caller never reads, writes,
lists or hears the name of anything outside its own folders, so one user's files never reach another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sync_mcp.config import Settings


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
