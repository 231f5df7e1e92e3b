"""Upload links: a 2 GiB file (sparse, in a temp folder) PUT through an upload link of `python -m sync_mcp
--transport http`, which streams it on to the sandbox's presigned upload URL as it arrives. Throughput as a share
of a raw `httpx` streamed PUT of the same file straight to a sandbox upload URL in the same run (both PUTs sent
from a process of their own, `bench/raw_transfer.py`); the server's peak RSS above idle shows the memory stays
bounded (a chunk at a time) however large the file.
"""

from __future__ import annotations

import itertools
import time

import httpx

from .harness import Result
from .processes import sandbox_process
from .replicas import call_tool, replicas
from .transfers import GIB, MB, MemoryWatch, media_folder, raw_against_ours, raw_transfer, sparse_file

SIZE = 2 * GIB
CONTENT_TYPE = "video/mp4"


async def run(runs: int) -> Result:
    result = Result("upload_link: a 2 GiB file PUT through an upload link vs a raw httpx streamed PUT", runs)
    calls = itertools.count(1)
    with media_folder() as folder:
        path = str(sparse_file(folder / "big.mp4", SIZE))
        async with sandbox_process() as sandbox:
            async with (
                sandbox.http(timeout=60) as http,
                httpx.AsyncClient(timeout=60) as mcp,
                replicas(1, sandbox.base_url, sandbox.api_key) as (server,),
            ):

                async def raw() -> float:
                    body = {"fileName": "big.mp4", "contentType": CONTENT_TYPE, "size": SIZE}
                    slot = (await http.post("/v2/assets/upload", json=body)).json()
                    return SIZE / MB / await raw_transfer("put", slot["uploadUrl"], path, CONTENT_TYPE)

                async def ours() -> tuple[float, float]:
                    link = (await call_tool(mcp, server.url, "upload_media", {}, next(calls)))["structuredContent"]
                    with MemoryWatch(server.proc.pid) as memory:
                        started = time.perf_counter()
                        await raw_transfer("put", link["uploadUrl"], path, CONTENT_TYPE)
                        mbps = SIZE / MB / (time.perf_counter() - started)
                    done = await call_tool(mcp, server.url, "upload_media", {"uploadId": link["uploadId"]}, next(calls))
                    assert done["structuredContent"]["state"] == "done", done["structuredContent"]
                    return mbps, memory.growth_mb

                async def reset() -> None:
                    await http.post("/_sandbox/reset")

                measured = await raw_against_ours(runs, raw, ours, before=reset)
    result.figures.extend(measured.figures("PUT"))
    return result
