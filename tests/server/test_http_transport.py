"""Streamable HTTP on loopback (uvicorn in-process): bearer token, Host/Origin checks, per-request API keys."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.types import CallToolResult

from sync_mcp.cli import build_parser, main
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.http import key_fingerprint
from sync_mcp.server.http import HttpConfigError, build_http_app

from ..conftest import OTHER_KEY, TEST_KEY, error, make_settings, sent
from ..http_support import MCP_HEADERS, TOKEN, TOOLS_LIST, http_client, http_server

pytestmark = pytest.mark.anyio

VIDEO = {"type": "video", "url": "https://media.example.com/talk.mp4"}
AUDIO = {"type": "audio", "url": "https://media.example.com/voice.wav"}


def _text(result: CallToolResult) -> str:
    return json.dumps(result.structured_content) + "".join(getattr(c, "text", "") for c in result.content)


async def test_tools_and_a_followed_job_over_http(api: SandboxServer, mode: str) -> None:
    progress: list[str] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    async with http_server(make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN)) as srv:
        async with http_client(srv.mcp_url, mode=mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            created = await client.call_tool("create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO]})
            done = await client.call_tool(
                "get_generation",
                {"id": created.structured_content["id"], "wait": True, "timeout": 30},
                progress_callback=on_progress,
            )
    assert {"create_generation", "get_generation"} <= names
    assert not created.is_error and not done.is_error
    assert done.structured_content["status"] == "COMPLETED"
    assert progress and progress[-1].startswith("COMPLETED")


async def test_requests_without_the_bearer_token_are_refused(api: SandboxServer) -> None:
    async with http_server(make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN)) as srv:
        async with httpx.AsyncClient() as http:
            missing = await http.post(srv.mcp_url, json=TOOLS_LIST, headers=MCP_HEADERS)
            wrong = await http.post(
                srv.mcp_url, json=TOOLS_LIST, headers={**MCP_HEADERS, "Authorization": "Bearer not-the-token"}
            )
            right = await http.post(
                srv.mcp_url, json=TOOLS_LIST, headers={**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"}
            )
        with pytest.raises(Exception):  # noqa: B017 - the SDK client surfaces a 401 as an exception group
            async with http_client(srv.mcp_url, mode="auto", token=None) as client:
                await client.list_tools()
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert sent(api) == []


async def test_foreign_origin_and_host_are_refused(api: SandboxServer) -> None:
    async with http_server(make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN)) as srv:
        auth = {**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"}
        port = srv.base_url.rsplit(":", 1)[1]
        async with httpx.AsyncClient() as http:
            evil_origin = await http.post(
                srv.mcp_url, json=TOOLS_LIST, headers={**auth, "Origin": "http://evil.example"}
            )
            evil_host = await http.post(srv.mcp_url, json=TOOLS_LIST, headers={**auth, "Host": "evil.example"})
            local_origin = await http.post(
                srv.mcp_url, json=TOOLS_LIST, headers={**auth, "Origin": f"http://localhost:{port}"}
            )
    assert evil_origin.status_code == 403
    assert evil_host.status_code == 421
    assert local_origin.status_code == 200


async def test_each_user_is_served_with_their_own_key(
    api: SandboxServer, mode: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    settings = make_settings(api, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_LOG_LEVEL="DEBUG")
    results: dict[str, list[CallToolResult]] = {TEST_KEY: [], OTHER_KEY: []}

    async def user(url: str, key: str, name: str) -> None:
        async with http_client(url, mode=mode, api_key=key) as client:
            for _ in range(2):
                created = await client.call_tool(
                    "create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO], "outputFileName": name}
                )
                done = await client.call_tool(
                    "get_generation", {"id": created.structured_content["id"], "wait": True, "timeout": 30}
                )
                results[key] += [created, done]

    async with http_server(settings) as srv:
        async with anyio.create_task_group() as tg:  # both users at once, over one deployment
            tg.start_soon(user, srv.mcp_url, TEST_KEY, "user_a")
            tg.start_soon(user, srv.mcp_url, OTHER_KEY, "user_b")

    owner = {}
    for key, items in results.items():
        assert all(not r.is_error for r in items)
        assert {r.structured_content["status"] for r in items[1::2]} == {"COMPLETED"}
        owner.update({r.structured_content["id"]: key_fingerprint(key) for r in items})
    calls = sent(api)
    assert len(calls) >= 8
    for call in calls:
        if call.method == "POST":
            expected = key_fingerprint({"user_a": TEST_KEY, "user_b": OTHER_KEY}[call.body["outputFileName"]])
        else:
            expected = owner[call.path.rsplit("/", 1)[1]]
        assert call.key_fingerprint == expected, call.path
    everything = caplog.text + "".join(_text(r) for items in results.values() for r in items)
    assert TEST_KEY not in everything and OTHER_KEY not in everything
    # A key that arrived in a header is registered for redaction: any log line carrying it is scrubbed.
    logging.getLogger("sync_mcp.test").warning("echo of %s", OTHER_KEY)
    assert OTHER_KEY not in caplog.text and "echo of [REDACTED]" in caplog.text


async def test_a_request_without_any_key_gets_the_missing_key_error(api: SandboxServer, mode: str) -> None:
    async with http_server(make_settings(api, SYNC_API_KEY="")) as srv:
        async with http_client(srv.mcp_url, mode=mode, token=None) as client:
            result = await client.call_tool("create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO]})
    assert result.is_error
    assert error(result)["errorCode"] == "missing_api_key"
    assert "X-Sync-Api-Key" in error(result)["fix"]
    assert sent(api) == []


async def test_the_deployment_key_is_the_fallback(api: SandboxServer, mode: str) -> None:
    async with http_server(make_settings(api)) as srv:  # loopback without a token: allowed
        async with http_client(srv.mcp_url, mode=mode, token=None) as client:
            result = await client.call_tool("create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO]})
    assert not result.is_error
    assert [c.key_fingerprint for c in sent(api)] == [key_fingerprint(TEST_KEY)]


def test_binding_beyond_loopback_needs_a_token_and_a_host_list(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(HttpConfigError, match="SYNC_MCP_HTTP_TOKEN"):
        build_http_app(make_settings(api), host="0.0.0.0")
    with pytest.raises(HttpConfigError, match="SYNC_MCP_ALLOWED_HOSTS"):
        build_http_app(make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN), host="0.0.0.0")
    _, app = build_http_app(
        make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_ALLOWED_HOSTS="mcp.example.com"), host="0.0.0.0"
    )
    assert app is not None

    monkeypatch.delenv("SYNC_MCP_HTTP_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file with a token in the way
    with pytest.raises(SystemExit) as exited:
        main(["--transport", "http", "--host", "0.0.0.0", "--port", "0"])
    assert "SYNC_MCP_HTTP_TOKEN" in str(exited.value.code)


def test_help_lists_the_http_transport() -> None:
    text = build_parser().format_help()
    assert "--transport {stdio,http}" in text and "--host" in text and "--port" in text
    assert "X-Sync-Api-Key" in text
    serve_args: Any = build_parser().parse_args(["serve", "--transport", "http", "--port", "9123"])
    assert (serve_args.transport, serve_args.host, serve_args.port) == ("http", "127.0.0.1", 9123)
