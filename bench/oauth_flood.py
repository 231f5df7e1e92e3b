"""OAuth's open doors under a flood: server memory after 20,000 registrations and 20,000 `/authorize` calls from
one address, against a budget.

The server is `python -m sync_mcp --transport http` with `SYNC_MCP_AUTH=oauth` (state in memory), on loopback; the
flood comes from 127.0.0.2 as pipelined raw HTTP/1.1, as a script would send it. The figure is the growth of the
server's resident memory from after a warm-up (a few registrations and sign-in starts from another address, so
the code paths are loaded) to after the flood. Before the limits, each registration and each sign-in start was
kept (up to 10,000 of each, whatever their size): the same flood of small records grew the server by 19 MB.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
import time

import httpx

from .harness import Figure, Result, median
from .processes import REPO_ROOT, await_exit, base_env, free_port, memory_kib

FLOOD = 20_000
BUDGET_MB = 5.0
ATTACKER = "127.0.0.2"
REDIRECT = "http://127.0.0.1:33418/callback"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
SECRET = "bench-oauth-secret-5d8e2a9c41f07b3e6a"


async def _start(cwd: str) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = base_env(
        SYNC_API_KEY="", SYNC_BASE_URL="http://127.0.0.1:9", SYNC_MCP_AUTH="oauth", SYNC_MCP_PUBLIC_URL=base,
        SYNC_MCP_SECRET_KEY=SECRET, SYNC_MCP_LOG_LEVEL="WARNING", PYTHONPATH=f"{REPO_ROOT}/src",
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sync_mcp", "--transport", "http", "--port", str(port),
        env=environment, cwd=cwd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    async with httpx.AsyncClient() as http:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                await http.get(f"{base}/.well-known/oauth-authorization-server", timeout=1)
                return proc, base
            if proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.1)


def _requests(base: str, client_id: str) -> tuple[bytes, bytes]:
    host = base.removeprefix("http://")
    body = json.dumps({"redirect_uris": [REDIRECT], "client_name": "flood " + "x" * 90})
    register = (
        f"POST /register HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    )
    query = httpx.QueryParams(
        response_type="code", client_id=client_id, redirect_uri=REDIRECT, code_challenge=CHALLENGE,
        code_challenge_method="S256", state="s" * 500,
    )  # fmt: skip
    authorize = f"GET /authorize?{query} HTTP/1.1\r\nHost: {host}\r\n\r\n"
    return register.encode(), authorize.encode()


async def _pipelined(base: str, request: bytes, count: int, local: str) -> None:
    """Send `request` `count` times on one connection from `local`, 500 at a time, reading every reply."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port), local_addr=(local, 0))
    try:
        for start in range(0, count, 500):
            batch = min(500, count - start)
            writer.write(request * batch)
            await writer.drain()
            for _ in range(batch):
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
    finally:
        writer.close()


async def one_run() -> float:
    with tempfile.TemporaryDirectory(prefix="sync-mcp-bench-") as cwd:
        proc, base = await _start(cwd)
        try:
            async with httpx.AsyncClient() as http:
                reply = await http.post(f"{base}/register", json={"redirect_uris": [REDIRECT]})
                client_id = reply.json()["client_id"]
            register, authorize = _requests(base, client_id)
            await _pipelined(base, register, 10, "127.0.0.1")  # warm-up from the users' address
            await _pipelined(base, authorize, 10, "127.0.0.1")
            before = memory_kib(proc.pid)["VmRSS"]
            await asyncio.gather(
                _pipelined(base, register, FLOOD, ATTACKER), _pipelined(base, authorize, FLOOD, ATTACKER)
            )
            after = memory_kib(proc.pid)["VmRSS"]
        finally:
            proc.terminate()
            await await_exit(proc)
    return (after - before) / 1024


async def run(runs: int) -> Result:
    result = Result("oauth flood: 20,000 registrations and 20,000 sign-in starts from one address", runs)
    growth = median([await one_run() for _ in range(runs)])
    result.figures.append(
        Figure(
            "server RSS growth over the flood",
            BUDGET_MB,
            growth,
            "MB",
            f"<= {BUDGET_MB:g} MB",
            growth <= BUDGET_MB,
            baseline_label="budget",
        )
    )
    result.notes.append("each registration ~250 B of metadata; each sign-in start carries a 500-character state")
    return result
