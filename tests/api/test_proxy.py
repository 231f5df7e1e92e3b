"""Behind a proxy: the server sends its requests (to the API and to storage) through the proxy the environment
names (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`), except to the hosts `NO_PROXY` lists, as the README tells users
behind a company proxy to set up."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from sync_mcp.api.transport import proxy_for
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.services.media_sources import DIRECT_MAX_BYTES

from ..conftest import AUDIO, TEST_KEY, VIDEO, data, error, make_settings, sent
from ..proxy_support import ForwardProxy, forward_proxy

pytestmark = pytest.mark.anyio

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No proxy setting of the machine running the tests leaks into these."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    yield


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    async with forward_proxy() as p:
        yield p


async def lipsync_a_local_video(api: SandboxServer, tmp_path: Path) -> dict[str, object]:
    """lipsync with a local video (uploaded to storage first: too large to travel with the create)."""
    (tmp_path / "clip.mp4").write_bytes(b"\0\0\0\x18ftypisom" + os.urandom(DIRECT_MAX_BYTES))
    settings = make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path))
    async with Client(build_server(settings)) as client:  # type: ignore[arg-type]
        result = await client.call_tool("lipsync", {"video": "clip.mp4", "audio": AUDIO, "timeout": 30})
    out = data(result)
    assert not result.is_error, out
    return out


async def test_api_and_storage_requests_go_through_the_proxy(
    api: SandboxServer, proxy: ForwardProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    out = await lipsync_a_local_video(api, tmp_path)
    assert out["status"] == "COMPLETED"
    assert "/v2/generate" in proxy.paths("POST"), "the create went through the proxy"
    assert [p for p in proxy.paths("PUT") if p.startswith("/uploads/")], "so did the upload to storage"
    create = next(r for r in proxy.seen if r.method == "POST" and r.url.endswith("/v2/generate"))
    assert create.headers["x-api-key"] == TEST_KEY, "the API still got the key (the proxy forwards it)"
    assert create.url.startswith(api.base_url), "the proxy was asked for the API's own URL"
    assert len(sent(api, "/v2/generate")) >= 2, "the sandbox answered the create and the polls"


async def test_hosts_in_no_proxy_are_reached_directly(
    api: SandboxServer, proxy: ForwardProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    out = await lipsync_a_local_video(api, tmp_path)
    assert out["status"] == "COMPLETED"
    assert proxy.seen == []


async def test_a_proxy_given_as_host_and_port_is_an_http_proxy(
    api: SandboxServer, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url.removeprefix("http://"))
    async with Client(build_server(make_settings(api))) as client:  # type: ignore[arg-type]
        result = await client.call_tool("lipsync", {"video": VIDEO, "audio": AUDIO, "wait": False})
    assert not result.is_error, data(result)
    assert proxy.paths("POST") == ["/v2/generate"]


async def test_a_proxy_that_cannot_be_used_is_a_network_error_that_says_so(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy of a kind the HTTP client cannot speak (here ftp; SOCKS without the `socksio` package): the error
    names the proxy's kind and the reason (never the proxy URL, which may hold a password); nothing is sent."""
    monkeypatch.setenv("ALL_PROXY", "ftp://user:proxy-password@127.0.0.1:9")
    settings = make_settings(api, SYNC_MCP_MAX_RETRIES=1)
    async with Client(build_server(settings)) as client:  # type: ignore[arg-type]
        result = await client.call_tool("get_generation", {"id": str(uuid.uuid4())})
    err = error(result)
    assert err["errorCode"] == "network_error"
    assert "ftp proxy" in err["message"] and "Unknown scheme" in err["message"], err["message"]
    assert "proxy-password" not in json.dumps(err)
    assert sent(api) == []


def test_https_requests_follow_https_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert proxy_for(httpx.URL("https://api.sync.so/v2/generate")) == "http://proxy.corp.example:3128"
    assert proxy_for(httpx.URL("http://api.sync.so/v2/generate")) is None, "HTTPS_PROXY is for https URLs"
    assert proxy_for(httpx.URL("https://files.internal.example/out.mp4")) is None, "NO_PROXY covers subdomains"
