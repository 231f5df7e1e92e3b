"""Shared fixtures: one sandbox Sync API on loopback for the session, MCP clients on both protocol eras, and the
settings and sandbox keys a test of one HTTP deployment with several users needs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from sync_mcp.api.catalog import load_bundled_catalog
from sync_mcp.config import Settings
from sync_mcp.sandbox import SandboxConfig, SandboxServer
from sync_mcp.server import build_server
from sync_mcp.toolkit.results import ERROR_META_KEY

from .fake_api import FakeApi, fake_api
from .http_support import TOKEN
from .secret_scan import scanning


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


# A recognisable key: the secret scan asserts it never shows up in results or logs.
TEST_KEY = "sk-test-SYNCMCP-canary-7f3a9c2e41d8"
OTHER_KEY = "sk-test-SYNCMCP-second-user-92b7d04e"
"""A second user's key, accepted by the sandbox in tests that take the `two_keys` fixture."""
MODES = ["auto", "legacy"]  # 2026-07-28 (stateless) and the 2025-11-25 handshake today's hosts use


@pytest.fixture(autouse=True)
def secret_scan() -> Iterator[None]:
    """Every test: TEST_KEY must appear in no MCP result and no log line (see secret_scan.py)."""
    with scanning(TEST_KEY):
        yield


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(api_key=TEST_KEY, pending_seconds=0.2, processing_seconds=0.6)
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def api(sandbox: SandboxServer) -> SandboxServer:
    """The sandbox, reset for this test (no generations, empty request log, no scripted failures)."""
    sandbox.state.reset()
    return sandbox


@contextmanager
def configured(api: SandboxServer, **values: Any) -> Iterator[SandboxServer]:
    """The sandbox with these config values for the block (e.g. `processing_seconds=3600`), restored after."""
    before = {name: getattr(api.config, name) for name in values}
    for name, value in values.items():
        setattr(api.config, name, value)
    try:
        yield api
    finally:
        for name, value in before.items():
            setattr(api.config, name, value)


@pytest.fixture
def two_keys(api: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox accepts OTHER_KEY as well as TEST_KEY for this test."""
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))


@pytest.fixture
async def fake(api: SandboxServer) -> AsyncIterator[FakeApi]:
    """A stand-in API in front of the sandbox (tests/fake_api.py), for faults the sandbox does not make."""
    async with fake_api(api.base_url) as f:
        yield f


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where a test's server saves its outputs (not created: the server makes it)."""
    return tmp_path / "outputs"


@pytest.fixture
def output_size(api: SandboxServer) -> Iterator[Callable[[int], None]]:
    """Set the sandbox's output size for this test; restored afterwards."""
    before = api.state.config.output_size_bytes

    def set_size(n: int) -> None:
        api.state.config.output_size_bytes = n

    yield set_size
    api.state.config.output_size_bytes = before


def make_settings(sandbox: SandboxServer, **overrides: Any) -> Settings:
    """Settings for a server against `sandbox`, offering every toolset (tests of the default surface say so)."""
    values: dict[str, Any] = {
        "SYNC_API_KEY": TEST_KEY,
        "SYNC_BASE_URL": sandbox.base_url,
        "SYNC_MCP_TOOLSETS": "all",
        **overrides,
    }
    return Settings(**values)


def deployment(api: SandboxServer, tmp_path: Path, **env: str) -> Settings:
    """One HTTP deployment without a key of its own: every user sends theirs."""
    folders = {"SYNC_MCP_ALLOWED_DIRS": str(tmp_path / "media"), "SYNC_MCP_OUTPUT_DIR": str(tmp_path / "outputs")}
    return make_settings(api, **{"SYNC_API_KEY": "", "SYNC_MCP_HTTP_TOKEN": TOKEN, **folders, **env})


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def client(api: SandboxServer, mode: str) -> AsyncIterator[Client]:
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        yield c


def sent(api: SandboxServer, path_prefix: str = "/v2/") -> list[Any]:
    """Requests the sandbox received under a path prefix (the catalog fetch excluded)."""
    return [r for r in api.state.requests if r.path.startswith(path_prefix) and r.path != "/v2/errors"]


VIDEO = "https://media.example.com/in/speaker.mp4"
AUDIO = "https://media.example.com/in/line.wav"
BASIC = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}]}
"""A face video, a voice track, and the smallest create body made of them: the media every test can name."""

CATALOG = {e.code: e for e in load_bundled_catalog()}
"""The bundled error catalog by code: what a `fix` must say for a given errorCode."""


def data(result: CallToolResult) -> dict[str, Any]:
    """A tool result's object as a client reads it: the structured content of a success, the error object of
    an error (its first, JSON text, content block: error results carry no structured content)."""
    if result.is_error:
        return error(result)
    assert result.structured_content is not None, result.content
    return dict(result.structured_content)


def error(result: CallToolResult) -> dict[str, Any]:
    """The `{errorCode, ..., fix}` object of a result that must be an error: the JSON of its first text block,
    the same object as `_meta["so.sync/error"]`, and no structured content (hosts would check it against the
    tool's output schema)."""
    assert result.is_error, result.content
    assert result.structured_content is None, result.structured_content
    first = result.content[0]
    assert isinstance(first, TextContent), result.content
    parsed = json.loads(first.text)
    assert isinstance(parsed, dict), first.text
    assert (result.meta or {}).get(ERROR_META_KEY) == parsed, result.meta
    return parsed


async def new_project(client: Client, name: str = "tests") -> str:
    """A project the sandbox knows: creates and asset registrations refuse unknown projectIds (422)."""
    return str(data(await client.call_tool("create_project", {"name": name}))["id"])
