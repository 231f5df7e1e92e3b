"""What the upload and download benchmarks share: a sparse file of any size, a server with its folders,
the memory readings of the server while a transfer runs, and runs of the raw transfer against ours with their
figures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .harness import Figure, median
from .processes import REPO_ROOT, RSSSampler, StdioServer, base_env, memory_kib, reset_peak_rss, stdio_server

GIB = 1024**3
MB = 1_000_000
RSS_BUDGET_MB = 80.0
THROUGHPUT_SHARE = 0.80


@contextlib.contextmanager
def media_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sync-mcp-bench-media-") as folder:
        yield Path(folder)


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (reads back as zeros)."""
    with path.open("wb") as f:
        f.truncate(size)
    return path


@contextlib.asynccontextmanager
async def transfer_server(base_url: str, folder: Path) -> AsyncIterator[StdioServer]:
    """A stdio server allowed to read `folder` and writing its downloads under `folder/outputs`."""
    async with stdio_server(
        base_url, SYNC_MCP_ALLOWED_DIRS=str(folder), SYNC_MCP_OUTPUT_DIR=str(folder / "outputs")
    ) as server:
        await server.request("tools/list")
        yield server


async def settle() -> None:
    """Flush dirty pages to disk first, so no transfer pays for the writeback of the one before it."""
    await asyncio.to_thread(os.sync)


async def raw_transfer(*args: str) -> float:
    """Seconds of one raw httpx transfer (`bench/raw_transfer.py`) run in its own process."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.raw_transfer", *args, stdout=asyncio.subprocess.PIPE, cwd=REPO_ROOT, env=base_env()
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"raw transfer {args[0]} failed ({proc.returncode})")
    return float(json.loads(out)["seconds"])


@dataclass
class MemoryWatch:
    """Idle RSS before a transfer, and the peak during it (VmHWM reset at the start, plus sampling)."""

    pid: int
    idle_kib: int = 0
    peak_kib: int = 0
    _sampler: RSSSampler | None = None

    def __enter__(self) -> MemoryWatch:
        self.idle_kib = memory_kib(self.pid)["VmRSS"]
        self._hwm_reset = reset_peak_rss(self.pid)
        self._sampler = RSSSampler(self.pid).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._sampler is not None
        self._sampler.__exit__(*exc)
        reading = memory_kib(self.pid)
        self.peak_kib = max(self._sampler.peak_kib, reading["VmRSS"], reading["VmHWM"] if self._hwm_reset else 0)

    @property
    def growth_mb(self) -> float:
        return (self.peak_kib - self.idle_kib) * 1024 / MB


@dataclass
class Throughputs:
    """Each run's throughput of the raw transfer and of ours (MB/s), ours as a share of the raw one, and the
    server's memory growth during ours (MB)."""

    raw_mbps: list[float] = field(default_factory=list)
    ours_mbps: list[float] = field(default_factory=list)
    shares: list[float] = field(default_factory=list)
    growth: list[float] = field(default_factory=list)

    def figures(self, verb: str, *, target: float = THROUGHPUT_SHARE, where: str = "") -> list[Figure]:
        """Throughput against the raw httpx transfer of the same run (`target`: the share to reach), and the
        server's memory growth; `where` names the link in the figures' names."""
        share = median(self.shares)
        suffix = f" ({where})" if where else ""
        return [
            Figure(
                "throughput" + suffix,
                median(self.raw_mbps),
                median(self.ours_mbps),
                "MB/s",
                f">= {target:.0%} of the raw {verb}",
                share >= target,
                baseline_label=f"raw httpx {verb}",
                note=f"median per-run share {share:.0%}",
            ),
            Figure(
                "server peak RSS above idle" + suffix,
                RSS_BUDGET_MB,
                median(self.growth),
                "MB",
                f"<= {RSS_BUDGET_MB:g} MB",
                median(self.growth) <= RSS_BUDGET_MB,
                baseline_label="budget",
                note=f"worst run {max(self.growth):.1f} MB",
            ),
        ]


async def raw_against_ours(
    runs: int,
    raw: Callable[[], Awaitable[float]],
    ours: Callable[[], Awaitable[tuple[float, float]]],
    *,
    before: Callable[[], Awaitable[object]] | None = None,
) -> Throughputs:
    """`runs` runs of the raw transfer (`raw`: its MB/s) and ours (`ours`: its MB/s and the server's memory growth
    in MB), alternating who goes first so neither always meets the other's after-effects; `before` (then `settle`)
    runs before each side."""
    measured = Throughputs()
    for run_no in range(runs):
        mbps: dict[str, float] = {}
        for side in ("raw", "ours") if run_no % 2 == 0 else ("ours", "raw"):
            if before is not None:
                await before()
            await settle()
            if side == "raw":
                mbps["raw"] = await raw()
                continue
            mbps["ours"], grew = await ours()
            measured.growth.append(grew)
        measured.raw_mbps.append(mbps["raw"])
        measured.ours_mbps.append(mbps["ours"])
        measured.shares.append(mbps["ours"] / mbps["raw"])
    return measured
