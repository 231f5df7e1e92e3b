"""Running it as a service: the health probes a balancer uses, and a clean shutdown on SIGTERM.

What an operator would notice: `/healthz` and `/readyz` answer without a token and say nothing but a status;
`/readyz` turns 503 while Redis is down (and back to 200 when it returns) and once a shutdown began; a SIGTERM
during a long wait gives the caller the generation's id and status (never a cut connection) and the process
exits 0.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp.types import CallToolResult
from prometheus_client.parser import text_string_to_metric_families

from sync_mcp.sandbox import SandboxConfig, SandboxServer
from sync_mcp.services.concurrent_waits import DRAIN

from ..conftest import AUDIO, TEST_KEY, VIDEO, data, make_settings
from ..http_support import TOKEN, http_client, http_server
from ..project.test_cli import RawSession, _env
from ..redis_support import RedisProcess, free_port, redis_server, shared

__all__ = ["redis_server"]  # fixture

pytestmark = pytest.mark.anyio

GRACE_SECONDS = 8


async def probe(base_url: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.get(base_url + path)


async def test_probes_answer_status_only_and_without_a_token(api: SandboxServer) -> None:
    async with http_server(make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN)) as srv:
        health = await probe(srv.base_url, "/healthz")
        ready = await probe(srv.base_url, "/readyz")
        refused = await probe(srv.base_url, "/mcp")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert refused.status_code == 401  # the token still guards MCP itself


async def test_readyz_is_503_while_redis_is_down_and_200_when_it_is_back(
    api: SandboxServer, redis_server: RedisProcess
) -> None:
    async with http_server(make_settings(api, SYNC_MCP_METRICS="1", **shared(redis_server))) as srv:
        before = await probe(srv.base_url, "/readyz")
        redis_server.stop()
        during = await probe(srv.base_url, "/readyz")
        alive = await probe(srv.base_url, "/healthz")
        redis_server.start()
        after = await probe(srv.base_url, "/readyz")
        metrics = (await probe(srv.base_url, "/metrics")).text
    assert before.status_code == 200
    assert (during.status_code, during.json()) == (503, {"status": "unavailable"})
    assert alive.status_code == 200  # the process is fine: no restart, just no traffic
    assert (after.status_code, after.json()) == (200, {"status": "ready"})
    [errors] = [f for f in text_string_to_metric_families(metrics) if f.name == "sync_redis_errors"]
    assert next(s.value for s in errors.samples if s.name == "sync_redis_errors_total") >= 1  # for the alert


async def test_readyz_is_503_once_the_shutdown_began(api: SandboxServer) -> None:
    async with http_server(make_settings(api)) as srv:
        try:
            DRAIN.begin(GRACE_SECONDS)
            draining = await probe(srv.base_url, "/readyz")
        finally:
            DRAIN.reset()
        ready = await probe(srv.base_url, "/readyz")
    assert (draining.status_code, draining.json()) == (503, {"status": "draining"})
    assert ready.status_code == 200


@pytest.fixture
def slow_api() -> Iterator[SandboxServer]:
    """A sandbox whose jobs stay PROCESSING far longer than any test waits."""
    with SandboxServer(SandboxConfig(api_key=TEST_KEY, pending_seconds=0.2, processing_seconds=600)) as server:
        yield server


def start_server(api: SandboxServer, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SYNC_API_KEY": TEST_KEY,
        "SYNC_BASE_URL": api.base_url,
        "SYNC_MCP_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
        "SYNC_MCP_REDIS_URL": "",
    }
    command = [sys.executable, "-m", "sync_mcp", "serve", "--transport", "http", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


async def until_healthy(base_url: str, proc: subprocess.Popen[str]) -> None:
    with anyio.fail_after(60):
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                if (await probe(base_url, "/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await anyio.sleep(0.1)


async def test_sigterm_during_a_wait_returns_the_id_and_status_and_exits_0(slow_api: SandboxServer, mode: str) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = start_server(slow_api, port)
    try:
        await until_healthy(base_url, proc)
        waiting = anyio.Event()

        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            if message and message.startswith("PROCESSING"):
                waiting.set()

        results: list[CallToolResult] = []
        async with http_client(f"{base_url}/mcp", mode=mode, token=None) as client, anyio.create_task_group() as tg:

            async def call() -> None:
                args = {"video": VIDEO, "audio": AUDIO, "timeout": 20}
                results.append(await client.call_tool("lipsync", args, progress_callback=on_progress))

            await client.list_tools()  # the client checks results against the tools' schemas: known before the exit
            tg.start_soon(call)
            with anyio.fail_after(30):
                await waiting.wait()
            proc.send_signal(signal.SIGTERM)
        exit_code = proc.wait(timeout=GRACE_SECONDS + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
        stderr = proc.communicate()[1]
    assert exit_code == 0, stderr
    result = data(results[0])
    assert result["status"] == "PROCESSING"
    assert result["waitTimedOut"] is True
    assert f"get_generation with id={result['id']}" in result["nextStep"]
    assert list(slow_api.state.generations) == [result["id"]]


def reply_to(session: RawSession, request_id: int) -> dict[str, Any]:
    """The reply to `request_id` among the lines the server writes next (notifications are kept in `lines`)."""
    while True:
        line = session._queue.get(timeout=GRACE_SECONDS + 30)
        session.lines.append(line)
        message = json.loads(line)
        if message.get("id") == request_id and "method" not in message:
            return dict(message)


def test_sigterm_over_stdio_answers_the_wait_with_the_id_and_status_and_exits_0(slow_api: SandboxServer) -> None:
    session = RawSession([], _env(slow_api, SYNC_MCP_SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS)))
    try:
        hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}
        session.request(1, "initialize", hello)
        session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        arguments = {"video": VIDEO, "audio": AUDIO, "timeout": 20}
        session.send(
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "lipsync", "arguments": arguments}}
        )
        session.request(3, "ping")  # handled after the call began: the call is in flight now
        session.proc.send_signal(signal.SIGTERM)
        answer = reply_to(session, 2)
        exit_code = session.proc.wait(timeout=GRACE_SECONDS + 30)
    finally:
        stderr = session.close()
    assert exit_code == 0, stderr
    result = answer["result"]["structuredContent"]
    assert result["status"] in ("PENDING", "PROCESSING")
    assert result["waitTimedOut"] is True
    assert f"get_generation with id={result['id']}" in result["nextStep"]
