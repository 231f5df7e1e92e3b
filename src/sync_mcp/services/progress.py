"""What a workflow tells about its progress, and the words it uses (the tools give it MCP progress).

A workflow runs in phases (a file's upload, the create, the wait for the job, the download); each phase
reports its own 0-100 % and a message that names the phase and says that percent, e.g.
`upload line.wav: 40 % (1.2 MiB of 3.0 MiB)` or `PROCESSING 40 % (1 min 10 s)`.
"""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    def next_phase(self) -> None:
        """A new phase starts (a second file, the create, the wait, the download): it counts from 0 % again."""

    async def report(self, percent: float | None, message: str) -> None:
        """This phase's percent done (0-100; None when unknown) and a message naming the phase and its percent."""


def percent_of(done: float, total: float | None) -> float | None:
    """`done` of `total` as a percent (None when the total is unknown; 100 for an empty total)."""
    if total is None:
        return None
    if total <= 0:
        return 100.0
    return max(0.0, min(100.0, 100.0 * done / total))


def phase_message(phase: str, percent: float | None, detail: str) -> str:
    """`phase: 40 % (detail)`, or `phase: detail` when the percent is unknown."""
    if percent is None:
        return f"{phase}: {detail}"
    return f"{phase}: {percent:.0f} % ({detail})"


def byte_count(n: int | float) -> str:
    """A size in a unit that reads well: 216 B, 12.3 KiB, 1.2 MiB, 1.05 GiB."""
    if n < 1024:
        return f"{n:.0f} B"
    if n < 1024**2:
        return f"{n / 1024:.1f} KiB"
    if n < 1024**3:
        return f"{n / 1024**2:.1f} MiB"
    return f"{n / 1024**3:.2f} GiB"


def bytes_done(done: int, total: int | None) -> str:
    """`1.2 MiB of 3.0 MiB`, or `1.2 MiB` when the total is unknown."""
    return f"{byte_count(done)} of {byte_count(total)}" if total is not None else byte_count(done)


def duration_text(seconds: float) -> str:
    """A duration as people say it: `12 s`, `1 min 10 s`, `1 h 02 min`."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
