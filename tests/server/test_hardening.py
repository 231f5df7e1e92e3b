"""Hardening against a misbehaving API and other users of one deployment, through real MCP clients.

- A create whose reply cannot be read is never "nothing was sent": the generation may exist, the error hands
  back the idempotency key, and the call repeated with it answers with that same generation (one job, one charge).
- A reply nested a hundred thousand levels deep is a bounded, structured error, never a crash.
- The API client keeps no cookies: one user's cookie never rides with another user's requests.
- A key echoed by the API is blanked by value, after JSON decoding, in every field and in success bodies too;
  the log redactor keeps the key of a request in flight however many other keys arrive meanwhile.
- Subscriptions (both protocol eras) need the subscriber's own key to read the generation.
- A non-ASCII `X-Sync-Api-Key` is a structured `invalid_api_key_header` error; a stdin line that is not JSON
  gets a JSON-RPC -32700 reply; a weak bearer token beyond loopback stops the server at start-up.

The fake API (tests/fake_api.py) forwards to the sandbox, so idempotency replays are the sandbox's own.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS, CallToolResult
from pydantic import ValidationError

import sync_mcp
from sync_mcp import telemetry
from sync_mcp.cli import main
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.server.http import build_http_app
from sync_mcp.telemetry import REDACTED, redactor
from sync_mcp.toolkit.results import generation_uri

from ..conftest import AUDIO, BASIC, TEST_KEY, VIDEO, data, error, make_settings, sent
from ..fake_api import FakeApi, edited_reply, fake_api, json_reply, raw_reply
from ..http_support import MCP_HEADERS, TOKEN, TOOLS_LIST, http_client, http_server, mcp_http_client
from ..secret_scan import SCAN, decoded, find_leaks

pytestmark = pytest.mark.anyio

OTHER_KEY = "sk-test-SYNCMCP-user-b-4c19e07d2a"
FAST = {"SYNC_MCP_MAX_RETRIES": 2, "SYNC_MCP_RETRY_BASE_DELAY": 0.01, "SYNC_MCP_RETRY_BUDGET": 10}
DEEP = "[" * 100_000 + "]" * 100_000
ESCAPED_KEY = "\\u0073" + TEST_KEY[1:]
"""TEST_KEY as JSON text may spell it: its first letter as a `\\u` escape."""
assert TEST_KEY.startswith("s")


def connect(fake: FakeApi, mode: str = "auto", **env: Any) -> Client:
    settings = make_settings_for(fake, **env)
    return Client(build_server(settings), mode=mode)  # type: ignore[arg-type]


def make_settings_for(fake: FakeApi, **env: Any) -> Any:
    from sync_mcp.config import Settings

    return Settings(**{"SYNC_API_KEY": TEST_KEY, "SYNC_BASE_URL": fake.base_url, **FAST, **env})


def text_of(result: CallToolResult) -> str:
    return result.model_dump_json()


def create_keys(fake: FakeApi) -> list[str | None]:
    return [r.headers.get("idempotency-key") for r in fake.seen if r.method == "POST" and r.path == "/v2/generate"]


# --------------------------------------------------------------------- 2. never "nothing was sent" after a send

UNREADABLE_CREATE_REPLIES = {
    # An unknown status string is read (tolerant reading); a status of the wrong type is not.
    "wrong-shape": edited_reply(lambda g: {**g, "status": 7, "note": "EXPLODED"}),
    "not-json": raw_reply('{"id": "3f2a", "status": "PEND'),
    "nested-100k-deep": raw_reply(DEEP),
}


@pytest.mark.parametrize("reply", UNREADABLE_CREATE_REPLIES)
async def test_a_create_whose_reply_cannot_be_read_may_have_been_created(
    api: SandboxServer, mode: str, reply: str
) -> None:
    async with fake_api(api.base_url) as fake:
        fake.on("POST", "/v2/generate", UNREADABLE_CREATE_REPLIES[reply])
        async with connect(fake, mode) as client:
            first = await client.call_tool("create_generation", BASIC)
            err = error(first)
            key = err["details"]["idempotencyKey"]
            again = await client.call_tool("create_generation", {**BASIC, "idempotencyKey": key})
    assert err["errorCode"] == "invalid_response" and err["httpStatus"] in (200, 201)
    assert "nothing was sent" not in err["message"] and "may have been created" in err["message"]
    assert err["retryable"] is True and key in err["fix"]
    assert 0 < len(err["details"]["reply"]) <= 500
    assert api.state.generation_count() == 1, "the create really happened, once"
    only = api.state.all_generations()[0].id
    if reply == "wrong-shape":
        assert err["generationId"] == only and "EXPLODED" in err["details"]["reply"]
    assert data(again)["id"] == only, "the same key answers with the generation the first call created"
    assert create_keys(fake) == [key, key]


async def test_lipsync_hands_back_the_key_of_a_create_whose_reply_cannot_be_read(api: SandboxServer) -> None:
    async with fake_api(api.base_url) as fake:
        fake.on("POST", "/v2/generate", UNREADABLE_CREATE_REPLIES["wrong-shape"])
        async with connect(fake) as client:
            err = error(await client.call_tool("lipsync", {"video": VIDEO, "audio": AUDIO, "wait": False}))
            key = err["details"]["idempotencyKey"]
            again = await client.call_tool(
                "lipsync", {"video": VIDEO, "audio": AUDIO, "wait": False, "idempotencyKey": key}
            )
    assert "may have been created" in err["message"] and err["retryable"] is True
    assert data(again)["id"] == api.state.all_generations()[0].id and api.state.generation_count() == 1


async def test_bad_arguments_are_still_refused_before_anything_is_sent(api: SandboxServer) -> None:
    async with fake_api(api.base_url) as fake:
        async with connect(fake) as client:
            err = error(await client.call_tool("create_generation", {**BASIC, "model": "lipsync-9"}))
    assert "nothing was sent" in err["message"] and err["httpStatus"] is None
    assert fake.seen == []


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, DEEP), (400, DEEP), (200, json.dumps({"id": "x", "status": "PENDING"})[:-1]), (200, '{"status": 7}')],
    ids=["deep-2xx", "deep-4xx", "truncated", "wrong-shape"],
)
async def test_an_unreadable_reply_to_a_read_is_a_structured_error(
    api: SandboxServer, mode: str, status: int, body: str
) -> None:
    async with fake_api(api.base_url) as fake:
        async with connect(fake, mode) as client:
            gid = data(await client.call_tool("create_generation", BASIC))["id"]
            fake.on("GET", f"/v2/generate/{gid}", raw_reply(body, status), times=10)
            err = error(await client.call_tool("get_generation", {"id": gid}))
            with pytest.raises(MCPError) as caught:
                await client.read_resource(f"sync://generations/{gid}")
    assert err["errorCode"] != "internal_error" and err["httpStatus"] == status
    assert "could not be read" in err["message"] and "nothing was sent" not in err["message"]
    assert caught.value.error.code == INTERNAL_ERROR
    assert caught.value.error.data["httpStatus"] == status


# --------------------------------------------------------------------------------------------- 3. no cookies


async def test_a_cookie_set_for_one_user_reaches_no_other_request(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    async with fake_api(api.base_url) as fake:
        fake.cookie_for = TEST_KEY
        settings = make_settings_for(fake, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN)
        async with http_server(settings) as srv:
            async with http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY) as alice:
                gid = data(await alice.call_tool("create_generation", BASIC))["id"]
                await alice.call_tool("get_generation", {"id": gid})
            async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY) as bob:
                await bob.call_tool("create_generation", BASIC)
                missing = await bob.call_tool("get_generation", {"id": "00000000-0000-4000-8000-000000000000"})
    assert error(missing)["httpStatus"] == 404
    after_cookie = fake.seen[1:]
    assert [r for r in after_cookie if r.key == OTHER_KEY], "bob's requests went out"
    assert fake.requests_to("/v2/errors"), "the catalog was fetched after the cookie was set"
    assert [r for r in after_cookie if r.key == TEST_KEY], "alice's own later request went out"
    assert [r.headers.get("cookie") for r in after_cookie] == [None] * len(after_cookie)


# ---------------------------------------------------------------------------------- 5. scrub by value, everywhere


def escaped_json(body: dict[str, Any]) -> str:
    return json.dumps(body).replace(TEST_KEY, ESCAPED_KEY)


ECHOES = {
    "401-message-escaped": raw_reply(escaped_json({"statusCode": 401, "message": f"Bad key {TEST_KEY}"}), 401),
    "suggestion": json_reply({"errorCode": "x_invalid", "message": "no", "suggestion": f"use {TEST_KEY} here"}, 400),
    "field-escaped": raw_reply(escaped_json({"errorCode": "x_invalid", "message": "no", "field": TEST_KEY}), 400),
    "detail": json_reply(
        {"errorCode": "concurrency_limit_reached", "message": "busy", "upgradeUrl": f"https://sync.so/up?k={TEST_KEY}"},
        429,
    ),
    "text-body-escaped": raw_reply(f"proxy refused key {ESCAPED_KEY}", 418, media_type="text/plain"),
    "2xx-error-escaped": lambda upstream: httpx_to_raw(
        escaped_json({**upstream.json(), "status": "FAILED", "error": f"provider refused {TEST_KEY}"})
    ),
}


def httpx_to_raw(text: str) -> Any:
    return raw_reply(text)(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("echo", ECHOES)
async def test_a_key_echoed_by_the_api_is_blanked_in_every_field(api: SandboxServer, mode: str, echo: str) -> None:
    async with fake_api(api.base_url) as fake:
        async with connect(fake, mode, SYNC_MCP_LOG_LEVEL="DEBUG") as client:
            gid = data(await client.call_tool("create_generation", BASIC))["id"]
            fake.on("GET", f"/v2/generate/{gid}", ECHOES[echo], times=5)
            result = await client.call_tool("get_generation", {"id": gid})
    text = text_of(result)
    assert not find_leaks(TEST_KEY, [text])
    assert REDACTED in decoded(text), "the echo reached the result, blanked"
    assert result.is_error == (echo != "2xx-error-escaped")


def test_the_scan_catches_an_escaped_echo_and_one_in_a_success() -> None:
    """The scan decodes escapes itself: a leak spelt with `\\u` escapes, at any quoting depth, in an error or a
    success result, is found."""
    error_text = json.dumps({"message": f"Sync API replied: {ESCAPED_KEY}"})
    success = CallToolResult(content=[], structured_content={"status": "FAILED", "error": f"refused {ESCAPED_KEY}"})
    assert find_leaks(TEST_KEY, [error_text]) and find_leaks(TEST_KEY, [success.model_dump_json()])
    assert find_leaks(TEST_KEY, [json.dumps(json.dumps(error_text))]), "quoted twice over"
    assert not find_leaks(TEST_KEY, [json.dumps({"message": "\\u0073k-something-else"})])


async def test_with_scrubbing_off_the_scan_catches_a_2xx_echo(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite-wide scan really covers success bodies: with the scrub switched off on purpose, a generation
    whose `error` echoes the key (escaped) is caught in the result."""
    async with fake_api(api.base_url) as fake:
        async with connect(fake) as client:
            gid = data(await client.call_tool("create_generation", BASIC))["id"]
            fake.on("GET", f"/v2/generate/{gid}", ECHOES["2xx-error-escaped"])
            monkeypatch.setattr(redactor, "scrub_value", lambda value, *also: value)
            result = await client.call_tool("get_generation", {"id": gid})
    assert not result.is_error
    assert find_leaks(TEST_KEY, SCAN.everything())
    SCAN.clear()  # the leak was allowed by this test; the suite-wide check must not fail on it


