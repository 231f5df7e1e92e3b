"""Two replicas of the HTTP server sharing a real Redis (`SYNC_MCP_REDIS_URL`), driven by the SDK's own client.

What a user behind a balancer would notice: a task started on one replica is answered by the other; a webhook
delivered to one ends a wait on the other; a subscriber of one hears of a change the other saw, on both protocol
eras; a sign-in through one works on both; a confirmation asked by one is answered to the other. And the faults:
Redis down at start (the server refuses to start), Redis lost while serving (a retryable error, nothing lost),
Redis killed and restarted (no task lost, subscribers hear what happened meanwhile).
"""

from __future__ import annotations

import socket
import warnings
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, MCPError
from mcp.client.subscriptions import ResourceUpdated
from mcp.types import INVALID_PARAMS, EmptyResult, ResourceUpdatedNotification

from sync_mcp.backend import StateBackendError
from sync_mcp.cli import main
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.config import DEFAULT_WEBHOOK_SECRET
from sync_mcp.server.http import build_http_app
from sync_mcp.server.state_backend import state_backend
from sync_mcp.server.tasks import CreateTaskResult, DetailedTask

from ..conftest import AUDIO, BASIC, TEST_KEY, VIDEO, data, error, make_settings, sent
from ..durations_support import BASIC_USD
from ..http_support import TOKEN, http_client, post_delivery, serving
from ..oauth_support import SECRET, Browser, MemoryTokens, list_tools_with, oauth_client, tokens_for
from ..redis_support import (
    NAMESPACE,
    RedisProcess,
    balancer,
    data_of,
    durable_redis,
    free_port,
    redis_server,
    replicas,
    shared,
)
from .test_tasks import CancelTaskRequest, TaskIdParams, TasksClient, get_task
from .test_webhooks import DELIVERED_URL, payload, wait_while

__all__ = ["durable_redis", "redis_server"]  # fixtures

pytestmark = pytest.mark.anyio

LIPSYNC = {"video": VIDEO, "audio": AUDIO}
OTHER_KEY = "sk-test-SYNCMCP-replica-second-user-4e7a"
POLL = 0.05


def uri_of(generation_id: str) -> str:
    return f"sync://generations/{generation_id}"


async def create(client: Client) -> str:
    return str(data(await client.call_tool("create_generation", BASIC))["id"])


def creates(api: SandboxServer) -> int:
    return len([r for r in sent(api, "/v2/generate") if r.method == "POST" and r.path == "/v2/generate"])


async def until_settled(client: Client, task_id: str) -> DetailedTask:
    with anyio.fail_after(20):
        while (task := await get_task(client, task_id)).status == "working":  # noqa: ASYNC110 - polling is the test
            await anyio.sleep(POLL)
    return task


async def until_answered(client: Client, task_id: str) -> DetailedTask:
    """Poll a task through a Redis outage: retry while the answer is `shared_state_unavailable`."""
    with anyio.fail_after(30):
        while True:
            try:
                task = await get_task(client, task_id)
            except MCPError as exc:
                assert data_of(exc)["errorCode"] == "shared_state_unavailable", exc
                await anyio.sleep(0.1)
                continue
            if task.status != "working":
                return task
            await anyio.sleep(POLL)


def assert_clean(redis: RedisProcess, secrets: list[str]) -> dict[str, tuple[str, float]]:
    """Every key is the deployment's (namespaced) and expires; no key or value holds a secret."""
    entries = redis.entries()
    assert entries, "the replicas stored their state in Redis"
    for key, (value, ttl) in entries.items():
        assert key.startswith(f"{NAMESPACE}:"), key
        assert ttl > 0, f"{key} has no TTL"
        for secret in secrets:
            assert secret not in key and secret not in value, f"a secret is stored under {key}"
    return entries


# ------------------------------------------------------------------------------------------------ tasks


