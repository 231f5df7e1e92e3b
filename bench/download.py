"""Target 4: `download_output` of a 1 GiB result (the sandbox's `output_size_bytes`), the sandbox in its own
process. Peak RSS of the stdio server <= 80 MB above its idle RSS; throughput >= 80 % of a raw `httpx`
streamed GET of the same output URL into a file, from its own process, in the same run. The tool's time is
the whole call: reading the generation, asking for the download URL, streaming to a temp file, fsync and
the atomic rename; the raw GET only streams and writes.
"""

from __future__ import annotations

import time

from .harness import Result
from .processes import create_generation, sandbox_process
from .transfers import GIB, MB, MemoryWatch, media_folder, raw_against_ours, raw_transfer, transfer_server

SIZE = GIB


async def run(runs: int) -> Result:
    result = Result("download: download_output of a 1 GiB result vs a raw httpx streamed GET", runs)
    with media_folder() as folder:
        async with sandbox_process(pending_seconds=0.0, processing_seconds=0.0, output_size_bytes=SIZE) as sandbox:
            async with sandbox.http(timeout=60) as http:
                gid = await create_generation(http)
                output_url = (await http.get(f"/v2/generate/{gid}")).json()["outputUrl"]
                async with transfer_server(sandbox.base_url, folder) as server:

                    async def raw() -> float:
                        raw_file = folder / "raw.mp4"
                        mbps = SIZE / MB / await raw_transfer("get", output_url, str(raw_file))
                        raw_file.unlink()
                        return mbps

                    async def ours() -> tuple[float, float]:
                        with MemoryWatch(server.pid) as memory:
                            started = time.perf_counter()
                            answer = await server.call_tool("download_output", {"id": gid}, progress=True)
                            mbps = SIZE / MB / (time.perf_counter() - started)
                        saved = answer["structuredContent"]
                        assert saved["sizeBytes"] == SIZE, saved
                        (folder / "outputs" / saved["fileName"]).unlink()
                        return mbps, memory.growth_mb

                    measured = await raw_against_ours(runs, raw, ours)
    result.figures.extend(measured.figures("GET"))
    return result
