"""OAuth 2.1 in HTTP mode (SYNC_MCP_AUTH=oauth), end to end on loopback against the sandbox.

A host that knows nothing but the server's URL connects with the SDK's own OAuth client: discovery, dynamic
registration, authorization with PKCE (the test's browser signs in on the key page), token exchange, refresh,
revocation; every tool call then acts with the key the user signed in with, as the sandbox's request log shows.
The refusals are driven step by step over raw HTTP.
"""

from __future__ import annotations

import logging
import time

import anyio
import httpx
import pytest
from mcp import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import ValidationError

from sync_mcp.cli import main
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.http import key_fingerprint
from sync_mcp.server.http import HttpConfigError, build_http_app
from sync_mcp.server.oauth.provider import ACCESS_TTL, MAX_KEY_ATTEMPTS
from sync_mcp.server.tasks import CreateTaskResult

from ..conftest import BASIC, TEST_KEY, data, make_settings, sent
from ..http_support import TOKEN
from ..oauth_support import (
    MCP_HEADERS,
    REDIRECT,
    SECRET,
    TOOLS_LIST,
    Browser,
    MemoryTokens,
    Pkce,
    authorization_url,
    callback_query,
    credentials,
    exchange,
    list_tools_with,
    oauth_client,
    oauth_server,
    open_login_page,
    page_error,
    refresh,
    register,
    sign_in,
    submit_key,
    tokens_for,
)
from .test_tasks import TasksClient, get_task

pytestmark = pytest.mark.anyio

OTHER_KEY = "sk-test-SYNCMCP-oauth-second-user-5c8e21"


async def make_generation(client: object) -> dict[str, object]:
    created = await client.call_tool("create_generation", BASIC)  # type: ignore[attr-defined]
    done = await client.call_tool("get_generation", {"id": data(created)["id"], "wait": True, "timeout": 30})  # type: ignore[attr-defined]
    return data(done)