async def test_a_task_started_on_one_replica_completes_when_polled_on_the_other(
    api: SandboxServer, redis_server: RedisProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    settings = make_settings(api, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN, **shared(redis_server))
    tasks = TasksClient()
    async with replicas(settings) as (a, b):
        async with (
            http_client(a.mcp_url, mode="auto", api_key=TEST_KEY, extensions=[tasks]) as alice_on_a,
            http_client(b.mcp_url, mode="auto", api_key=TEST_KEY, extensions=[TasksClient()]) as alice_on_b,
            http_client(b.mcp_url, mode="auto", api_key=OTHER_KEY, extensions=[TasksClient()]) as bob_on_b,
        ):
            raw = await alice_on_a.session.call_tool("lipsync", LIPSYNC, allow_claimed=True)
            assert isinstance(raw, CreateTaskResult), raw
            # Another user of the deployment gets nothing from the id, on either replica, and cannot cancel it.
            with pytest.raises(MCPError) as caught:
                await get_task(bob_on_b, raw.task_id)
            assert caught.value.error.code == INVALID_PARAMS
            await bob_on_b.session.send_request(
                CancelTaskRequest(params=TaskIdParams(task_id=raw.task_id)), EmptyResult
            )
            task = await until_settled(alice_on_b, raw.task_id)
            again = await get_task(alice_on_a, raw.task_id)
    assert task.status == "completed", task
    assert task.result is not None and task.result["structuredContent"]["status"] == "COMPLETED"
    assert task.result["structuredContent"]["idempotencyKey"], "the first result, kept on A, ends the task on B"
    assert (again.status, again.result) == (task.status, task.result), "both replicas give the same answer"
    assert creates(api) == 1


async def test_a_cancel_on_one_replica_holds_on_the_other(api: SandboxServer, redis_server: RedisProcess) -> None:
    settings = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, **shared(redis_server))
    async with replicas(settings) as (a, b):
        async with (
            http_client(a.mcp_url, mode="auto", extensions=[TasksClient()]) as on_a,
            http_client(b.mcp_url, mode="auto", extensions=[TasksClient()]) as on_b,
        ):
            gid = await create(on_a)
            raw = await on_a.session.call_tool("get_generation", {"id": gid, "wait": True}, allow_claimed=True)
            assert isinstance(raw, CreateTaskResult)
            await on_b.session.send_request(CancelTaskRequest(params=TaskIdParams(task_id=raw.task_id)), EmptyResult)
            with anyio.fail_after(20):
                done = await on_a.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 15})
            seen_on_a, seen_on_b = await get_task(on_a, raw.task_id), await get_task(on_b, raw.task_id)
    assert data(done)["status"] == "COMPLETED", "the generation itself ran on"
    assert seen_on_a.status == seen_on_b.status == "cancelled", "a final state never changes, on any replica"


async def test_through_a_round_robin_balancer_every_call_works(api: SandboxServer, redis_server: RedisProcess) -> None:
    settings = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, **shared(redis_server))
    tasks = TasksClient()
    async with replicas(settings) as (a, b), balancer([a.base_url, b.base_url]) as (url, proxy):
        async with http_client(f"{url}/mcp", mode="auto", extensions=[tasks]) as client:
            with anyio.fail_after(30):
                result = await client.call_tool("lipsync", LIPSYNC)
        async with http_client(f"{url}/mcp", mode="legacy") as legacy:
            gid = await create(legacy)
            with anyio.fail_after(30):
                waited = await legacy.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 20})
    assert data(result)["status"] == "COMPLETED" and len(tasks.created) == 1
    assert len(tasks.polled) >= 2, "the task was polled more than once, so on both replicas"
    assert data(waited)["status"] == "COMPLETED"
    assert proxy.served_by("POST /mcp") == {0, 1}


