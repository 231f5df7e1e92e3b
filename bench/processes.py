"""The processes a benchmark drives: the MCP server over stdio (a raw JSON-RPC client over pipes, so the
client adds next to nothing to what is measured), the sandbox API in its own process (with a plain client of it
and a generation to create there), and readings of a process's CPU time and memory from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

PROTOCOL_VERSION = "2026-07-28"
BENCH_KEY = "sk-bench-local-0123456789"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REQUEST_META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
    "io.modelcontextprotocol/clientInfo": {"name": "sync-mcp-bench", "version": "0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
HANDSHAKE_VERSION = "2025-11-25"
HANDSHAKE_PARAMS = {
    "protocolVersion": HANDSHAKE_VERSION,
    "capabilities": {},
    "clientInfo": {"name": "sync-mcp-bench", "version": "0"},
}
LINE_LIMIT = 64 * 1024 * 1024
REPO_ROOT = str(Path(__file__).resolve().parent.parent)


def base_env(**extra: str) -> dict[str, str]:
    """A host-like minimal environment (MCP hosts start servers with little more than PATH and HOME)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH") if k in os.environ}
    env.update(extra)
    return env


class RPCError(Exception):
    pass


class StdioServer:
    """`python -m sync_mcp` as a subprocess, spoken to in raw JSON-RPC (2026-07-28: no handshake)."""

    def __init__(self, proc: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.proc = proc
        self.stderr_path = stderr_path
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.notifications: dict[str, int] = {}
        """Notifications received, counted by method."""
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @property
    def pid(self) -> int:
        return self.proc.pid

    @classmethod
    async def spawn(cls, env: dict[str, str], cwd: str, command: tuple[str, ...] = ("-m", "sync_mcp")) -> StdioServer:
        """Start the server: `python <command>` (default `-m sync_mcp`)."""
        stderr_path = Path(cwd) / "server-stderr.log"
        with stderr_path.open("ab") as stderr:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=cwd,
                limit=LINE_LIMIT,
            )
        return cls(proc, stderr_path)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            message = json.loads(line)
            future = self._pending.pop(message["id"], None) if "id" in message else None
            if future is None:
                method = str(message.get("method"))
                self.notifications[method] = self.notifications.get(method, 0) + 1
            elif not future.done():
                future.set_result(message)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(RPCError("the server closed its stdout"))

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, era_meta: bool = True
    ) -> asyncio.Future[dict[str, Any]]:
        """Write one request now; the future resolves to the whole response message. Without `era_meta`
        the request carries no 2026-07-28 `_meta` (a 2025-era client after its `initialize`)."""
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": self._params(params, era_meta)})
        return future

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Write one notification (no answer expected)."""
        self._write({"jsonrpc": "2.0", "method": method, **({"params": params} if params else {})})

    def _write(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")

    @staticmethod
    def _params(params: dict[str, Any] | None, era_meta: bool) -> dict[str, Any]:
        if not era_meta:
            return dict(params or {})
        return {**(params or {}), "_meta": {**REQUEST_META, **(params or {}).get("_meta", {})}}

    async def handshake(self) -> dict[str, Any]:
        """The 2025-11-25 opening every 2025-era host makes: `initialize`, then `notifications/initialized`."""
        reply = await self.send("initialize", HANDSHAKE_PARAMS, era_meta=False)
        if "error" in reply:
            raise RPCError(f"initialize: {reply['error']}")
        self.notify("notifications/initialized")
        return reply["result"]

    async def request(
        self, method: str, params: dict[str, Any] | None = None, *, era_meta: bool = True
    ) -> dict[str, Any]:
        message = await self.send(method, params, era_meta=era_meta)
        if "error" in message:
            raise RPCError(f"{method}: {message['error']}")
        return message["result"]

    async def call_tool(self, name: str, arguments: dict[str, Any], *, progress: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = {"name": name, "arguments": arguments}
        if progress:
            params["_meta"] = {"progressToken": f"p{next(self._ids)}"}
        result = await self.request("tools/call", params)
        if result.get("isError"):
            raise RPCError(f"{name} failed: {json.dumps(result.get('structuredContent') or result)[:500]}")
        return result

    async def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        await await_exit(self.proc)
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def stdio_server(
    base_url: str, command: tuple[str, ...] = ("-m", "sync_mcp"), **env: str
) -> AsyncIterator[StdioServer]:
    with tempfile.TemporaryDirectory(prefix="sync-mcp-bench-") as cwd:
        server = await StdioServer.spawn(
            base_env(SYNC_API_KEY=BENCH_KEY, SYNC_BASE_URL=base_url, **env), cwd=cwd, command=command
        )
        try:
            yield server
        finally:
            await server.close()


async def await_exit(proc: asyncio.subprocess.Process, grace: float = 10) -> None:
    """Wait for a process asked to stop; kill it if it has not ended within `grace` seconds."""
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()


async def time_to_line(
    argv: list[str], *, env: dict[str, str], cwd: str, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Seconds from spawning `python *argv` to the first line it prints: the clock stops on that line, so
    whatever the process does after it (interpreter shutdown, a sleep) is not counted. The process is then
    let run to its end (its stdin closed) before returning, so runs never overlap."""
    started = clock()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, cwd=cwd
    )
    assert proc.stdout is not None and proc.stdin is not None
    line = await proc.stdout.readline()
    stopped = clock()
    proc.stdin.close()
    await proc.stdout.read()
    await await_exit(proc)
    if not line:
        raise RuntimeError(f"{argv} ended without printing a line (exit {proc.returncode})")
    return stopped - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


