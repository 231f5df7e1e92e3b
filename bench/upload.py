"""Target 3: `upload_media` of a large file (sparse, in a temp folder) to the sandbox, which runs in its own
process, against a raw `httpx` streamed PUT of the same file to a sandbox upload URL in the same run, sent
from its own process as the server's is: >= 90 % of it on loopback (1 GiB), >= 97 % on a link throttled to
50 MB/s on the receiving side (256 MiB). Peak RSS of the stdio server <= 80 MB above its idle RSS (VmHWM
reset at the start, and VmRSS sampled).

The tool's time is the whole call: the SHA-256 of the file (to reuse an identical upload; for a file this
large the PUT runs beside it), the lookup, the upload URL, the PUT and the registration; the raw PUT is the
floor of the transfer alone. The file is touched before each of the tool's runs, so its hash is never
remembered from the run before (a repeated upload of an unchanged file skips the hash: not measured here).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from .harness import Figure, Result
from .processes import StdioServer, sandbox_process
from .transfers import (
    GIB,
    MB,
    MemoryWatch,
    media_folder,
    raw_against_ours,
    raw_transfer,
    sparse_file,
    transfer_server,
)

CONTENT_TYPE = "video/mp4"
LINKS = (("loopback", None, GIB, 0.90), ("throttled to 50 MB/s", 50.0, GIB // 4, 0.97))
"""(name, receiving rate in MB/s or None for unthrottled, file size, share of the raw PUT to reach)."""


async def _raw_put(http: httpx.AsyncClient, path: Path, size: int) -> float:
    """Seconds for one streamed PUT of `path` to a fresh sandbox upload URL, from its own process."""
    slot = await http.post("/v2/assets/upload", json={"fileName": path.name, "contentType": CONTENT_TYPE, "size": size})
    slot.raise_for_status()
    return await raw_transfer("put", slot.json()["uploadUrl"], str(path), CONTENT_TYPE)


async def _ours(server: StdioServer, path: Path, size: int) -> tuple[float, float]:
    """Seconds of one `upload_media` call, and the server's memory growth during it (MB)."""
    os.utime(path)  # a changed file as far as remembered hashes go: it is hashed again
    with MemoryWatch(server.pid) as memory:
        started = time.perf_counter()
        answer = await server.call_tool("upload_media", {"path": str(path)}, progress=True)
        elapsed = time.perf_counter() - started
    sent = answer["structuredContent"]
    assert sent["bytesSent"] == size and not sent["reused"], sent
    return elapsed, memory.growth_mb


async def _link(runs: int, name: str, throttle: float | None, size: int, target: float) -> list[Figure]:
    config = {"throttle_mb_s": throttle} if throttle else {}
    with media_folder() as folder:
        path = sparse_file(folder / "big.mp4", size)
        async with sandbox_process(**config) as sandbox:
            async with sandbox.http(timeout=60) as http:
                async with transfer_server(sandbox.base_url, folder) as server:

                    async def raw() -> float:
                        return size / MB / await _raw_put(http, path, size)

                    async def ours() -> tuple[float, float]:
                        elapsed, grew = await _ours(server, path, size)
                        return size / MB / elapsed, grew

                    async def reset() -> None:
                        await http.post("/_sandbox/reset")  # so the same bytes are uploaded again, not reused

                    measured = await raw_against_ours(runs, raw, ours, before=reset)
    where = f"{name}, {size // 2**20} MiB"
    return measured.figures("PUT", target=target, where=where)


async def run(runs: int) -> Result:
    result = Result("upload: upload_media of a large file vs a raw httpx streamed PUT", runs)
    for name, throttle, size, target in LINKS:
        result.figures.extend(await _link(runs, name, throttle, size, target))
    return result