async def test_discovery_starts_from_a_401_on_loopback(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        refused = await http.post(srv.mcp_url, json=TOOLS_LIST, headers=MCP_HEADERS)
        resource_url = f"{srv.base_url}/.well-known/oauth-protected-resource/mcp"
        resource = (await http.get(resource_url)).json()
        at_root = (await http.get(f"{srv.base_url}/.well-known/oauth-protected-resource")).json()
        server = (await http.get(f"{srv.base_url}/.well-known/oauth-authorization-server")).json()
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer ")
    assert f'resource_metadata="{resource_url}"' in refused.headers["www-authenticate"]
    assert resource == at_root
    assert resource["resource"] == srv.mcp_url and resource["authorization_servers"] == [srv.base_url]
    assert server["issuer"] == srv.base_url
    for endpoint in ("authorization", "token", "registration", "revocation"):
        assert server[f"{endpoint}_endpoint"].startswith(srv.base_url + "/")
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert set(server["grant_types_supported"]) == {"authorization_code", "refresh_token"}
    assert server["authorization_response_iss_parameter_supported"] is True
    assert sent(api) == [], "nothing reaches the API without a signed-in user"


async def test_a_host_signs_in_once_and_every_call_uses_that_users_key(
    api: SandboxServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    browser, storage = Browser(TEST_KEY), MemoryTokens()
    async with oauth_server(api, SYNC_API_KEY="sk-deployment-key-never-used-3b9d") as srv:
        async with oauth_client(srv.mcp_url, browser, mode=mode, storage=storage) as (client, auth):
            first = await make_generation(client)
            assert storage.tokens is not None and storage.client is not None
            first_tokens = storage.tokens
            # The access token runs out: the host refreshes it without asking the user again.
            srv.clock.offset += ACCESS_TTL + 1
            auth.context.token_expiry_time = time.time() - 1
            second = await make_generation(client)
            refreshed = storage.tokens
        async with httpx.AsyncClient() as http:
            old = await list_tools_with(http, srv.base_url, first_tokens.access_token)
            new = await list_tools_with(http, srv.base_url, refreshed.access_token)

    assert browser.sign_ins == 1, "one sign-in, then refresh"
    assert first["status"] == second["status"] == "COMPLETED"
    assert refreshed.access_token != first_tokens.access_token
    assert refreshed.refresh_token != first_tokens.refresh_token, "refresh tokens rotate"
    assert old.status_code == 401 and "expired" in old.headers["www-authenticate"]
    assert new.status_code == 200
    calls = sent(api)
    assert any(c.path == "/v2/models" for c in calls), "the key was checked at sign-in"
    assert {c.key_fingerprint for c in calls} == {key_fingerprint(TEST_KEY)}
    for secret in (first_tokens.access_token, first_tokens.refresh_token, refreshed.access_token, SECRET):
        assert secret not in caplog.text


async def test_revoking_the_grant_ends_the_session_and_the_host_signs_in_again(api: SandboxServer) -> None:
    browser, storage = Browser(TEST_KEY), MemoryTokens()
    async with oauth_server(api) as srv:
        async with oauth_client(srv.mcp_url, browser, mode="auto", storage=storage) as (client, _):
            await client.list_tools()
            assert storage.tokens is not None and storage.client is not None
            revoked = storage.tokens
            async with httpx.AsyncClient() as http:
                reply = await http.post(
                    f"{srv.base_url}/revoke",
                    data={"token": revoked.access_token, **credentials(storage.client.model_dump())},
                )
                after = await list_tools_with(http, srv.base_url, revoked.access_token)
                refresh = await http.post(
                    f"{srv.base_url}/token",
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": revoked.refresh_token or "",
                        **credentials(storage.client.model_dump()),
                    },
                )
            assert browser.sign_ins == 1
            tools = await client.list_tools()  # refused, so the host runs the sign-in again
    assert reply.status_code == 200
    assert after.status_code == 401
    assert "signed out" in after.json()["error_description"] and "Reconnect" in after.json()["error_description"]
    assert "signed out" in after.headers["www-authenticate"]
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant", "the refresh token went too"
    assert browser.sign_ins == 2 and tools.tools


async def test_a_redirect_uri_other_than_the_registered_one_is_refused(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        bad_registration = await http.post(
            f"{srv.base_url}/register", json={"redirect_uris": ["http://evil.example/callback"]}
        )
        client, pkce = await register(http, srv.base_url), Pkce.new()
        elsewhere = await http.get(
            authorization_url(srv.base_url, client, pkce, redirect="http://127.0.0.1:33418/other")
        )
        back = await sign_in(http, authorization_url(srv.base_url, client, pkce), TEST_KEY)
        code = callback_query(back)["code"]
        swapped = await exchange(http, srv.base_url, client, code, pkce.verifier, redirect="http://127.0.0.1:1/x")
    assert bad_registration.status_code == 400 and bad_registration.json()["error"] == "invalid_redirect_uri"
    assert elsewhere.status_code == 400 and "location" not in elsewhere.headers, "never redirects to it"
    assert "not one the app registered" in page_error(elsewhere), "explained on the server's own page"
    assert swapped.status_code == 400 and swapped.json()["error"] == "invalid_request"


async def test_a_code_without_its_pkce_verifier_is_refused(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        client, pkce = await register(http, srv.base_url), Pkce.new()
        back = await sign_in(http, authorization_url(srv.base_url, client, pkce), TEST_KEY)
        code = callback_query(back)["code"]
        wrong = await exchange(http, srv.base_url, client, code, Pkce.new().verifier)
        right = await exchange(http, srv.base_url, client, code, pkce.verifier)
    assert wrong.status_code == 400 and wrong.json() == {
        "error": "invalid_grant",
        "error_description": "incorrect code_verifier",
    }
    assert right.status_code == 200


async def test_a_replayed_code_is_refused_and_signs_its_tokens_out(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        client, pkce = await register(http, srv.base_url), Pkce.new()
        back = await sign_in(http, authorization_url(srv.base_url, client, pkce), TEST_KEY)
        code = callback_query(back)["code"]
        first = await exchange(http, srv.base_url, client, code, pkce.verifier)
        before = await list_tools_with(http, srv.base_url, first.json()["access_token"])
        replay = await exchange(http, srv.base_url, client, code, pkce.verifier)
        after = await list_tools_with(http, srv.base_url, first.json()["access_token"])
    assert first.status_code == 200 and before.status_code == 200
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert after.status_code == 401 and "used twice" in after.json()["error_description"]


async def test_an_expired_access_token_is_refused_until_refreshed(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        client, tokens = await tokens_for(http, srv.base_url, TEST_KEY)
        srv.clock.offset += ACCESS_TTL + 1
        expired = await list_tools_with(http, srv.base_url, tokens["access_token"])
        refreshed = await refresh(http, srv.base_url, client, tokens["refresh_token"])
        fresh = await list_tools_with(http, srv.base_url, refreshed.json()["access_token"])
        unknown = await list_tools_with(http, srv.base_url, "smcp_at_never-issued")
    assert expired.status_code == 401
    assert expired.json()["error_description"].startswith("The access token expired")
    assert refreshed.status_code == 200 and refreshed.json()["expires_in"] == ACCESS_TTL
    assert fresh.status_code == 200
    assert unknown.status_code == 401 and "not known to this server" in unknown.json()["error_description"]


async def test_a_key_the_api_refuses_gets_no_code(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        client, pkce = await register(http, srv.base_url), Pkce.new()
        page = await open_login_page(http, authorization_url(srv.base_url, client, pkce))
        refused = [await submit_key(http, page, "sk-not-a-key-of-this-account") for _ in range(MAX_KEY_ATTEMPTS)]
        cancelled_page = await open_login_page(http, authorization_url(srv.base_url, client, pkce))
        cancelled = await submit_key(http, cancelled_page, "", action="cancel")
    for attempt in refused[:-1]:
        assert attempt.status_code == 400 and "location" not in attempt.headers
        assert "The Sync API refused this key" in page_error(attempt)
        assert "sk-not-a-key-of-this-account" not in attempt.text, "the key is never echoed"
    last = callback_query(refused[-1].headers["location"])
    assert refused[-1].status_code == 303 and refused[-1].headers["location"].startswith(REDIRECT)
    assert last["error"] == "access_denied" and last["state"] == "state-1" and "code" not in last
    assert callback_query(cancelled.headers["location"])["error"] == "access_denied"
    checks = sent(api)
    assert [c.path for c in checks] == ["/v2/models"] * MAX_KEY_ATTEMPTS
    assert {c.key_fingerprint for c in checks} == {key_fingerprint("sk-not-a-key-of-this-account")}


async def test_two_users_stay_apart(api: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    outputs: dict[str, list[str]] = {TEST_KEY: [], OTHER_KEY: []}

    async def user(url: str, key: str) -> None:
        async with oauth_client(url, Browser(key), mode="auto") as (client, _):
            for _ in range(2):
                outputs[key].append(str((await make_generation(client))["id"]))

    async with oauth_server(api) as srv:
        async with anyio.create_task_group() as tg:
            tg.start_soon(user, srv.mcp_url, TEST_KEY)
            tg.start_soon(user, srv.mcp_url, OTHER_KEY)
        # Both sign in through one registered client (as a shared connector of a workspace would): the task
        # belongs to the user, not to the app.
        alice_tokens, bob_tokens = MemoryTokens(), MemoryTokens()
        tasks = {"extensions": [TasksClient()]}
        async with oauth_client(srv.mcp_url, Browser(TEST_KEY), mode="auto", storage=alice_tokens, **tasks) as (
            alice,
            _,
        ):
            created = await alice.call_tool("create_generation", BASIC)
            raw = await alice.session.call_tool(
                "get_generation", {"id": data(created)["id"], "wait": True}, allow_claimed=True
            )
            assert isinstance(raw, CreateTaskResult)
            bob_tokens.client = alice_tokens.client
            async with oauth_client(srv.mcp_url, Browser(OTHER_KEY), mode="auto", storage=bob_tokens, **tasks) as (
                bob,
                _,
            ):
                with pytest.raises(MCPError) as caught:
                    await get_task(bob, raw.task_id)
            own = await get_task(alice, raw.task_id)
    assert caught.value.error.code == INVALID_PARAMS, "another user's task does not exist for bob"
    assert own.task_id == raw.task_id
    assert bob_tokens.client is alice_tokens.client and bob_tokens.tokens != alice_tokens.tokens
    owner = {gid: key_fingerprint(key) for key, ids in outputs.items() for gid in ids}
    for call in sent(api, "/v2/generate/"):
        assert call.key_fingerprint == owner.get(call.path.rsplit("/", 1)[1], key_fingerprint(TEST_KEY)), call.path
    posts = [c for c in sent(api, "/v2/generate") if c.method == "POST"]
    assert {c.key_fingerprint for c in posts} == {key_fingerprint(TEST_KEY), key_fingerprint(OTHER_KEY)}
    assert len(posts) == 5


async def test_a_key_revoked_at_sync_ends_the_session_with_a_reconnect_error(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        _, tokens = await tokens_for(http, srv.base_url, OTHER_KEY)
        monkeypatch.setattr(api.config, "extra_api_keys", ())  # the user deletes the key at sync.so
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_models", "arguments": {}}}
        headers = {
            **MCP_HEADERS,
            "Authorization": f"Bearer {tokens['access_token']}",
            "MCP-Protocol-Version": "2025-11-25",
        }
        refused = await http.post(srv.mcp_url, json=call, headers=headers)
        after = await list_tools_with(http, srv.base_url, tokens["access_token"])
    text = refused.text
    assert refused.status_code == 200 and '"isError":true' in text
    assert "refused the API key this connection signed in with" in text and "Reconnect" in text
    assert "SYNC_API_KEY" not in text.split('"fix"', 1)[1][:300], "no server setting is suggested to an OAuth user"
    assert after.status_code == 401 and "refused the API key" in after.json()["error_description"]


async def test_the_static_token_keeps_working_next_to_oauth(api: SandboxServer) -> None:
    async with oauth_server(api, SYNC_API_KEY=TEST_KEY, SYNC_MCP_HTTP_TOKEN=TOKEN) as srv, httpx.AsyncClient() as http:
        static = await list_tools_with(http, srv.base_url, TOKEN)
        wrong = await list_tools_with(http, srv.base_url, TOKEN + "x")
    assert static.status_code == 200 and wrong.status_code == 401


async def test_the_store_holds_no_key_token_or_code_in_clear(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        client, pkce = await register(http, srv.base_url), Pkce.new()
        code = callback_query(await sign_in(http, authorization_url(srv.base_url, client, pkce), TEST_KEY))["code"]
        tokens = (await exchange(http, srv.base_url, client, code, pkce.verifier)).json()
        assert srv.store is not None
        dump = "\n".join(f"{kind} {key} {text}" for kind, key, text in srv.store.records())
    assert "grant" in dump and "access" in dump
    for secret in (TEST_KEY, code, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in dump


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"SYNC_MCP_PUBLIC_URL": ""}, "needs SYNC_MCP_PUBLIC_URL"),
        ({"SYNC_MCP_SECRET_KEY": ""}, "needs SYNC_MCP_SECRET_KEY"),
        ({"SYNC_MCP_SECRET_KEY": "too-short"}, "at least 32 characters"),
        ({"SYNC_MCP_PUBLIC_URL": "http://mcp.example.com"}, "needs an https SYNC_MCP_PUBLIC_URL"),
        ({"SYNC_MCP_PUBLIC_URL": "https://mcp.example.com/sync"}, "origin only"),
    ],
)
def test_oauth_refuses_to_start_without_what_it_needs(api: SandboxServer, overrides: dict[str, str], says: str) -> None:
    values = {
        "SYNC_MCP_AUTH": "oauth",
        "SYNC_MCP_PUBLIC_URL": "https://mcp.example.com",
        "SYNC_MCP_SECRET_KEY": SECRET,
        **overrides,
    }
    with pytest.raises((HttpConfigError, ValidationError), match=says):  # a weak secret: refused by the settings
        build_http_app(make_settings(api, **values), host="0.0.0.0")


def test_oauth_serves_beyond_loopback_without_a_static_token(api: SandboxServer) -> None:
    settings = make_settings(
        api, SYNC_MCP_AUTH="OAuth", SYNC_MCP_PUBLIC_URL="https://mcp.example.com", SYNC_MCP_SECRET_KEY=SECRET
    )
    server, app = build_http_app(settings, host="0.0.0.0")
    assert server.settings.auth is not None and str(server.settings.auth.issuer_url) == "https://mcp.example.com"
    paths = {getattr(route, "path", "") for route in app.routes}
    assert {"/mcp", "/authorize", "/token", "/register", "/revoke", "/oauth/login"} <= paths


def test_the_command_line_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_MCP_AUTH", "oauth")
    monkeypatch.delenv("SYNC_MCP_PUBLIC_URL", raising=False)
    monkeypatch.setenv("SYNC_MCP_SECRET_KEY", SECRET)
    with pytest.raises(SystemExit) as stopped:
        main(["--transport", "http", "--host", "0.0.0.0", "--port", "1"])
    assert "SYNC_MCP_PUBLIC_URL" in str(stopped.value.code)


async def test_a_missing_key_in_oauth_mode_is_not_reachable(api: SandboxServer) -> None:
    """With OAuth on, a request without a token never reaches a tool (no missing_api_key, no call to the API)."""
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_models", "arguments": {}}}
        reply = await http.post(srv.mcp_url, json=call, headers={**MCP_HEADERS, "X-Sync-Api-Key": TEST_KEY})
    assert reply.status_code == 401
    assert sent(api) == []
