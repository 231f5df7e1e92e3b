"""The cold-start floor is timed until the import has finished, not until the process exits: what a process
does after its line (shutting the interpreter down, or here a sleep) never reaches the figure."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.cold_start import BASELINE_ARGV
from bench.harness import paired_figure
from bench.processes import time_to_line

AFTER_IMPORT = "import sys, time; sys.stdin.read(); time.sleep(0.3); open({marker!r}, 'w').close()"


def _clock_on(marker: Path) -> Callable[[], float]:
    """A clock that reads 0 first, then 1 while `marker` is absent and 100 once the child has written it:
    the figure is 1 if the clock stopped before the child's after-import work, 100 if after."""
    readings: list[float] = []

    def clock() -> float:
        readings.append(0.0 if not readings else 100.0 if marker.exists() else 1.0)
        return readings[-1]

    return clock


@pytest.mark.anyio
async def test_a_baseline_that_sleeps_after_its_import_is_timed_the_same(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(sys.path)}
    plain_marker = tmp_path / "plain-ended"
    plain = await time_to_line(BASELINE_ARGV, env=env, cwd=str(tmp_path), clock=_clock_on(plain_marker))
    sleepy_marker = tmp_path / "sleepy-ended"
    sleepy_argv = [BASELINE_ARGV[0], BASELINE_ARGV[1] + "; " + AFTER_IMPORT.format(marker=str(sleepy_marker))]
    sleepy = await time_to_line(sleepy_argv, env=env, cwd=str(tmp_path), clock=_clock_on(sleepy_marker))
    assert plain == sleepy == 1.0
    assert sleepy_marker.exists(), "the process was not let run to its end before the next run"


@pytest.mark.anyio
async def test_a_process_that_prints_nothing_is_an_error_not_a_figure(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "")}
    with pytest.raises(RuntimeError, match="without printing a line"):
        await time_to_line(["-c", "pass"], env=env, cwd=str(tmp_path))


def test_a_paired_figure_is_met_by_the_median_of_its_per_run_differences() -> None:
    """Each run's pair is measured together, so the verdict is the median of the runs' differences (here 1 ms),
    not the difference of the two medians (8 ms): one run's slow moment on both sides does not count twice."""
    samples = [(1.0, 2.0), (2.0, 10.0), (10.0, 11.0)]
    figure = paired_figure(
        "p50", samples, unit="ms", target="adds <= 1 ms", budget=1.0, baseline_label="raw", note="adds {:.2f} ms"
    )
    assert (figure.baseline, figure.ours, figure.met, figure.note) == (2.0, 10.0, True, "adds 1.00 ms")
    tighter = paired_figure("p50", samples, unit="ms", target="", budget=0.5, baseline_label="raw", note="")
    assert not tighter.met