async def test_a_key_in_flight_stays_redacted_however_many_keys_arrive(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """User B's request is in flight (the API holds its reply) while another client sends many more distinct
    keys than the redactor remembers after their requests end; a log line carrying B's key is still redacted."""
    monkeypatch.setattr(telemetry, "MAX_RECENT_SECRETS", 8)  # the memory of ended requests, small to keep this quick
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    caplog.set_level(logging.INFO)
    release = anyio.Event()
    async with fake_api(api.base_url) as fake:
        settings = make_settings_for(fake, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN)
        async with http_server(settings) as srv:
            async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY) as bob:
                gid = data(await bob.call_tool("create_generation", BASIC))["id"]
                held = fake.on("GET", f"/v2/generate/{gid}", hold=release)
                results: list[CallToolResult] = []

                async def bobs_read() -> None:
                    results.append(await bob.call_tool("get_generation", {"id": gid}))

                async with anyio.create_task_group() as tg:
                    tg.start_soon(bobs_read)
                    with anyio.fail_after(20):
                        await held.arrived.wait()
                    async with httpx.AsyncClient(timeout=20) as http:
                        for i in range(40):
                            headers = {
                                **MCP_HEADERS,
                                "Authorization": f"Bearer {TOKEN}",
                                "X-Sync-Api-Key": f"sk-flood-{i:04d}-a81c",
                            }
                            assert (await http.post(srv.mcp_url, json=TOOLS_LIST, headers=headers)).status_code == 200
                    logging.getLogger("some.http.library").warning("request headers: x-api-key=%s", OTHER_KEY)
                    release.set()
    assert not results[0].is_error
    assert OTHER_KEY not in caplog.text and "x-api-key=[REDACTED]" in caplog.text


