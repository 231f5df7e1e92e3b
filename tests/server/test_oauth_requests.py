"""OAuth requests as standard clients send them, and as an attacker bends them, in memory and on Redis.

A public client (auth method `none`) revokes its tokens with exactly what RFC 7009 asks of it; an authorization
request that fails a check is explained on the server's own page and never redirected; the store keeps digests
of client secrets only.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import anyio
import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server.oauth.provider import MAX_KEY_ATTEMPTS, digest

from ..conftest import BASIC, TEST_KEY, data, sent
from ..fake_api import download_url, fake_api
from ..oauth_support import (
    REDIRECT,
    Browser,
    Pkce,
    authorization_url,
    callback_query,
    exchange,
    list_tools_with,
    oauth_client,
    oauth_server,
    open_login_page,
    page_error,
    redis_url,
    refresh,
    register,
    sign_in,
    stored_text,
    submit_key,
    tokens_for,
)
from ..redis_support import RedisProcess, redis_binary
from .test_tasks import CreateTaskResult, TasksClient, get_task

__all__ = ["redis_url"]  # fixtures

pytestmark = pytest.mark.anyio


async def test_a_public_client_revokes_its_tokens_without_a_secret(api: object, redis_url: str | None) -> None:
    async with oauth_server(api, redis_url) as srv, httpx.AsyncClient() as http:  # type: ignore[arg-type]
        client, tokens = await tokens_for(http, srv.base_url, TEST_KEY, public=True)
        before = await list_tools_with(http, srv.base_url, tokens["access_token"])
        # RFC 7009 §2.1, as a public client sends it: the token, a hint, its client_id; no client_secret at all.
        revoked = await http.post(
            f"{srv.base_url}/revoke",
            data={
                "token": tokens["refresh_token"],
                "token_type_hint": "refresh_token",
                "client_id": client["client_id"],
            },
        )
        after = await list_tools_with(http, srv.base_url, tokens["access_token"])
        refreshed = await refresh(http, srv.base_url, client, tokens["refresh_token"])
    assert "client_secret" not in client
    assert before.status_code == 200
    assert revoked.status_code == 200, revoked.text
    assert after.status_code == 401 and "signed out" in after.json()["error_description"]
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


async def test_a_confidential_client_cannot_revoke_without_its_secret(api: object) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:  # type: ignore[arg-type]
        client, tokens = await tokens_for(http, srv.base_url, TEST_KEY)
        refused = await http.post(
            f"{srv.base_url}/revoke", data={"token": tokens["access_token"], "client_id": client["client_id"]}
        )
        still = await list_tools_with(http, srv.base_url, tokens["access_token"])
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert still.status_code == 200, "the grant survives a revocation its client did not authenticate"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"code_challenge_method": "plain"}, "Only the S256 PKCE"),
        ({"code_challenge": None}, "code_challenge (RFC 7636) is required"),
        ({"response_type": "token"}, "Only response_type=code"),
        ({"scope": "admin"}, "scope is not allowed"),
        ({"resource": "https://elsewhere.invalid/mcp"}, "issues tokens for"),
        ({"redirect_uri": "https://attacker.invalid/cb"}, "not one the app registered"),
        ({"client_id": "no-such-client"}, "not registered"),
    ],
)
async def test_a_bad_authorization_request_is_explained_here_and_never_redirected(
    api: object, change: dict[str, str | None], says: str
) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:  # type: ignore[arg-type]
        client = await register(http, srv.base_url, name="Mallory")
        url = httpx.URL(authorization_url(srv.base_url, client, Pkce.new()))
        params = {**dict(url.params), **change}
        reply = await http.get(url.copy_with(params={k: v for k, v in params.items() if v is not None}))
    assert reply.status_code == 400 and "location" not in reply.headers, "never a redirect to the client's URI"
    assert reply.headers["content-type"].startswith("text/html")
    assert says in page_error(reply)


async def test_the_store_holds_digests_of_client_secrets_only(api: object, redis_url: str | None) -> None:
    async with oauth_server(api, redis_url) as srv, httpx.AsyncClient() as http:  # type: ignore[arg-type]
        client, pkce = await register(http, srv.base_url), Pkce.new()
        code = callback_query(await sign_in(http, authorization_url(srv.base_url, client, pkce), TEST_KEY))["code"]
        stolen = {**client, "client_secret": "sha256:" + digest(client["client_secret"])}
        with_digest = await exchange(http, srv.base_url, stolen, code, pkce.verifier)
        with_secret = await exchange(http, srv.base_url, client, code, pkce.verifier)
        dump = await stored_text(srv, redis_url)
    assert client["client_secret"] not in dump
    assert with_digest.status_code == 401, "what the store holds authenticates nobody"
    assert with_secret.status_code == 200, with_secret.text
    assert REDIRECT in dump, "the dump is of the client records"


async def test_the_sign_in_page_names_the_real_host_and_warns_of_a_borrowed_name(api: object) -> None:
    tricky = "https://claude.ai@evil.invalid/cb"
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:  # type: ignore[arg-type]
        client = await register(http, srv.base_url, tricky, name="Claude")
        page = await open_login_page(http, authorization_url(srv.base_url, client, Pkce.new(), tricky))
        honest = await register(http, srv.base_url, "https://claude.invalid/cb", name="Claude")
        fine = await open_login_page(
            http, authorization_url(srv.base_url, honest, Pkce.new(), "https://claude.invalid/cb")
        )
    back_to = re.search(r"goes back to\s*<strong>([^<]*)</strong>", page.text)
    assert back_to is not None and back_to[1] == "evil.invalid", "the host, never the userinfo before it"
    assert "claude.ai@" not in page.text
    assert "not at an address of that name" in page.text
    assert "not at an address of that name" not in fine.text


async def test_parallel_wrong_keys_get_exactly_the_allowed_checks(api: SandboxServer, redis_url: str | None) -> None:
    async with oauth_server(api, redis_url) as srv, httpx.AsyncClient(timeout=60) as http:  # type: ignore[arg-type]
        client = await register(http, srv.base_url)
        page = await open_login_page(http, authorization_url(srv.base_url, client, Pkce.new()))
        replies: list[httpx.Response] = []

        async def wrong(n: int) -> None:
            replies.append(await submit_key(http, page, f"sk-wrong-key-{n:02d}"))

        async with anyio.create_task_group() as tg:
            for n in range(30):
                tg.start_soon(wrong, n)
        dump = await stored_text(srv, redis_url)
    checks = sent(api, "/v2/models")
    assert len(checks) == MAX_KEY_ATTEMPTS, "no more checks than the limit, however many arrive at once"
    ended = [r for r in replies if r.status_code == 303]
    assert len(ended) == 1 and callback_query(ended[0].headers["location"])["error"] == "access_denied"
    request_id = re.search(r'name="request" value="([^"]+)"', page.text)
    assert request_id is not None and request_id[1] not in dump, "the store names sign-ins by keyed digests"


async def test_the_access_log_names_paths_without_their_query_strings(
    api: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    async with oauth_server(api, log_level="info") as srv, httpx.AsyncClient() as http:
        _, tokens = await tokens_for(http, srv.base_url, TEST_KEY)
        await http.get(f"{srv.mcp_url}?access_token={tokens['access_token']}")
        page = await open_login_page(
            http, authorization_url(srv.base_url, await register(http, srv.base_url), Pkce.new())
        )
    access = "\n".join(r.getMessage() for r in caplog.records if r.name == "uvicorn.access")
    request_id = re.search(r'name="request" value="([^"]+)"', page.text)
    assert "GET /mcp?[query dropped]" in access and "/oauth/login?[query dropped]" in access
    assert request_id is not None and request_id[1] not in access
    assert tokens["access_token"] not in access and "code_challenge" not in access


async def test_a_storage_url_refusing_a_download_does_not_sign_the_user_out(api: SandboxServer, tmp_path: Path) -> None:
    """A signed-in user takes a video home through a download link; the storage URL behind it answering 401 is a
    failed download, not the API refusing the user's key."""
    browser = Browser(TEST_KEY)
    async with (
        fake_api(api.base_url) as fake,
        oauth_server(api, SYNC_BASE_URL=fake.base_url, SYNC_MCP_OUTPUT_DIR=str(tmp_path)) as srv,
    ):
        async with oauth_client(srv.mcp_url, browser, mode="auto") as (client, _), httpx.AsyncClient() as http:
            created = data(await client.call_tool("create_generation", BASIC))
            with anyio.fail_after(30):
                await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 20})
            gid = created["id"]
            fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/denied"))
            fake.on("GET", "/storage/denied", step=_unauthorized)
            link = data(await client.call_tool("download_output", {"id": gid}))
            refused = await http.get(link["downloadUrl"])
            after = await client.call_tool("list_models", {})
    assert fake.requests_to("/storage/denied"), "the download reached the storage URL"
    assert refused.status_code >= 400 and "attachment" not in refused.headers.get("content-disposition", "")
    assert not after.is_error and browser.sign_ins == 1, "still signed in: storage cannot end a sign-in"


