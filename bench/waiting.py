"""Target 5: 1,000 concurrent `get_generation` waits on one stdio server. All complete; no generation is read more
often than the long-poll schedule would (windows 2, 4, 8, 10 s, read back from the sandbox's request log): waits
long-poll on that schedule until the shared active-jobs stream is live, then read each generation once when the
stream says it is done (services/concurrent_waits.py); the server's CPU time (utime + stime from /proc) stays <= 10 ms
per generation over the whole run. Also printed: the API calls each generation cost (every request the sandbox
logged during the run, the creates left out, over the generations) and the server's peak RSS (VmHWM).

Baseline for the ratio: the same waits driven by raw `httpx` long-polls on the same schedule from
the benchmark process (its CPU time for that phase), one `httpx.AsyncClient` per wait: httpx's own pool
costs quadratic CPU at hundreds of connections (see `sync_mcp/api/transport.py`), which is no fair floor.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from urllib.parse import parse_qs

import httpx

from .harness import Figure, Result, median
from .processes import SandboxProcess, cpu_seconds, create_generation, memory_kib, sandbox_process, stdio_server

WAITS = 1000
PENDING_SECONDS = 1.0
PROCESSING_SECONDS = 19.0
"""Each job ends 20 s after creation: waits started within a few seconds of that need windows 2, 4, 8
and 10 s (14 s covered by the first three), so every window of the schedule is exercised."""


def job_sandbox(concurrent: int) -> AbstractAsyncContextManager[SandboxProcess]:
    """The sandbox in its own process with these 20 s jobs, admitting `concurrent` of them at once (ten times over)."""
    return sandbox_process(
        pending_seconds=PENDING_SECONDS, processing_seconds=PROCESSING_SECONDS, concurrency_limit=10 * concurrent
    )


SCHEDULE = [2, 4, 8, 10]
CPU_BUDGET_SECONDS = 0.010 * WAITS


async def _create(http: httpx.AsyncClient, count: int) -> list[str]:
    return [await create_generation(http) for _ in range(count)]


async def _raw_wait(base_url: str, headers: dict[str, str], tls: ssl.SSLContext, gid: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, headers=headers, verify=tls) as http:
        return await _raw_polls(http, gid)


async def _raw_polls(http: httpx.AsyncClient, gid: str) -> str:
    for window in [*SCHEDULE, *[SCHEDULE[-1]] * 10]:
        reply = await http.get(f"/v2/generate/{gid}", params={"wait": "true", "timeout": window}, timeout=window + 15)
        reply.raise_for_status()
        status = reply.json()["status"]
        if status in ("COMPLETED", "FAILED", "REJECTED"):
            return status
    return status


async def _windows(http: httpx.AsyncClient, ids: list[str]) -> dict[str, list[int]]:
    """Long-poll windows each generation was asked with, in order, from the sandbox's request log (the
    `include=progress` reads between them left out)."""
    log = (await http.get("/_sandbox/requests")).json()
    wanted = set(ids)
    seen: dict[str, list[int]] = defaultdict(list)
    for entry in log:
        gid = entry["path"].rsplit("/", 1)[-1]
        if entry["method"] == "GET" and gid in wanted:
            query = parse_qs(entry["query"])
            if query.get("include") == ["progress"]:
                continue  # a progress read between long-polls, not a window
            seen[gid].append(int(query["timeout"][0]) if query.get("wait") == ["true"] else 0)
    return seen


def _off_schedule(windows: dict[str, list[int]], ids: list[str]) -> int:
    """Generations read more often than the schedule, or with long-poll windows that are not its beginning
    (plain reads, window 0, are the stream's reads once a job is done)."""
    off = 0
    for gid in ids:
        reads = windows.get(gid, [])
        polls = [w for w in reads if w]
        if not reads or len(reads) > len(SCHEDULE) or polls != SCHEDULE[: len(polls)]:
            off += 1
    return off


async def run(runs: int) -> Result:
    result = Result(f"waiting: {WAITS} concurrent get_generation waits on one stdio server", runs)
    server_cpu: list[float] = []
    raw_cpu: list[float] = []
    walls: list[float] = []
    reads: list[float] = []
    calls: list[float] = []
    problems: list[str] = []
    async with job_sandbox(WAITS) as sandbox:
        async with sandbox.http(timeout=30) as http:
            async with stdio_server(sandbox.base_url) as server:
                await server.request("tools/list")
                for run_no in range(runs):
                    await http.post("/_sandbox/reset")
                    # ours: one server, WAITS concurrent tool calls with progress
                    ids = await _create(http, WAITS)
                    logged_before = len((await http.get("/_sandbox/requests")).json())
                    cpu_start = cpu_seconds(server.pid)
                    started = time.perf_counter()
                    answers = await asyncio.gather(
                        *(
                            server.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 50}, progress=True)
                            for gid in ids
                        )
                    )
                    walls.append(time.perf_counter() - started)
                    server_cpu.append(cpu_seconds(server.pid) - cpu_start)
                    done = sum(1 for a in answers if a["structuredContent"]["status"] == "COMPLETED")
                    calls.append((len((await http.get("/_sandbox/requests")).json()) - logged_before) / WAITS)
                    windows = await _windows(http, ids)
                    off = _off_schedule(windows, ids)
                    reads.append(sum(len(windows.get(gid, [])) for gid in ids) / WAITS)
                    if done != WAITS or off:
                        problems.append(f"run {run_no + 1}: {done}/{WAITS} completed, {off} off the schedule")

                    peak_mb = memory_kib(server.pid)["VmHWM"] / 1024
                    # baseline: the same waits as raw httpx long-polls from this process
                    ids = await _create(http, WAITS)
                    tls = httpx.create_ssl_context()
                    cpu_start = time.process_time()
                    statuses = await asyncio.gather(
                        *(_raw_wait(sandbox.base_url, {"x-api-key": sandbox.api_key}, tls, gid) for gid in ids)
                    )
                    raw_cpu.append(time.process_time() - cpu_start)
                    if statuses.count("COMPLETED") != WAITS:
                        problems.append(f"run {run_no + 1}: raw baseline completed {statuses.count('COMPLETED')}")
    ours, base = median(server_cpu), median(raw_cpu)
    result.figures.append(
        Figure(
            "server CPU time",
            base,
            ours,
            "s",
            f"<= {CPU_BUDGET_SECONDS:g} s, all complete, reads within schedule",
            ours <= CPU_BUDGET_SECONDS and not problems,
            baseline_label="raw httpx long-polls",
            note=f"{ours / WAITS * 1000:.2f} ms per generation",
        )
    )
    result.notes.append(
        f"API calls per generation {median(calls):.3f} (all the server sent, over the generations); "
        f"server peak RSS {peak_mb:.0f} MB; "
        f"wall time {median(walls):.1f} s; {median(reads):.2f} reads per generation (the long-poll schedule "
        f"{SCHEDULE} alone would be {len(SCHEDULE)}), plus one active-jobs stream; "
        + ("every run: all completed, none read beyond the schedule" if not problems else "; ".join(problems))
    )
    return result
