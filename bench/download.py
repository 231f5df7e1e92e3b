"""Target 4: `download_output` of a 1 GiB result (the sandbox's `output_size_bytes`), the sandbox in its own
process. Peak RSS of the stdio server <= 80 MB above its idle RSS; throughput >= 80 % of a raw `httpx`
streamed GET of the same output URL into a file, from its own process, in the same run. The tool's time is
the whole call: reading the generation, asking for the download URL, streaming to a temp file, fsync and
the atomic rename; the raw GET only streams and writes.
"""

from __future__ import annotations

import time

import httpx

from .harness import Result
from .processes import sandbox_process
from .transfers import (
    GIB,
    MB,
    MemoryWatch,
    media_folder,
    raw_transfer,
    settle,
    transfer_figures,
    transfer_server,
)

SIZE = GIB
BODY = {
    "model": "lipsync-2",
    "input": [
        {"type": "video", "url": "https://media.example.com/talk.mp4"},
        {"type": "audio", "url": "https://media.example.com/voice.wav"},
    ],
}


async def run(runs: int) -> Result:
    result = Result("download: download_output of a 1 GiB result vs a raw httpx streamed GET", runs)
    raw_mbps: list[float] = []
    ours_mbps: list[float] = []
    growth: list[float] = []
    shares: list[float] = []
    with media_folder() as folder:
        async with sandbox_process(pending_seconds=0.0, processing_seconds=0.0, output_size_bytes=SIZE) as sandbox:
            headers = {"x-api-key": sandbox.api_key}
            async with httpx.AsyncClient(base_url=sandbox.base_url, headers=headers, timeout=60) as http:
                created = await http.post("/v2/generate", json=BODY)
                created.raise_for_status()
                gid = created.json()["id"]
                output_url = (await http.get(f"/v2/generate/{gid}")).json()["outputUrl"]
                async with transfer_server(sandbox.base_url, folder) as server:
                    for run_no in range(runs):
                        measured: dict[str, float] = {}
                        # alternate who goes first, so neither always meets the other's after-effects
                        for side in ("raw", "ours") if run_no % 2 == 0 else ("ours", "raw"):
                            await settle()
                            if side == "raw":
                                raw_file = folder / "raw.mp4"
                                measured["raw"] = SIZE / MB / await raw_transfer("get", output_url, str(raw_file))
                                raw_file.unlink()
                                continue
                            with MemoryWatch(server.pid) as memory:
                                started = time.perf_counter()
                                answer = await server.call_tool("download_output", {"id": gid}, progress=True)
                                measured["ours"] = SIZE / MB / (time.perf_counter() - started)
                            saved = answer["structuredContent"]
                            assert saved["sizeBytes"] == SIZE, saved
                            (folder / "outputs" / saved["fileName"]).unlink()
                            growth.append(memory.growth_mb)
                        raw_mbps.append(measured["raw"])
                        ours_mbps.append(measured["ours"])
                        shares.append(measured["ours"] / measured["raw"])
    result.figures.extend(transfer_figures("GET", raw_mbps, ours_mbps, shares, growth))
    return result
