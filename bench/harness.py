"""What every benchmark shares: figures with their targets, medians and percentiles, and the report."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Figure:
    """One measured figure: ours against a baseline from the same run, and whether the target is met."""

    name: str
    baseline: float
    ours: float
    unit: str
    target: str
    met: bool
    baseline_label: str = "baseline"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")


@dataclass
class Result:
    benchmark: str
    runs: int
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(f.met for f in self.figures)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_figure(
    name: str,
    samples: Sequence[tuple[float, float]],
    *,
    unit: str,
    target: str,
    budget: float,
    baseline_label: str,
    note: str,
) -> Figure:
    """A figure of ours against a baseline measured in the same runs: `samples` holds one (baseline, ours) pair
    per run; the figure shows the median of each side, and the target is met when the median of the per-run
    differences (ours - baseline) is within `budget`. `note` formats that difference (`"costs {:.2f} ms"`)."""
    difference = median([ours - baseline for baseline, ours in samples])
    return Figure(
        name,
        median([baseline for baseline, _ in samples]),
        median([ours for _, ours in samples]),
        unit,
        target,
        difference <= budget,
        baseline_label=baseline_label,
        note=note.format(difference),
    )


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0-100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "MB/s":
        return f"{value:.0f} MB/s"
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value:g} {unit}".strip()


def report(result: Result) -> str:
    lines = [f"== {result.benchmark} (median of {result.runs} runs)"]
    for f in result.figures:
        verdict = "MET" if f.met else "MISSED"
        lines.append(
            f"  {f.name}: ours {fmt(f.ours, f.unit)} vs {f.baseline_label} {fmt(f.baseline, f.unit)}"
            + (f" = {f.ratio:.2f}x" if f.baseline else "")  # a count whose limit is 0 has no ratio to it
            + f"  [target {f.target}: {verdict}]"
            + (f"  ({f.note})" if f.note else "")
        )
    lines.extend(f"  - {note}" for note in result.notes)
    return "\n".join(lines)
