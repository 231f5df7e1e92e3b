"""Target 3: `upload_media` of a 1 GiB file (sparse, in a temp folder) to the sandbox, which runs in its own
process. Peak RSS of the stdio server <= 80 MB above its idle RSS (VmHWM reset at the start, and VmRSS
sampled); throughput >= 80 % of a raw `httpx` streamed PUT of the same file to a sandbox upload URL in the
same run, sent from its own process as the server's is. The tool's time is the whole call: SHA-256 of the
file (to reuse an identical upload), the lookup, the upload URL, the PUT and the registration; the raw PUT
is the floor of the transfer alone.
"""

from __future__ import annotations

import time
from pathlib import Path

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
    sparse_file,
    transfer_figures,
    transfer_server,
)

SIZE = GIB
CONTENT_TYPE = "video/mp4"


async def _raw_put(http: httpx.AsyncClient, path: Path) -> float:
    """Seconds for one streamed PUT of `path` to a fresh sandbox upload URL, from its own process."""
    slot = await http.post("/v2/assets/upload", json={"fileName": path.name, "contentType": CONTENT_TYPE, "size": SIZE})
    slot.raise_for_status()
    return await raw_transfer("put", slot.json()["uploadUrl"], str(path), CONTENT_TYPE)


async def run(runs: int) -> Result:
    result = Result("upload: upload_media of a 1 GiB file vs a raw httpx streamed PUT", runs)
    raw_mbps: list[float] = []
    ours_mbps: list[float] = []
    growth: list[float] = []
    shares: list[float] = []
    with media_folder() as folder:
        path = sparse_file(folder / "big.mp4", SIZE)
        async with sandbox_process() as sandbox:
            headers = {"x-api-key": sandbox.api_key}
            async with httpx.AsyncClient(base_url=sandbox.base_url, headers=headers, timeout=60) as http:
                async with transfer_server(sandbox.base_url, folder) as server:
                    for run_no in range(runs):
                        measured: dict[str, float] = {}
                        # alternate who goes first, so neither always meets the other's after-effects
                        for side in ("raw", "ours") if run_no % 2 == 0 else ("ours", "raw"):
                            await http.post("/_sandbox/reset")  # so the same bytes are uploaded again, not reused
                            await settle()
                            if side == "raw":
                                measured["raw"] = SIZE / MB / await _raw_put(http, path)
                                continue
                            with MemoryWatch(server.pid) as memory:
                                started = time.perf_counter()
                                answer = await server.call_tool("upload_media", {"path": str(path)}, progress=True)
                                measured["ours"] = SIZE / MB / (time.perf_counter() - started)
                            sent = answer["structuredContent"]
                            assert sent["bytesSent"] == SIZE and not sent["reused"], sent
                            growth.append(memory.growth_mb)
                        raw_mbps.append(measured["raw"])
                        ours_mbps.append(measured["ours"])
                        shares.append(measured["ours"] / measured["raw"])
    result.figures.extend(transfer_figures("PUT", raw_mbps, ours_mbps, shares, growth))
    return result