def test_the_redactor_holds_a_key_for_its_request_and_remembers_it_after() -> None:
    held = "sk-test-held-key-0f9e8d7c"
    with redactor.holding(held):
        for i in range(telemetry.MAX_RECENT_SECRETS + 10):
            with redactor.holding(f"sk-other-{i:05d}-xyz"):
                pass
        assert redactor.scrub(f"key={held}") == f"key={REDACTED}"
    assert redactor.scrub(f"key={held}") == f"key={REDACTED}", "remembered among the recent keys"


# -------------------------------------------------------------------------- 6. subscriptions check access


PACKAGE_ROOT = str(Path(sync_mcp.__file__).resolve().parents[1])


uri_of = generation_uri


@asynccontextmanager
async def two_users(api: SandboxServer, mode: str) -> AsyncIterator[tuple[FakeApi, Client, Client, str, str]]:
    """Alice and Bob, each with a key of their own, on one HTTP server in front of an API that shows a generation
    only to its own key; each has created one generation: (api, alice, bob, alice's id, bob's id)."""
    keys, api.config.extra_api_keys = api.config.extra_api_keys, (OTHER_KEY,)
    try:
        async with fake_api(api.base_url) as fake:
            fake.private = True
            settings = make_settings_for(fake, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN)
            async with http_server(settings) as srv:
                async with (
                    http_client(srv.mcp_url, mode=mode, api_key=TEST_KEY) as alice,
                    http_client(srv.mcp_url, mode=mode, api_key=OTHER_KEY) as bob,
                ):
                    alices = data(await alice.call_tool("create_generation", BASIC))["id"]
                    bobs = data(await bob.call_tool("create_generation", BASIC))["id"]
                    yield fake, alice, bob, alices, bobs
    finally:
        api.config.extra_api_keys = keys


