"""The cost of tracing: a `get_generation` tool call over stdio with OpenTelemetry tracing on (spans exported
over OTLP/HTTP to a loopback receiver in this process) against the same call on a server with telemetry off,
both in the same run; the difference per call is printed. Target: tracing adds <= 2 ms at p50.

Calls alternate between the two servers (off, on, off, on, ...) so drifts of a shared machine hit both alike.
The cost with telemetry off is the call_overhead benchmark's own (the hooks are one global lookup).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .harness import Result, median, paired_figure, percentile
from .processes import cpu_seconds, sandbox_process, stdio_server

CALLS = 500
WARMUP = 50
P50_BUDGET_MS = 2.0
EXPORTS = [0]
"""OTLP requests the receiver got (so the figure is known to include the export)."""


async def _drop_exports(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One OTLP/HTTP connection: every request read to its end, answered 200, and dropped."""
    try:
        while head := await reader.readuntil(b"\r\n\r\n"):
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
            await reader.readexactly(length)
            EXPORTS[0] += 1
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@asynccontextmanager
async def otlp_receiver() -> AsyncIterator[str]:
    """A loopback OTLP/HTTP endpoint that accepts exports and drops them; yields its base URL."""
    server = await asyncio.start_server(_drop_exports, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


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
    result.figures.append(
        paired_figure(
            "p50 latency",
            p50s,
            unit="ms",
            target=f"tracing adds <= {P50_BUDGET_MS:g} ms",
            budget=P50_BUDGET_MS,
            baseline_label="telemetry off",
            note="tracing costs {:.2f} ms per call",
        )
    )
    cpu_off, cpu_on = median([c[0] for c in cpu]), median([c[1] for c in cpu])
    result.notes.append(f"server CPU per call: {cpu_off:.2f} ms off, {cpu_on:.2f} ms with tracing on")
    result.notes.append(f"OTLP export requests received: {EXPORTS[0]}")
    return result
