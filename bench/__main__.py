"""`python -m bench [--only NAME ...] [--runs N]`: run the benchmarks of issue #7 and print their figures."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import platform
import sys
from dataclasses import asdict

from .harness import Result, report

BENCHMARKS = {
    "cold_start": "bench.cold_start",
    "call_overhead": "bench.call_overhead",
    "tracing": "bench.tracing",
    "upload": "bench.upload",
    "upload_link": "bench.upload_link",
    "download": "bench.download",
    "waiting": "bench.waiting",
    "active_jobs": "bench.active_jobs",
    "tool_surface": "bench.tool_surface",
    "replicas": "bench.replicas",
    "house": "bench.house",
    "oauth_flood": "bench.oauth_flood",
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is reported (default 5)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    names = args.only or list(BENCHMARKS)
    print(f"python {platform.python_version()} on {platform.machine()}, {_cpus()} CPUs", flush=True)
    results: list[Result] = []
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        result = asyncio.run(module.run(args.runs))
        results.append(result)
        print(report(result), flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([asdict(r) for r in results], out, indent=2)
    return 0 if all(r.met for r in results) else 1


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
