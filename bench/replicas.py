"""Two replicas sharing Redis, under load: N concurrent clients, each creating one generation on one replica and
waiting for it (`get_generation` with `wait=true`, progress over SSE) on the other, as a round-robin balancer would
send them. All must complete, each generation's API polls must stay on the backoff schedule (long-poll windows
2, 4, 8, 10 s, read back from the sandbox's request log), and the replicas' CPU time per generation is compared
with one replica serving the same load with its state in its own memory (the single-process figure).

Every server is `python -m sync_mcp --transport http` in its own process, the sandbox API in another, Debian's
`redis-server` in another (its CPU is reported apart); the clients are raw HTTP JSON-RPC (2026-07-28) from this
process, so none of their cost counts as the servers'.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .harness import Figure, Result, median
from .processes import (
    GENERATION,
    PROTOCOL_VERSION,
    REPO_ROOT,
    await_exit,
    base_env,
    cpu_seconds,
    free_port,
    memory_kib,
)
from .waiting import SCHEDULE, _windows, job_sandbox

CLIENTS = 1000
TOKEN = "bench-bearer-token-3f9a1c7e5d2b8064"
RATIO_TARGET = 1.5
"""Two replicas with Redis may cost at most this many times the single process's CPU per generation."""
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
    "io.modelcontextprotocol/clientInfo": {"name": "sync-mcp-bench", "version": "0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.port = free_port()
        self.folder = tempfile.TemporaryDirectory(prefix="sync-mcp-bench-redis-")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.folder.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.folder.cleanup()


class Replica:
    """`python -m sync_mcp --transport http` on a free loopback port."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.url = f"http://127.0.0.1:{port}/mcp"

    @classmethod
    async def start(cls, sandbox_url: str, api_key: str, cwd: str, **env: str) -> Replica:
        port = free_port()
        environment = base_env(
            SYNC_API_KEY=api_key, SYNC_BASE_URL=sandbox_url, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_LOG_LEVEL="WARNING",
            PYTHONPATH=f"{REPO_ROOT}/src", **env,
        )  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sync_mcp", "--transport", "http", "--port", str(port),
            env=environment, cwd=cwd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        replica = cls(proc, port)
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    await http.get(replica.url.removesuffix("/mcp") + "/", timeout=1)
                    return replica
                if proc.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError("a replica did not start")
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        self.proc.terminate()
        await await_exit(self.proc)


@contextlib.asynccontextmanager
async def replicas(count: int, sandbox_url: str, api_key: str, **env: str) -> AsyncIterator[list[Replica]]:
    with tempfile.TemporaryDirectory(prefix="sync-mcp-bench-") as cwd:
        started: list[Replica] = []
        try:
            for _ in range(count):
                started.append(await Replica.start(sandbox_url, api_key, cwd, **env))
            yield started
        finally:
            for replica in started:
                await replica.stop()


async def call_tool(http: httpx.AsyncClient, url: str, name: str, arguments: dict[str, Any], call_id: int) -> Any:
    """One `tools/call` on the 2026-07-28 wire (no session), reading the SSE reply to its result."""
    params = {"name": name, "arguments": arguments, "_meta": {**META, "progressToken": f"p{call_id}"}}
    body = {"jsonrpc": "2.0", "id": call_id, "method": "tools/call", "params": params}
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": PROTOCOL_VERSION,
        "Mcp-Method": "tools/call",
        "Mcp-Name": name,
    }
    async with http.stream("POST", url, json=body, headers=headers) as reply:
        reply.raise_for_status()
        if reply.headers.get("content-type", "").startswith("application/json"):  # answered without a stream
            return _result(name, json.loads(await reply.aread()))
        async for line in reply.aiter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("id") == call_id:
                    return _result(name, message)
    raise RuntimeError(f"{name}: the stream ended without a result")


def _result(name: str, message: dict[str, Any]) -> Any:
    if "error" in message:
        raise RuntimeError(f"{name}: {message['error']}")
    if message["result"].get("isError"):
        raise RuntimeError(f"{name}: {message['result']['content'][0]['text'][:300]}")
    return message["result"]


async def one_client(http: httpx.AsyncClient, create_on: str, wait_on: str, n: int) -> str:
    created = await call_tool(http, create_on, "create_generation", GENERATION, 2 * n + 1)
    gid = created["structuredContent"]["id"]
    done = await call_tool(http, wait_on, "get_generation", {"id": gid, "wait": True, "timeout": 50}, 2 * n + 2)
    return f"{gid} {done['structuredContent']['status']}"


async def load(servers: list[Replica], clients: int) -> tuple[float, float, list[str]]:
    """Run the clients against `servers` (client n creates on n mod k, waits on n+1 mod k); returns (servers' CPU
    seconds, wall seconds, "id status" per client)."""
    # A connection per request, as from many separate clients (and none reused after the server closed it idle).
    limits = httpx.Limits(max_connections=2 * clients, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120, connect=30), limits=limits) as http:
        cpu_start = [cpu_seconds(s.proc.pid) for s in servers]
        started = time.perf_counter()
        k = len(servers)
        outcomes = await asyncio.gather(
            *(one_client(http, servers[n % k].url, servers[(n + 1) % k].url, n) for n in range(clients))
        )
        wall = time.perf_counter() - started
        cpu = sum(cpu_seconds(s.proc.pid) - c for s, c in zip(servers, cpu_start, strict=True))
    return cpu, wall, list(outcomes)


def on_schedule(windows: list[int]) -> bool:
    """The long-poll windows of one wait follow the backoff schedule (2, 4, 8, then 10 s each) from its start to
    the job's end (how many there are depends only on when the job ended), and there is at most one plain read
    (window 0: the read once the active-jobs stream said the job is done, after which nothing polls)."""
    polls = [w for w in windows if w]
    expected = [*SCHEDULE, *[SCHEDULE[-1]] * max(0, len(polls) - len(SCHEDULE))]
    return bool(windows) and polls == expected[: len(polls)] and windows.count(0) <= 1


def off_schedule(windows: dict[str, list[int]], ids: list[str]) -> list[list[int]]:
    return [windows.get(gid, []) for gid in ids if not on_schedule(windows.get(gid, []))]


async def run(runs: int) -> Result:
    result = Result(f"replicas: {CLIENTS} clients across two replicas sharing Redis", runs)
    shared_cpu: list[float] = []
    single_cpu: list[float] = []
    redis_cpu: list[float] = []
    walls: list[float] = []
    calls: dict[str, list[float]] = {"two replicas": [], "one": []}
    peak_mb: dict[str, float] = {}
    problems: list[str] = []
    redis_server = RedisServer()
    try:
        async with job_sandbox(CLIENTS) as sandbox:
            async with sandbox.http(timeout=30) as api:
                async with (
                    replicas(2, sandbox.base_url, sandbox.api_key, SYNC_MCP_REDIS_URL=redis_server.url) as pair,
                    replicas(1, sandbox.base_url, sandbox.api_key) as alone,
                ):
                    for run_no in range(runs):
                        for label, servers, into in (("two replicas", pair, shared_cpu), ("one", alone, single_cpu)):
                            await api.post("/_sandbox/reset")
                            redis_before = cpu_seconds(redis_server.proc.pid)
                            cpu, wall, outcomes = await load(servers, CLIENTS)
                            calls[label].append(len((await api.get("/_sandbox/requests")).json()) / CLIENTS)
                            peak_mb[label] = sum(memory_kib(s.proc.pid)["VmHWM"] for s in servers) / 1024
                            into.append(cpu / CLIENTS)
                            if servers is pair:
                                walls.append(wall)
                                redis_cpu.append((cpu_seconds(redis_server.proc.pid) - redis_before) / CLIENTS)
                            ids = [o.split()[0] for o in outcomes]
                            done = sum(1 for o in outcomes if o.endswith(" COMPLETED"))
                            off = off_schedule(await _windows(api, ids), ids)
                            if done != CLIENTS or off:
                                problems.append(
                                    f"run {run_no + 1}, {label}: {done}/{CLIENTS} completed, {len(off)} off the "
                                    f"schedule (e.g. {off[:3]})"
                                )
    finally:
        redis_server.stop()
    ours, base = median(shared_cpu), median(single_cpu)
    result.figures.append(
        Figure(
            "server CPU per generation",
            base * 1000,
            ours * 1000,
            "ms",
            f"<= {RATIO_TARGET:g}x one process, all complete, polls on schedule",
            ours <= RATIO_TARGET * base and not problems,
            baseline_label="one process, state in memory",
            note="both replicas' CPU together",
        )
    )
    result.notes.append(
        f"two replicas + Redis: {ours / base:.2f}x the single process's CPU per generation; redis-server "
        f"{median(redis_cpu) * 1000:.2f} ms per generation besides; API calls per generation (the create "
        f"included) {median(calls['two replicas']):.2f} on two replicas, {median(calls['one']):.2f} on one; peak RSS "
        f"{peak_mb.get('two replicas', 0):.0f} MB (both replicas) vs {peak_mb.get('one', 0):.0f} MB (one); "
        f"wall time {median(walls):.1f} s; polls per "
        f"generation follow {SCHEDULE}, then 10 s (long-poll windows, s); "
        + ("every run: all completed, every generation on schedule" if not problems else "; ".join(problems))
    )
    return result