async def _unauthorized(request: Request) -> Response:
    return Response(b"<Error><Code>AccessDenied</Code></Error>", status_code=401, media_type="application/xml")


async def test_redis_holds_keyed_digests_of_the_users_key_and_tasks_still_answer_their_owner(
    api: SandboxServer, tmp_path: Path
) -> None:
    server = RedisProcess(redis_binary(), tmp_path)
    server.start()
    try:
        async with oauth_server(api, server.url) as srv:
            async with oauth_client(srv.mcp_url, Browser(TEST_KEY), mode="auto", extensions=[TasksClient()]) as (
                client,
                _,
            ):
                created = data(await client.call_tool("create_generation", BASIC))
                raw = await client.session.call_tool(
                    "get_generation", {"id": created["id"], "wait": True}, allow_claimed=True
                )
                assert isinstance(raw, CreateTaskResult)
                own = await get_task(client, raw.task_id)
            dump = await stored_text(srv, server.url)
    finally:
        server.stop()
    assert own.task_id == raw.task_id, "the owner still finds their task"
    assert ":task:" in dump
    assert hashlib.sha256(TEST_KEY.encode()).hexdigest() not in dump, "no plain hash of the key to test guesses on"
    assert TEST_KEY not in dump


async def test_a_client_stored_before_secrets_were_digested_still_refreshes(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        client, tokens = await tokens_for(http, srv.base_url, TEST_KEY)
        assert srv.store is not None
        record = await srv.store.get("client", client["client_id"])
        assert record is not None and record["client_secret"].startswith("sha256:")
        # What an earlier version of the server stored: the secret itself.
        await srv.store.put("client", client["client_id"], {**record, "client_secret": client["client_secret"]}, 60)
        refreshed = await refresh(http, srv.base_url, client, tokens["refresh_token"])
        wrong = await refresh(http, srv.base_url, {**client, "client_secret": "0" * 64}, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert wrong.status_code == 401