async def test_a_user_cannot_watch_another_users_generation(api: SandboxServer) -> None:
    async with two_users(api, "auto") as (fake, alice, bob, alices, bobs):
        refused = []
        for uris in ([uri_of(alices)], [uri_of(bobs), uri_of(alices)]):
            with pytest.raises(MCPError) as caught:
                async with bob.listen(resource_subscriptions=uris):
                    pass
            refused.append(caught.value.error)
        heard: list[str] = []
        async with bob.listen(resource_subscriptions=[uri_of(bobs)]) as stream:
            done = await alice.call_tool("get_generation", {"id": alices, "wait": True, "timeout": 30})
            assert data(done)["status"] == "COMPLETED"  # published for alice's generation
            await bob.call_tool("get_generation", {"id": bobs, "wait": True, "timeout": 30})
            with anyio.fail_after(10):
                async for event in stream:
                    if isinstance(event, ResourceUpdated):
                        heard.append(event.uri)
                        break
    assert [e.code for e in refused] == [INVALID_PARAMS, INVALID_PARAMS]
    assert all(e.data == {"uri": uri_of(alices)} for e in refused)
    assert heard == [uri_of(bobs)], "bob hears his own generation, never alice's"
    checks = [r for r in fake.seen if r.method == "GET" and r.path == f"/v2/generate/{alices}" and r.key == OTHER_KEY]
    assert len(checks) == 2, "each refusal was decided with bob's own key"


async def test_a_handshake_era_user_cannot_subscribe_to_another_users_generation(api: SandboxServer) -> None:
    async with two_users(api, "legacy") as (_, alice, bob, alices, bobs):
        with warnings.catch_warnings():  # resources/subscribe is the handshake era's way
            warnings.simplefilter("ignore")
            with pytest.raises(MCPError) as caught:
                await bob.subscribe_resource(uri_of(alices))
            await bob.subscribe_resource(uri_of(bobs))
            await alice.subscribe_resource(uri_of(alices))
    assert caught.value.error.code == INVALID_PARAMS and caught.value.error.data == {"uri": uri_of(alices)}


