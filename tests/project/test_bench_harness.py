"""The cold-start floor is timed until the import has finished, not until the process exits: what a process
does after its line (shutting the interpreter down, or here a sleep) never reaches the figure."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from bench import house
from bench.call_path import Tracer, tool_codes
from bench.cold_start import BASELINE_ARGV
from bench.harness import paired_figure, report
from bench.house import toolless_modules
from bench.layers import import_cycles, wrong_way_imports
from bench.processes import time_to_line

from .test_house import files_in

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


def test_every_layer_is_held_to_the_order_once_it_exists(tmp_path: Path) -> None:
    """server -> tools -> toolkit -> services -> guidance -> api, backend beside services, the sandbox below the
    server's layers, and api using no top-level module but telemetry; a lazy import counts too."""
    package = files_in(
        tmp_path / "sync_mcp",
        {
            "config.py": "",
            "telemetry.py": "",
            "api/calls.py": "from sync_mcp.config import Settings\nfrom sync_mcp import telemetry\n",
            "backend/store.py": "from ..api import calls\n",
            "guidance/explain.py": "def f() -> None:\n    from ..services import waiting\n",
            "services/waiting.py": "from ..backend import store\nfrom ..guidance.explain import f\n",
            "toolkit/wrap.py": "from sync_mcp.tools import lipsync\nfrom sync_mcp.backend.store import x\n",
            "tools/lipsync.py": "from sync_mcp.backend import store\nfrom ..toolkit.wrap import x\n",
            "sandbox/app.py": "from sync_mcp.guidance import explain\nfrom sync_mcp.api import calls\n",
            "server/app.py": "from sync_mcp.tools import lipsync\nfrom sync_mcp.backend import store\n",
        },
    )
    assert sorted(wrong_way_imports(package)) == [
        "api/calls.py:1 -> sync_mcp.config",
        "guidance/explain.py:2 -> sync_mcp.services.waiting",
        "sandbox/app.py:1 -> sync_mcp.guidance.explain",
        "toolkit/wrap.py:1 -> sync_mcp.tools.lipsync",
        "tools/lipsync.py:1 -> sync_mcp.backend.store",
    ]


def test_a_cycle_counts_with_type_only_imports_and_not_with_imports_inside_functions(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "sync_mcp",
        {
            "a.py": "from . import b\n",
            "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n",
            "c.py": "from sync_mcp.d import D\n",
            "d.py": "def f() -> None:\n    from sync_mcp import c\n",
            "e/__init__.py": "from .f import F\n",
            "e/f.py": "from sync_mcp.e import G\n",
        },
    )
    assert import_cycles(package) == [["sync_mcp.a", "sync_mcp.b"], ["sync_mcp.e", "sync_mcp.e.f"]]


def test_modules_under_tools_without_a_tool_are_named(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "sync_mcp",
        {
            "tools/__init__.py": '"""Tools."""\nfrom .state import S\n__all__ = ["S"]\n',
            "tools/toolsets.py": "TOOLSETS = ()\n",
            "tools/lipsync.py": "@sync_tool(title='x', read_only=False)\nasync def lipsync() -> None: ...\n",
            "tools/voices.py": "@registry.sync_tool\ndef clone() -> None: ...\n",
            "tools/state.py": "def tool_state() -> None: ...\n",
        },
    )
    assert toolless_modules(package) == ["tools/state.py", "tools/toolsets.py"]


PROBE_TOOL = """
import functools
from typing import Annotated, Any

from mcp.server.mcpserver import Resolve

HELPERS: Any = None
SANDBOX: Any = None


async def plan(x: int) -> int:
    return HELPERS.under_tool() + x


def wrap(fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(**kwargs: Any) -> Any:
        return await fn(**kwargs)

    return wrapper


@wrap
async def tool(x: int, planned: Annotated[int, Resolve(plan)]) -> int:
    return planned + SANDBOX.answer()
"""


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"probe_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.anyio
async def test_a_traced_call_counts_what_runs_under_the_tool_and_its_resolvers_only(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "tool.py": PROBE_TOOL,
            "helpers.py": "def under_tool() -> int:\n    return 1\n\n\ndef outside() -> int:\n    return 2\n",
            "sandbox/emulator.py": "def answer() -> int:\n    return 0\n",
        },
    )
    tool, helpers = _load(package / "tool.py"), _load(package / "helpers.py")
    tool.HELPERS, tool.SANDBOX = helpers, _load(package / "sandbox/emulator.py")

    async def dispatch() -> int:
        helpers.outside()  # the server's dispatch around the tool: not counted
        return int(await tool.tool(x=1, planned=await tool.plan(x=1)))

    result, path = await Tracer(package).trace(tool_codes(tool.tool), dispatch)
    assert result == 2
    assert path.modules == ["helpers.py", "tool.py"], "the sandbox and the caller's own work are left out"
    assert [f.split(" ")[1] for f in path.functions] == ["under_tool", "plan", "wrap.<locals>.wrapper", "tool"]


ERROR_TOOL = """
from typing import Any

PASSING: Any = None
WORDS: Any = None


class Refused(Exception):
    pass


async def tool() -> str:
    PASSING.before()
    try:
        return await PASSING.through()
    except Refused as exc:
        return WORDS.explain(exc)
"""


@pytest.mark.anyio
async def test_an_error_path_counts_from_the_raise_to_the_result_and_not_what_it_passes_through(
    tmp_path: Path,
) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "tool.py": ERROR_TOOL,
            "raising.py": "def fail() -> None:\n    raise ERROR('no such generation')\n",
            "passing.py": (
                "from typing import Any\n\nRAISING: Any = None\n\n\ndef before() -> None:\n    return None\n\n\n"
                "async def through() -> str:\n    RAISING.fail()\n    return 'never'\n"
            ),
            "words.py": "def explain(exc: Exception) -> str:\n    return f'fix: {exc}'\n",
        },
    )
    tool, raising, passing, words = (_load(package / f"{name}.py") for name in ("tool", "raising", "passing", "words"))
    raising.ERROR, passing.RAISING, tool.PASSING, tool.WORDS = tool.Refused, raising, passing, words

    result, path = await Tracer(package).trace_after(tool.Refused, tool_codes(tool.tool), tool.tool)
    assert result == "fix: no such generation"
    assert path.modules == ["raising.py", "tool.py", "words.py"], "passing.py only let the error through"


@pytest.mark.anyio
async def test_a_call_path_that_cannot_be_traced_is_a_missed_figure_and_the_rest_still_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken() -> None:
        raise RuntimeError("the traced call failed")

    monkeypatch.setattr(house.call_path, "measure", broken)
    result = await house.run(1)
    unmeasured = [f for f in result.figures if "not measured" in f.note]
    assert [f.name for f in unmeasured] == [house.LIPSYNC_PATH, house.API_ERROR_PATH]
    assert not any(f.met for f in unmeasured) and "the traced call failed" in unmeasured[0].note
    assert "import cycles" in report(result), "the other figures still print"