GENERATION = {
    "model": "lipsync-2",
    "input": [
        {"type": "video", "url": "https://media.example.com/talk.mp4"},
        {"type": "audio", "url": "https://media.example.com/voice.wav"},
    ],
}
"""A create body (`POST /v2/generate`) the sandbox accepts, for the benchmarks that need some generation."""


async def create_generation(http: httpx.AsyncClient) -> str:
    """One generation created through `http` (a client of the sandbox, `SandboxProcess.http`); its id."""
    reply = await http.post("/v2/generate", json=GENERATION)
    reply.raise_for_status()
    return str(reply.json()["id"])


class SandboxProcess:
    """The sandbox API in its own process (`bench/sandbox_proc.py`), so its CPU and memory stay apart."""

    def __init__(self, proc: asyncio.subprocess.Process, base_url: str) -> None:
        self.proc = proc
        self.base_url = base_url
        self.api_key = BENCH_KEY

    def http(self, **options: Any) -> httpx.AsyncClient:
        """A plain httpx client of this sandbox's API that sends its key (`options`: httpx's, e.g. timeout)."""
        return httpx.AsyncClient(base_url=self.base_url, headers={"x-api-key": self.api_key}, **options)

    @classmethod
    async def start(cls, **config: Any) -> SandboxProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.sandbox_proc",
            json.dumps({"api_key": BENCH_KEY, **config}),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO_ROOT,
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        if not line:
            raise RuntimeError("the sandbox process did not start")
        return cls(proc, line.decode().strip())

    async def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        await await_exit(self.proc)


@contextlib.asynccontextmanager
async def sandbox_process(**config: Any) -> AsyncIterator[SandboxProcess]:
    sandbox = await SandboxProcess.start(**config)
    try:
        yield sandbox
    finally:
        await sandbox.stop()


# ----------------------------------------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (its own threads, not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) in KiB."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux `clear_refs` 5); False where not permitted."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RSSSampler:
    """Samples VmRSS of a process every `interval` seconds while running (a backstop to VmHWM)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(OSError):
                self.peak_kib = max(self.peak_kib, memory_kib(self.pid).get("VmRSS", 0))
            await asyncio.sleep(self.interval)

    def __enter__(self) -> RSSSampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