async def test_subscribing_to_a_generation_that_cannot_be_read_is_refused(api: SandboxServer, mode: str) -> None:
    missing = uri_of("00000000-0000-4000-8000-000000000000")
    async with Client(build_server(make_settings(api)), mode=mode) as client:  # type: ignore[arg-type]
        with pytest.raises(MCPError) as caught, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if mode == "legacy":
                await client.subscribe_resource(missing)
            else:
                async with client.listen(resource_subscriptions=[missing]):
                    pass
    assert caught.value.error.code == INVALID_PARAMS and caught.value.error.data == {"uri": missing}


# --------------------------------------------------------------------- 7. every failure is structured: the header


@pytest.mark.parametrize("raw_key", [b"sk-test-caf\xe9-1234", "sk-test-café-1234".encode()], ids=["latin-1", "utf-8"])
async def test_a_non_ascii_key_header_is_a_structured_error(api: SandboxServer, mode: str, raw_key: bytes) -> None:
    async with http_server(make_settings(api, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN)) as srv:
        headers: Any = {"Authorization": f"Bearer {TOKEN}", "X-Sync-Api-Key": raw_key}
        http = mcp_http_client(headers=headers)
        async with http, Client(streamable_http_client(srv.mcp_url, http_client=http), mode=mode) as client:  # type: ignore[arg-type]
            result = await client.call_tool("create_generation", BASIC)
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri_of("00000000-0000-4000-8000-000000000000"))
    err = error(result)
    assert err["errorCode"] == "invalid_api_key_header" and "X-Sync-Api-Key" in err["fix"]
    assert "nothing was sent" in err["message"] and "caf" not in text_of(result)
    assert caught.value.error.code == INTERNAL_ERROR
    assert caught.value.error.data["errorCode"] == "invalid_api_key_header"
    assert sent(api) == []


# ------------------------------------------------------------------------------- 7. stdio: lines that are not JSON


async def test_stdio_answers_a_line_that_is_not_json_with_a_parse_error(api: SandboxServer) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": PACKAGE_ROOT,  # the package under test, not whichever copy is installed
        "SYNC_API_KEY": TEST_KEY,
        "SYNC_BASE_URL": api.base_url,
    }
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        },
    }
    lines = [
        b"this is not json\n",
        b"\n",
        b'{"jsonrpc": "2.0", "id": 7, "method": 42}\n',
        json.dumps(initialize).encode() + b"\n",
    ]
    replies: list[dict[str, Any]] = []
    with anyio.fail_after(60):
        command = [sys.executable, "-m", "sync_mcp"]
        async with await anyio.open_process(command, env=env, stderr=subprocess.DEVNULL) as process:
            assert process.stdin is not None and process.stdout is not None
            await process.stdin.send(b"".join(lines))
            buffer = b""
            while len(replies) < 3:
                buffer += await process.stdout.receive()
                *complete, buffer = buffer.split(b"\n")
                replies += [json.loads(line) for line in complete if line.strip()]
            await process.stdin.aclose()
            await process.wait()
    parse, invalid, initialized = replies
    assert parse["id"] is None and parse["error"]["code"] == -32700
    assert invalid["id"] == 7 and invalid["error"]["code"] == -32600
    assert initialized["id"] == 1 and initialized["result"]["serverInfo"]["name"] == "sync-mcp"


# -------------------------------------------------------------------------------- 9. bearer token strength


@pytest.mark.parametrize(
    "token", ["x", "a" * 40, "0123456789abcdef0123456789abcde"], ids=["1-char", "repeated", "31-chars"]
)
def test_a_weak_token_is_refused_wherever_the_server_listens(api: SandboxServer, token: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters") as caught:
        make_settings(api, SYNC_MCP_HTTP_TOKEN=token, SYNC_MCP_ALLOWED_HOSTS="mcp.example.com")
    assert "SYNC_MCP_HTTP_TOKEN" in str(caught.value) and token not in str(caught.value)
    strong = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_ALLOWED_HOSTS="mcp.example.com")
    assert build_http_app(strong, host="0.0.0.0")[1] is not None


def test_the_command_line_names_the_weak_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file in the way
    monkeypatch.setenv("SYNC_MCP_HTTP_TOKEN", "short-token")
    monkeypatch.setenv("SYNC_MCP_ALLOWED_HOSTS", "mcp.example.com")
    with pytest.raises(SystemExit) as exited:
        main(["--transport", "http", "--host", "0.0.0.0", "--port", "0"])
    assert exited.value.code == 2
    message = capsys.readouterr().err
    assert "SYNC_MCP_HTTP_TOKEN" in message and "32" in message and "secrets.token_urlsafe" in message
    assert "short-token" not in message
