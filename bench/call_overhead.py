"""Target 2: a `get_generation` tool call over stdio against the sandbox, against a raw `httpx` GET of the
same generation from the same client process; overhead <= 2 ms at p50 and <= 5 ms at p99 over 1,000 calls;
and against the same call to a bare SDK `MCPServer` whose tool does the same GET (`bench/bare_sdk.py`): the
SDK's own floor for a tool call, which ours may exceed by at most 0.2 ms at p50.

Calls alternate (tool, bare SDK tool, raw, ...) so drifts of a shared machine hit every side alike. The raw GET
reuses one keep-alive connection and parses the JSON, as the server's own client does.
"""

from __future__ import annotations

import time
from pathlib import Path

from .harness import Result, median, paired_figure, percentile
from .processes import REPO_ROOT, cpu_seconds, create_generation, sandbox_process, stdio_server

CALLS = 1000
WARMUP = 50
P50_BUDGET_MS = 2.0
P99_BUDGET_MS = 5.0
BARE_SDK_MARGIN_MS = 0.2
BARE_SDK_SERVER = str(Path(REPO_ROOT) / "bench" / "bare_sdk.py")


async def run(runs: int) -> Result:
    result = Result(f"per-call overhead: get_generation over stdio vs raw httpx GET ({CALLS} calls per run)", runs)
    p50s: list[tuple[float, float]] = []
    p99s: list[tuple[float, float]] = []
    bare_p50s: list[tuple[float, float]] = []
    cpu_per_call: list[float] = []
    async with sandbox_process(pending_seconds=0.0, processing_seconds=0.0) as sandbox:
        async with sandbox.http() as http:
            gid = await create_generation(http)
            async with (
                stdio_server(sandbox.base_url) as server,
                stdio_server(sandbox.base_url, command=(BARE_SDK_SERVER,)) as bare,
            ):
                for _ in range(runs):
                    tool_ms: list[float] = []
                    bare_ms: list[float] = []
                    raw_ms: list[float] = []
                    for i in range(WARMUP + CALLS):
                        started = time.perf_counter()
                        answer = await server.call_tool("get_generation", {"id": gid})
                        tool = time.perf_counter() - started
                        started = time.perf_counter()
                        await bare.call_tool("get_generation", {"id": gid})
                        floor = time.perf_counter() - started
                        started = time.perf_counter()
                        reply = await http.get(f"/v2/generate/{gid}")
                        reply.raise_for_status()
                        reply.json()
                        raw = time.perf_counter() - started
                        if i == WARMUP:
                            cpu_start = cpu_seconds(server.pid)
                        if i >= WARMUP:
                            tool_ms.append(tool * 1000)
                            bare_ms.append(floor * 1000)
                            raw_ms.append(raw * 1000)
                    cpu_per_call.append((cpu_seconds(server.pid) - cpu_start) / CALLS * 1000)
                    assert answer["structuredContent"]["status"] == "COMPLETED", answer
                    p50s.append((percentile(raw_ms, 50), percentile(tool_ms, 50)))
                    bare_p50s.append((percentile(bare_ms, 50), percentile(tool_ms, 50)))
                    p99s.append((percentile(raw_ms, 99), percentile(tool_ms, 99)))
    for label, samples, budget in (("p50", p50s, P50_BUDGET_MS), ("p99", p99s, P99_BUDGET_MS)):
        result.figures.append(
            paired_figure(
                f"{label} latency",
                samples,
                unit="ms",
                target=f"overhead <= {budget:g} ms",
                budget=budget,
                baseline_label="raw httpx GET",
                note="overhead {:.2f} ms",
            )
        )
    result.figures.append(
        paired_figure(
            "p50 latency against the SDK's floor",
            bare_p50s,
            unit="ms",
            target=f"<= bare SDK + {BARE_SDK_MARGIN_MS:g} ms",
            budget=BARE_SDK_MARGIN_MS,
            baseline_label="bare SDK MCPServer tool, same GET",
            note="{:+.2f} ms",
        )
    )
    result.notes.append(f"server CPU per call: {median(cpu_per_call):.2f} ms")
    return result