# --------------------------------------------------------------------------------------------- webhooks


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_webhook_delivered_to_one_replica_ends_a_wait_on_the_other(
    api: SandboxServer, redis_server: RedisProcess, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(api.config, "processing_seconds", 120.0)  # only a webhook can end the wait early
    settings = make_settings(
        api, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET, **shared(redis_server)
    )
    delivered: list[httpx.Response] = []
    async with replicas(settings) as (a, b), http_client(a.mcp_url, mode=mode) as on_a:
        gid = await create(on_a)

        async def deliver_to_b() -> None:
            delivered.append(await post_delivery(b.webhook_url, payload(gid), DEFAULT_WEBHOOK_SECRET))

        result = await wait_while(api, on_a, gid, deliver_to_b)
        (to_b,) = delivered
        replayed_to_a = await post_delivery(a.webhook_url, payload(gid), DEFAULT_WEBHOOK_SECRET)
        replayed_to_b = await post_delivery(b.webhook_url, payload(gid), DEFAULT_WEBHOOK_SECRET)
    assert to_b.json() == {"received": True, "duplicate": False}
    assert replayed_to_a.json() == replayed_to_b.json() == {"received": True, "duplicate": True}, "handled once"
    assert data(result)["status"] == "COMPLETED" and data(result)["outputUrl"] == DELIVERED_URL
    record = api.state.get(gid)
    assert record is not None and record.status_at(api.state.now()) in ("PENDING", "PROCESSING")
    assert_clean(redis_server, [TEST_KEY, TOKEN, DEFAULT_WEBHOOK_SECRET])


# ---------------------------------------------------------------------------------------- subscriptions


async def test_subscribers_of_one_replica_hear_a_change_seen_by_the_other_on_both_eras(
    api: SandboxServer, redis_server: RedisProcess
) -> None:
    settings = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, **shared(redis_server))
    legacy_heard: list[str] = []
    legacy_arrived = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            legacy_heard.append(str(message.params.uri))
            legacy_arrived.set()

    async with (
        replicas(settings) as (a, b),
        http_client(a.mcp_url, mode="auto") as on_a,
        http_client(b.mcp_url, mode="auto") as on_b,
        Client(a.server, mode="legacy", message_handler=on_message) as legacy_on_a,
    ):
        gid = await create(on_b)
        with warnings.catch_warnings():  # resources/subscribe is the handshake era's way; deprecated in 2026
            warnings.simplefilter("ignore")
            await legacy_on_a.subscribe_resource(uri_of(gid))
        with anyio.fail_after(30):
            async with on_a.listen(resource_subscriptions=[uri_of(gid)]) as subscription:
                done = await on_b.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 20})
                async for event in subscription:
                    if isinstance(event, ResourceUpdated):
                        heard = event.uri
                        break
            await legacy_arrived.wait()
    assert data(done)["status"] == "COMPLETED"
    assert heard == uri_of(gid)
    assert legacy_heard == [uri_of(gid)], "heard once, though both replicas' relays run"


# ------------------------------------------------------------------------------------------------ OAuth


async def test_a_sign_in_through_one_replica_works_on_both(api: SandboxServer, redis_server: RedisProcess) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"  # the balancer: the one address clients know
    settings = make_settings(
        api,
        SYNC_API_KEY="",
        SYNC_MCP_AUTH="oauth",
        SYNC_MCP_PUBLIC_URL=public,
        SYNC_MCP_SECRET_KEY=SECRET,
        **shared(redis_server),
    )
    browser, storage = Browser(TEST_KEY), MemoryTokens()
    async with replicas(settings) as (a, b), balancer([a.base_url, b.base_url], sock) as (url, proxy):
        async with oauth_client(f"{url}/mcp", browser, mode="auto", storage=storage) as (client, _):
            created = data(await client.call_tool("create_generation", BASIC))
            with anyio.fail_after(30):
                done = data(await client.call_tool("get_generation", {"id": created["id"], "wait": True}))
        assert storage.tokens is not None
        async with httpx.AsyncClient() as http:
            direct = [await list_tools_with(http, replica.base_url, storage.tokens.access_token) for replica in (a, b)]
    assert done["status"] == "COMPLETED" and browser.sign_ins == 1
    assert [reply.status_code for reply in direct] == [200, 200], "the tokens are good on every replica"
    flow = {path for _, method, path in proxy.routed if path != "/mcp"}
    assert {"/register", "/authorize", "/oauth/login", "/token"} <= flow
    assert proxy.served_by() == {0, 1}
    entries = assert_clean(
        redis_server, [TEST_KEY, SECRET, storage.tokens.access_token, storage.tokens.refresh_token or ""]
    )
    assert any(":oauth:grant:" in key for key in entries)


