"""The API key stays secret: not in results, logs (ours or third-party), exception texts or reprs; and
URLs the agent passes are http(s) only, with credentials refused before anything is sent, never echoed.

The whole suite runs under the secret scan (conftest.py `secret_scan`, tests/secret_scan.py); these tests
prove that the scan really catches a leak, and push the key at the places it could escape through.
"""

from __future__ import annotations

import json
import logging

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from sync_mcp.api import SyncAPIError
from sync_mcp.config import Settings
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.telemetry import REDACTED, redactor

from ..conftest import AUDIO, BASIC, TEST_KEY, error, make_settings, sent
from ..secret_scan import SCAN, find_leaks

pytestmark = pytest.mark.anyio


def test_the_scan_catches_a_leak_in_a_log_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """With redaction switched off on purpose, a throwaway logger's line carrying the key is caught."""
    monkeypatch.setattr(redactor, "_secrets", set())
    monkeypatch.setattr(redactor, "_per_request", type(redactor._per_request)())
    throwaway = logging.getLogger("tests.throwaway.leak")
    throwaway.warning("deliberate leak: x-api-key=%s", TEST_KEY)
    leaks = find_leaks(TEST_KEY, SCAN.everything())
    assert leaks and "deliberate leak" in leaks[0] and TEST_KEY not in leaks[0]
    SCAN.clear()  # the leak was planted by this test; the suite-wide check must not fail on it


def test_the_scan_catches_a_leak_in_a_result() -> None:
    leaked = CallToolResult(content=[TextContent(type="text", text=f"your key is {TEST_KEY}")])
    clean = CallToolResult(content=[TextContent(type="text", text="nothing to see")])
    assert find_leaks(TEST_KEY, [leaked.model_dump_json()])
    assert not find_leaks(TEST_KEY, [clean.model_dump_json()])


def test_third_party_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    """The key is scrubbed where records are made: every handler, even one added later, sees it redacted."""
    build_server(make_settings_without_sandbox())
    caplog.set_level(logging.INFO)
    other = logging.getLogger("some.third.party")
    other.warning("sending header x-api-key: %s", TEST_KEY)
    other.info({"headers": {"x-api-key": TEST_KEY}})
    try:
        raise RuntimeError(f"upstream refused key {TEST_KEY}")
    except RuntimeError:
        other.exception("request failed")
    assert TEST_KEY not in caplog.text
    assert caplog.text.count(REDACTED) >= 3
    assert not find_leaks(TEST_KEY, SCAN.everything())
    assert any(REDACTED in line for line in SCAN.collector.lines)


def make_settings_without_sandbox() -> Settings:
    return Settings(SYNC_API_KEY=TEST_KEY, SYNC_BASE_URL="http://127.0.0.1:9")  # never contacted


async def test_an_api_reply_echoing_the_key_is_blanked(api: SandboxServer, mode: str) -> None:
    """Should the API put the key into an error body, it does not travel on into the agent's result."""
    echo = f"x-api-key {TEST_KEY} is not allowed here"
    api.state.script_fault(status=400, message=echo, method="POST", path="/v2/generate")
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        result = await c.call_tool("create_generation", BASIC)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert TEST_KEY not in text and REDACTED in text
    assert len(sent(api, "/v2/generate")) == 1


async def test_a_whole_session_shows_the_key_nowhere(
    api: SandboxServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A create, a wait to the end, a refused input, an API error and a failed job: the key appears in no
    result and no log line (the autouse scan checks; this test makes sure there is plenty to scan)."""
    caplog.set_level(logging.DEBUG)  # every record of the session is made, and scanned
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        created = await c.call_tool("create_generation", BASIC)
        gid = created.structured_content["id"]  # type: ignore[index]
        done = await c.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 30})
        refused = await c.call_tool("create_generation", {"model": "lipsync-2", "input": []})
        missing = await c.call_tool("get_generation", {"id": "00000000-0000-4000-8000-000000000000"})
        api.state.script_generation_failure("generation_input_audio_invalid")
        failed = await c.call_tool("create_generation", {**BASIC, "outputFileName": "take_2"})
        tools = await c.list_tools()
    assert not created.is_error and done.structured_content["status"] == "COMPLETED"  # type: ignore[index]
    assert refused.is_error and missing.is_error and not failed.is_error and tools.tools
    assert len(SCAN.results) >= 6 and SCAN.collector.lines, "the scan saw the session"
    assert not find_leaks(TEST_KEY, SCAN.everything())


def test_the_key_is_in_no_repr_or_exception_text() -> None:
    settings = make_settings_without_sandbox()
    server = build_server(settings)
    assert TEST_KEY not in repr(settings) and TEST_KEY not in str(settings)
    assert TEST_KEY not in repr(server)
    err = SyncAPIError(http_status=401, error_code=None, message="Unauthorized")
    assert TEST_KEY not in str(err) and TEST_KEY not in repr(err)


CREDENTIALED = "https://editor:s3cr3t-pass@media.example.com/in/speaker.mp4"
URL_CASES = [
    ("create_generation", {**BASIC, "input": [{"type": "video", "url": "{url}"}, {"type": "audio", "url": AUDIO}]}),
    ("create_generation", {**BASIC, "webhookUrl": "{url}"}),
    ("lipsync", {"video": "{url}", "audio": AUDIO, "wait": False}),
    ("register_asset", {"url": "{url}", "type": "video"}),
    ("clone_voice", {"name": "narrator", "url": "{url}"}),
]


def with_url(arguments: dict[str, object], url: str) -> dict[str, object]:
    return json.loads(json.dumps(arguments).replace("{url}", url))


@pytest.mark.parametrize("url", [CREDENTIALED, "file:///etc/passwd", "ftp://media.example.com/a.mp4"])
@pytest.mark.parametrize(("tool", "arguments"), URL_CASES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(URL_CASES)])
async def test_urls_are_http_only_and_credentials_never_echoed(
    api: SandboxServer, mode: str, tool: str, arguments: dict[str, object], url: str
) -> None:
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        result = await c.call_tool(tool, with_url(arguments, url))
    assert result.is_error, result.content
    err = error(result)
    assert err["httpStatus"] is None and err.get("field"), err
    assert sent(api) == [], "refused before anything was sent"
    assert "s3cr3t-pass" not in result.model_dump_json()


def test_building_a_server_leaves_logging_alone_but_redacts_its_key(
    api: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    other = "sk-built-not-configured-0123456789"
    build_server(make_settings(api, SYNC_API_KEY=other))
    assert (list(root.handlers), root.level) == before, "build_server configured logging"
    with caplog.at_level(logging.INFO):
        logging.getLogger("sync_mcp.test").info("a line holding %s", other)
    assert other not in caplog.text and "[REDACTED]" in caplog.text
