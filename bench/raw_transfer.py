"""The baseline of the transfer benchmarks, in its own process like the server it is compared with:
`python -m bench.raw_transfer put URL PATH CONTENT_TYPE` streams a file up with one `httpx` PUT,
`python -m bench.raw_transfer get URL PATH` streams a URL down into a file. Prints the seconds taken and
the bytes moved, as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

CHUNK = 1024 * 1024


async def _file_body(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


async def put(url: str, path: Path, content_type: str, size: int) -> dict[str, float]:
    headers = {"content-type": content_type, "content-length": str(size)}
    async with httpx.AsyncClient(timeout=300) as http:
        started = time.perf_counter()
        reply = await http.put(url, content=_file_body(path), headers=headers)
        elapsed = time.perf_counter() - started
    reply.raise_for_status()
    return {"seconds": elapsed, "bytes": size}


async def get(url: str, path: Path) -> dict[str, float]:
    size = 0
    async with httpx.AsyncClient(timeout=300) as http:
        started = time.perf_counter()
        with path.open("wb") as sink:
            async with http.stream("GET", url) as reply:
                reply.raise_for_status()
                async for chunk in reply.aiter_bytes(CHUNK):
                    sink.write(chunk)
                    size += len(chunk)
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "bytes": size}


def main() -> None:
    mode, url, path, *rest = sys.argv[1:]
    file = Path(path)
    outcome = asyncio.run(put(url, file, rest[0], file.stat().st_size) if mode == "put" else get(url, file))
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
