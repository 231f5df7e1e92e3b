"""Target 1: process spawn -> the answer to `tools/list` over stdio, against the SDK import as the floor:
`python -c "from mcp.server import MCPServer; print(...)"` timed until that line is read (the import has
finished; the interpreter's shutdown after it is not the floor), with the default toolset (core); <= 1.15x.

The server is driven as hosts drive it, each printed: a 2025-11-25 host sends `initialize`, then
`notifications/initialized` and `tools/list` (the target is on this one); a 2026-07-28 host sends
`tools/list` as its first message. The time is all the server's: interpreter start, imports, building the
server, answering. The server points at a live sandbox whose request log must stay empty (no network at
start-up).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

from .harness import Figure, Result, median
from .processes import BENCH_KEY, StdioServer, base_env, sandbox_process, time_to_line

TARGET = 1.15
IMPORT = "from mcp.server import MCPServer"
BASELINE_ARGV = ["-c", IMPORT + "; print('imported', flush=True)"]
ERAS = ("2025-11-25", "2026-07-28")
"""The handshake era (initialize first), then the era whose first request is `tools/list`."""


async def _baseline(cwd: str) -> float:
    return await time_to_line(BASELINE_ARGV, env=base_env(), cwd=cwd)


async def _ours(cwd: str, base_url: str, era: str) -> tuple[float, int]:
    started = time.perf_counter()
    server = await StdioServer.spawn(base_env(SYNC_API_KEY=BENCH_KEY, SYNC_BASE_URL=base_url), cwd=cwd)
    try:
        if era == ERAS[0]:
            await server.handshake()
            result = await server.request("tools/list", era_meta=False)
        else:
            result = await server.request("tools/list")
        elapsed = time.perf_counter() - started
    finally:
        await server.close()
    return elapsed, len(result["tools"])


def _import_profile() -> str:
    """Import time the server spends beyond the SDK floor, by top-level package (self times summed)."""

    def imports(args: list[str]) -> dict[str, int]:
        run = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            input=b"",
            capture_output=True,
            env=base_env(SYNC_API_KEY=BENCH_KEY, SYNC_BASE_URL="http://127.0.0.1:9"),
            timeout=60,
            check=False,
        )
        out: dict[str, int] = {}
        for line in run.stderr.decode(errors="replace").splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, _cumulative, name = line[len("import time:") :].split("|", 2)
            out[name.strip()] = int(self_us)
        return out

    floor = imports(["-c", IMPORT])
    ours = imports(["-m", "sync_mcp"])
    by_package: dict[str, int] = {}
    for name, self_us in ours.items():
        if name not in floor:
            package = name.split(".")[0]
            by_package[package] = by_package.get(package, 0) + self_us
    total = sum(by_package.values())
    top = sorted(by_package.items(), key=lambda item: -item[1])[:6]
    return f"{total / 1000:.0f} ms (" + ", ".join(f"{name} {us / 1000:.0f}" for name, us in top) + ")"


CPU_PROBE = """
import asyncio, time
started = time.process_time()
from mcp.server import MCPServer
imported = time.process_time()
from sync_mcp.config import Settings
from sync_mcp.server import build_server
asyncio.run(build_server(Settings()).list_tools())
print(imported - started, time.process_time() - imported)
"""


def _cpu_profile(tries: int = 5) -> str:
    """CPU time in one process (best of `tries`, so a busy machine's noise mostly drops out): the SDK import,
    and what importing, building and listing the server adds to it."""
    floors: list[float] = []
    beyond: list[float] = []
    for _ in range(tries):
        run = subprocess.run(
            [sys.executable, "-c", CPU_PROBE],
            capture_output=True,
            env=base_env(SYNC_API_KEY=BENCH_KEY, SYNC_BASE_URL="http://127.0.0.1:9"),
            timeout=60,
            check=True,
        )
        floor, extra = (float(x) for x in run.stdout.split())
        floors.append(floor)
        beyond.append(extra)
    floor, extra = min(floors), min(beyond)
    return f"{extra * 1000:.0f} ms beyond a {floor * 1000:.0f} ms SDK import ({(floor + extra) / floor:.2f}x)"


async def run(runs: int) -> Result:
    result = Result("cold start: spawn -> tools/list answer over stdio", runs)
    baseline: list[float] = []
    ours: dict[str, list[float]] = {era: [] for era in ERAS}
    tools = 0
    with tempfile.TemporaryDirectory(prefix="sync-mcp-bench-") as cwd:
        async with sandbox_process() as sandbox:
            await _baseline(cwd)  # warm the page cache for both
            await _ours(cwd, sandbox.base_url, ERAS[0])
            sides = ["floor", *ERAS]
            for run_no in range(runs):  # interleaved, each run in another order, so no side always follows another
                for side in sides[run_no % 3 :] + sides[: run_no % 3]:
                    if side == "floor":
                        baseline.append(await _baseline(cwd))
                    else:
                        elapsed, tools = await _ours(cwd, sandbox.base_url, side)
                        ours[side].append(elapsed)
            async with sandbox.http() as http:
                logged = (await http.get("/_sandbox/requests")).json()
    b = median(baseline)
    quiet = not logged
    for era, label in zip(ERAS, ("initialize + initialized + tools/list", "tools/list first"), strict=True):
        o = median(ours[era])
        result.figures.append(
            Figure(
                f"spawn -> {label} ({era})",
                b,
                o,
                "s",
                f"<= {TARGET}x",
                o / b <= TARGET and quiet,
                baseline_label="SDK import, until it finished",
                note=f"{tools} tools",
            )
        )
    result.notes.append(
        "no API request at start-up" if quiet else f"the server sent {len(logged)} API request(s) at start-up"
    )
    result.notes.append("import time beyond the SDK floor: " + _import_profile())
    result.notes.append("CPU to import, build and list in one process, best of 5: " + _cpu_profile())
    return result
