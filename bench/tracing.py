"""The cost of tracing: a `get_generation` tool call over stdio with OpenTelemetry tracing on (spans exported
over OTLP/HTTP to a loopback receiver in this process) against the same call on a server with telemetry off,
both in the same run; the difference per call is printed. Target: tracing adds <= 2 ms at p50.

Calls alternate between the two servers (off, on, off, on, ...) so drifts of a shared machine hit both alike.
The cost with telemetry off is the call_overhead benchmark's own (the hooks are one global lookup).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import uvicorn

from .harness import Figure, Result, median, percentile
from .processes import cpu_seconds, free_port, sandbox_process, stdio_server

CALLS = 500
WARMUP = 50
P50_BUDGET_MS = 2.0


async def _receiver(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Accepts OTLP exports and drops them."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@asynccontextmanager
async def otlp_receiver() -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_receiver, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await anyio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True


async def run(runs: int) -> Result:
    result = Result(f"tracing on vs off: get_generation over stdio ({CALLS} calls per run)", runs)
    p50s: list[tuple[float, float]] = []
    cpu: list[tuple[float, ...]] = []
    async with sandbox_process(pending_seconds=0.0, processing_seconds=0.0) as sandbox, otlp_receiver() as otlp:
        video, audio = "https://media.example.com/talk.mp4", "https://media.example.com/voice.wav"
        body = {"model": "lipsync-2", "input": [{"type": "video", "url": video}, {"type": "audio", "url": audio}]}
        traced_env = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp, "OTEL_METRICS_EXPORTER": "none"}
        async with stdio_server(sandbox.base_url) as off, stdio_server(sandbox.base_url, **traced_env) as on:
            created = await off.call_tool("create_generation", body)
            gid = created["structuredContent"]["id"]
            for _ in range(runs):
                ms: dict[str, list[float]] = {"off": [], "on": []}
                for i in range(WARMUP + CALLS):
                    if i == WARMUP:
                        cpu_start = (cpu_seconds(off.pid), cpu_seconds(on.pid))
                    for name, server in (("off", off), ("on", on)):
                        started = time.perf_counter()
                        answer = await server.call_tool("get_generation", {"id": gid})
                        if i >= WARMUP:
                            ms[name].append((time.perf_counter() - started) * 1000)
                assert answer["structuredContent"]["status"] == "COMPLETED", answer
                p50s.append((percentile(ms["off"], 50), percentile(ms["on"], 50)))
                cpu.append(
                    tuple((cpu_seconds(s.pid) - c) / CALLS * 1000 for s, c in zip((off, on), cpu_start, strict=True))
                )
    off_ms, on_ms = median([s[0] for s in p50s]), median([s[1] for s in p50s])
    cost = median([s[1] - s[0] for s in p50s])
    result.figures.append(
        Figure(
            "p50 latency",
            off_ms,
            on_ms,
            "ms",
            f"tracing adds <= {P50_BUDGET_MS:g} ms",
            cost <= P50_BUDGET_MS,
            baseline_label="telemetry off",
            note=f"tracing costs {cost:.2f} ms per call",
        )
    )
    cpu_off, cpu_on = median([c[0] for c in cpu]), median([c[1] for c in cpu])
    result.notes.append(f"server CPU per call: {cpu_off:.2f} ms off, {cpu_on:.2f} ms with tracing on")
    return result