# --------------------------------------------------------------------------------------------- consent


async def test_a_confirmation_asked_by_one_replica_is_answered_to_the_other(
    api: SandboxServer, redis_server: RedisProcess
) -> None:
    """2026-07-28: the question goes back as `input_required` with sealed request state, and the client's retry
    (the next request, so the other replica) carries the answer; it opens there, and is not asked again."""
    settings = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_CONFIRM_ABOVE_USD="0.1", **shared(redis_server))
    asked: list[str] = []

    async def approve(context: Any, params: Any) -> Any:
        from mcp.types import ElicitResult

        asked.append(params.message)
        return ElicitResult(action="accept", content={"approve": True})

    async with replicas(settings) as (a, b), balancer([a.base_url, b.base_url]) as (url, proxy):
        async with http_client(f"{url}/mcp", mode="auto", elicitation_callback=approve) as client:
            result = await client.call_tool("create_generation", BASIC)
    calls = [replica for replica, method in proxy.rpc if method == "tools/call"]
    assert data(result)["status"] == "PENDING", result
    assert len(asked) == 1 and f"${BASIC_USD:.2f}" in asked[0]
    assert len(calls) == 2 and set(calls) == {0, 1}, "asked by one replica, answered to the other"
    assert creates(api) == 1
    assert len(sent(api, "/v2/analyze/cost")) == 1, "the estimate made by the first replica served the second"


# ---------------------------------------------------------------------------------------------- faults


def test_with_redis_down_at_start_the_server_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("SYNC_MCP_REDIS_URL", f"redis://:not-a-real-password-8c1f@127.0.0.1:{port}/0")
    with pytest.raises(SystemExit) as exited:
        main(["--transport", "http", "--port", str(free_port())])
    message = str(exited.value.code)
    assert f"cannot reach Redis at redis://127.0.0.1:{port}/0 (SYNC_MCP_REDIS_URL)" in message
    assert "does not start without it" in message and "never falls back" in message
    assert "not-a-real-password" not in message


async def test_a_server_built_for_redis_does_not_start_without_it(api: SandboxServer) -> None:
    settings = make_settings(api, SYNC_MCP_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StateBackendError, match="cannot reach Redis"):
        async with state_backend(settings).running():
            pass


async def test_redis_lost_while_serving_answers_retryable_errors_and_loses_nothing(
    api: SandboxServer, durable_redis: RedisProcess
) -> None:
    settings = make_settings(
        api, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET, **shared(durable_redis)
    )
    async with (
        replicas(settings) as (a, b),
        http_client(a.mcp_url, mode="auto", extensions=[TasksClient()]) as on_a,
        http_client(b.mcp_url, mode="auto", extensions=[TasksClient()]) as on_b,
    ):
        gid = await create(on_a)
        raw = await on_a.session.call_tool("get_generation", {"id": gid, "wait": True}, allow_claimed=True)
        assert isinstance(raw, CreateTaskResult)
        watched = await create(on_a)
        durable_redis.kill()

        with pytest.raises(MCPError) as caught:
            await get_task(on_b, raw.task_id)
        lost = data_of(caught.value)
        refused = error(await on_a.call_tool("lipsync", LIPSYNC))  # a new task: refused before creating anything
        delivery = await post_delivery(b.webhook_url, payload(watched), DEFAULT_WEBHOOK_SECRET)
        # What needs no shared state still works: reads and blocking waits on the API.
        read = data(await on_b.call_tool("get_generation", {"id": watched}))
        creates_during_outage = creates(api)

        durable_redis.start()
        task = await until_answered(on_b, raw.task_id)
        redelivered = await post_delivery(b.webhook_url, payload(watched), DEFAULT_WEBHOOK_SECRET)
    assert lost["errorCode"] == refused["errorCode"] == "shared_state_unavailable"
    assert lost["retryable"] is refused["retryable"] is True and lost["fix"] and refused["fix"]
    assert caught.value.error.code == -32603
    assert creates_during_outage == 2, "the refused lipsync created nothing"
    assert delivery.status_code == 503 and delivery.json()["errorCode"] == "shared_state_unavailable"
    assert delivery.headers["retry-after"]
    assert read["id"] == watched
    assert task.status == "completed", "the task created before the outage is still there"
    assert redelivered.json() == {"received": True, "duplicate": False}, "the refused delivery was not taken"


