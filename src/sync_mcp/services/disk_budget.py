"""How many bytes downloads may still write: per file, per caller's output folder, and for all callers.

Three limits (see `config.Settings`): `SYNC_MCP_MAX_DOWNLOAD_BYTES` for one file, the caller's folder
quota (`SYNC_MCP_OUTPUT_QUOTA_BYTES`; 20 GiB per caller over HTTP unless set), and the budget of the
whole output folder (`SYNC_MCP_OUTPUT_BUDGET_BYTES`). A download takes a `Reservation`: the folders are
measured once when it starts (the file it would replace does not count, as it goes), a length announced
by the server is checked before any byte is read, and every block is counted against the limits as it
arrives, together with the other downloads of this process still in flight, so a body without a length
cannot run past them either. Files on disk are measured without following symlinks.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import anyio

from .paths import Folders


class OverBudget(Exception):
    """A download would exceed a limit; `setting` is the variable that sets that limit."""

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass
class _Flight:
    folder: Path
    root: Path
    temp: Path
    written: int = 0


_in_flight: dict[int, _Flight] = {}
"""Downloads of this process being written (their temp files are counted here, not measured on disk)."""


def _tree_size(folder: Path, skip: frozenset[Path]) -> int:
    """Bytes of the regular files under `folder` (symlinks not followed), except the paths in `skip`."""
    total = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory, name)
            if path in skip:
                continue
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def _size(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB" if n >= 1024**3 else f"{n / 1024**2:.1f} MiB"


@dataclass
class Reservation:
    """One download's share of the limits, from `reserve` until `release`."""

    folders: Folders
    max_file: int
    used_by_caller: int
    used_in_all: int
    flight: _Flight

    def _others(self) -> tuple[int, int]:
        others = [f for f in _in_flight.values() if f is not self.flight]
        mine = sum(f.written for f in others if f.folder == self.folders.output)
        every = sum(f.written for f in others if f.root == self.folders.output_root)
        return mine, every

    def check(self, size: int) -> None:
        """Raise `OverBudget` if this download's file, at `size` bytes, would not fit."""
        if size > self.max_file:
            raise OverBudget(
                f"the output is over the {_size(self.max_file)} a single download may write",
                "SYNC_MCP_MAX_DOWNLOAD_BYTES",
            )
        mine, every = self._others()
        quota, budget = self.folders.quota, self.folders.budget
        if quota is not None and self.used_by_caller + mine + size > quota:
            raise OverBudget(
                f"your output folder holds {_size(self.used_by_caller + mine)} of its {_size(quota)} quota, "
                f"too little room left for this output",
                "SYNC_MCP_OUTPUT_QUOTA_BYTES",
            )
        if budget is not None and self.used_in_all + every + size > budget:
            raise OverBudget(
                f"the server's output folder holds {_size(self.used_in_all + every)} of its {_size(budget)} "
                "budget for all users, too little room left for this output",
                "SYNC_MCP_OUTPUT_BUDGET_BYTES",
            )

    def add(self, n: int) -> None:
        """Count `n` more bytes of this download (raises `OverBudget`, counting nothing, if they do not fit)."""
        self.check(self.flight.written + n)
        self.flight.written += n

    def release(self) -> None:
        _in_flight.pop(id(self.flight), None)


async def reserve(folders: Folders, max_file: int, *, replacing: Path, temp: Path) -> Reservation:
    """Measure the caller's folder and the output root (in a worker thread) and start counting a download
    into `temp` that will replace `replacing`; raises `OverBudget` if no byte fits."""
    skip = frozenset({replacing, temp, *(f.temp for f in _in_flight.values())})
    by_caller = await anyio.to_thread.run_sync(_tree_size, folders.output, skip)
    if folders.budget is None:
        in_all = 0
    elif folders.output == folders.output_root:
        in_all = by_caller
    else:
        in_all = await anyio.to_thread.run_sync(_tree_size, folders.output_root, skip)
    flight = _Flight(folders.output, folders.output_root, temp)
    reservation = Reservation(folders, max_file, by_caller, in_all, flight)
    reservation.check(1)
    _in_flight[id(flight)] = flight
    return reservation