async def test_killing_and_restarting_redis_loses_no_task_and_no_update(
    api: SandboxServer, durable_redis: RedisProcess
) -> None:
    settings = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, **shared(durable_redis))
    async with (
        replicas(settings) as (a, b),
        http_client(a.mcp_url, mode="auto", extensions=[TasksClient()]) as on_a,
        http_client(b.mcp_url, mode="auto", extensions=[TasksClient()]) as on_b,
        http_client(b.mcp_url, mode="auto") as plain_on_b,  # its waits block: they need no shared state
    ):
        handles: list[str] = []
        for _ in range(3):
            raw = await on_a.session.call_tool(
                "get_generation", {"id": await create(on_a), "wait": True}, allow_claimed=True
            )
            assert isinstance(raw, CreateTaskResult)
            handles.append(raw.task_id)
        seen = await create(plain_on_b)
        with anyio.fail_after(40):
            async with on_a.listen(resource_subscriptions=[uri_of(seen)]) as subscription:
                durable_redis.kill()
                # B sees the change while Redis is down; A's subscriber hears of it once Redis is back.
                done = await plain_on_b.call_tool("get_generation", {"id": seen, "wait": True, "timeout": 20})
                durable_redis.start()
                async for event in subscription:
                    if isinstance(event, ResourceUpdated):
                        heard = event.uri
                        break
        tasks = [await until_answered(on_b, task_id) for task_id in handles]
    assert data(done)["status"] == "COMPLETED"
    assert heard == uri_of(seen)
    assert [t.status for t in tasks] == ["completed"] * 3
    assert all(t.result and t.result["structuredContent"]["status"] == "COMPLETED" for t in tasks)


async def test_during_an_outage_signed_in_users_are_told_to_retry_not_to_sign_in_again(
    api: SandboxServer, durable_redis: RedisProcess
) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = make_settings(
        api,
        SYNC_API_KEY="",
        SYNC_MCP_AUTH="oauth",
        SYNC_MCP_PUBLIC_URL=base,
        SYNC_MCP_SECRET_KEY=SECRET,
        **shared(durable_redis),
    )
    _, app = build_http_app(settings)
    async with serving(app, sock=sock), httpx.AsyncClient(timeout=30) as http:
        client, tokens = await tokens_for(http, base, TEST_KEY)
        before = await list_tools_with(http, base, tokens["access_token"])
        durable_redis.kill()
        during = await list_tools_with(http, base, tokens["access_token"])
        refresh = await http.post(
            f"{base}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            },
        )
        durable_redis.start()
        after = await list_tools_with(http, base, tokens["access_token"])
    assert before.status_code == 200
    for refused in (during, refresh):
        assert refused.status_code == 503, refused.text
        body = refused.json()
        assert body["error"] == "temporarily_unavailable" and body["errorCode"] == "shared_state_unavailable"
        assert body["retryable"] is True and body["fix"] and refused.headers["retry-after"]
    assert after.status_code == 200, "the same token works again: nobody had to sign in again"
