"""The tasks extension (`io.modelcontextprotocol/tasks`): long waits as tasks for clients that declare it.

Tasks exist on the 2026-07-28 wire only; handshake-era clients and clients without the extension get the
ordinary blocking tool, which is checked here too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from mcp import Client, MCPError
from mcp.client import ClaimContext, ClientExtension, ResultClaim
from mcp.types import INVALID_PARAMS, CallToolResult, EmptyResult, Request

from sync_mcp.backend import RedisStore
from sync_mcp.backend.shared_tasks import SharedTaskStore
from sync_mcp.backend.task_handles import MAX_TASKS_PER_CALLER, Owner, TaskExpiredError, TaskLimitReached, TaskStore
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.server.tasks import TASKS_EXTENSION, CreateTaskResult, DetailedTask, TaskIdParams

from ..conftest import AUDIO, BASIC, TEST_KEY, VIDEO, error, make_settings, sent
from ..http_support import TOKEN, http_client, http_server
from ..redis_support import RedisProcess, redis_binary

pytestmark = pytest.mark.anyio

POLL_SECONDS = 0.05  # the test client polls faster than the suggested interval to stay quick


class GetTaskRequest(Request[TaskIdParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: TaskIdParams


class CancelTaskRequest(Request[TaskIdParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: TaskIdParams


class TasksClient(ClientExtension):
    """A client that declares the extension and resolves tasks by polling `tasks/get`."""

    identifier = TASKS_EXTENSION

    def __init__(self) -> None:
        self.created: list[CreateTaskResult] = []
        self.polled: list[DetailedTask] = []

    def claims(self) -> Sequence[ResultClaim[Any]]:
        return [ResultClaim(result_type="task", model=CreateTaskResult, resolve=self._poll)]

    async def _poll(self, created: CreateTaskResult, ctx: ClaimContext) -> CallToolResult:
        self.created.append(created)
        with anyio.fail_after(20):
            while True:
                await anyio.sleep(POLL_SECONDS)
                task = await ctx.session.send_request(
                    GetTaskRequest(params=TaskIdParams(task_id=created.task_id)), DetailedTask
                )
                self.polled.append(task)
                if task.status == "completed":
                    return CallToolResult.model_validate(task.result)
                if task.status != "working":
                    raise AssertionError(f"unexpected task status {task.status}")


async def get_task(client: Client, task_id: str) -> DetailedTask:
    return await client.session.send_request(GetTaskRequest(params=TaskIdParams(task_id=task_id)), DetailedTask)


async def create(client: Client, body: dict[str, Any] = BASIC) -> str:
    result = await client.call_tool("create_generation", body)
    assert not result.is_error and isinstance(result.structured_content, dict), result.content
    return str(result.structured_content["id"])


async def test_server_advertises_the_extension(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api))) as client:
        assert TASKS_EXTENSION in (client.server_capabilities.extensions or {})


async def test_a_wait_runs_as_a_task_polled_to_completion(api: SandboxServer) -> None:
    tasks = TasksClient()
    async with Client(build_server(make_settings(api)), extensions=[tasks]) as client:
        gid = await create(client)
        result = await client.call_tool("get_generation", {"id": gid, "wait": True})
        plain = await client.call_tool("get_generation", {"id": gid})
    [created] = tasks.created
    assert created.status == "working"
    assert gid in (created.status_message or "")
    assert len(created.task_id) >= 32
    assert created.ttl_ms == 24 * 3600 * 1000
    assert created.poll_interval_ms and created.poll_interval_ms > 0
    working = [t for t in tasks.polled if t.status == "working"]
    assert all(t.status_message and gid in t.status_message for t in working)
    assert {m for t in working for m in ("PENDING", "PROCESSING") if m in (t.status_message or "")}
    final = tasks.polled[-1]
    assert final.status == "completed" and final.result is not None
    assert not result.is_error
    assert result.structured_content == {**(plain.structured_content or {}), "waitTimedOut": False}, (
        "the task's result is what the blocking wait returns"
    )
    assert result.structured_content and result.structured_content["status"] == "COMPLETED"
    assert [c.type for c in result.content] == ["text", "resource_link"]


async def test_a_failed_generation_is_a_completed_task_whose_result_says_why(api: SandboxServer) -> None:
    failing = json.loads(json.dumps(BASIC))
    failing["input"][1]["url"] += "?sandbox_fail=generation_input_audio_invalid"
    tasks = TasksClient()
    async with Client(build_server(make_settings(api)), extensions=[tasks]) as client:
        gid = await create(client, failing)
        result = await client.call_tool("get_generation", {"id": gid, "wait": True})
    assert tasks.polled[-1].status == "completed", "failed is only for protocol errors"
    assert result.structured_content and result.structured_content["status"] == "FAILED"
    assert result.structured_content["errorCode"] == "generation_input_audio_invalid"
    assert result.structured_content["fix"]


async def test_cancel_stops_following_but_not_the_generation(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api)), extensions=[TasksClient()]) as client:
        gid = await create(client)
        raw = await client.session.call_tool("get_generation", {"id": gid, "wait": True}, allow_claimed=True)
        assert isinstance(raw, CreateTaskResult)
        ack = await client.session.send_request(
            CancelTaskRequest(params=TaskIdParams(task_id=raw.task_id)), EmptyResult
        )
        assert isinstance(ack, EmptyResult)
        cancelled = await get_task(client, raw.task_id)
        assert cancelled.status == "cancelled"
        assert "NOT cancelled" in (cancelled.status_message or "") and gid in (cancelled.status_message or "")
        assert cancelled.result is None
        # The job itself runs on and completes; the task stays cancelled (terminal states never change).
        with anyio.fail_after(20):
            done = await client.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 15})
        assert done.structured_content and done.structured_content["status"] == "COMPLETED"
        assert (await get_task(client, raw.task_id)).status == "cancelled"
    assert not [r for r in sent(api) if r.method == "DELETE"]


async def test_unknown_task_id_is_invalid_params_and_cancel_is_acknowledged(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api)), extensions=[TasksClient()]) as client:
        with pytest.raises(MCPError) as caught:
            await get_task(client, "no-such-task")
        assert caught.value.error.code == INVALID_PARAMS
        assert "not found" in caught.value.error.message
        ack = await client.session.send_request(
            CancelTaskRequest(params=TaskIdParams(task_id="no-such-task")), EmptyResult
        )
        assert isinstance(ack, EmptyResult)


async def test_task_ids_are_unguessable_and_distinct(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api)), extensions=[TasksClient()]) as client:
        gid = await create(client)
        ids = set()
        for _ in range(3):
            raw = await client.session.call_tool("get_generation", {"id": gid, "wait": True}, allow_claimed=True)
            assert isinstance(raw, CreateTaskResult)
            ids.add(raw.task_id)
    assert len(ids) == 3
    assert all(len(i) >= 32 and gid not in i for i in ids)


async def test_no_task_when_there_is_nothing_to_wait_for(api: SandboxServer) -> None:
    tasks = TasksClient()
    async with Client(build_server(make_settings(api)), extensions=[tasks]) as client:
        gid = await create(client)
        quick = await client.call_tool("get_generation", {"id": gid})  # wait=false: never a task
        assert tasks.created == []
        assert quick.structured_content and quick.structured_content["status"] in ("PENDING", "PROCESSING")
        await client.call_tool("get_generation", {"id": gid, "wait": True})  # a task, polled to the end
        assert len(tasks.created) == 1
        done = await client.call_tool("get_generation", {"id": gid, "wait": True})  # already terminal
    assert len(tasks.created) == 1, "a finished generation is answered at once, without a task"
    assert done.structured_content and done.structured_content["status"] == "COMPLETED"


async def test_invalid_arguments_are_refused_without_a_task_or_a_request(api: SandboxServer) -> None:
    tasks = TasksClient()
    async with Client(build_server(make_settings(api)), extensions=[tasks]) as client:
        result = await client.call_tool("get_generation", {"id": "", "wait": True})
    assert result.is_error and tasks.created == []
    assert error(result)["field"] == "id"
    assert sent(api) == []


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_clients_without_the_extension_get_the_blocking_wait(api: SandboxServer, mode: str) -> None:
    async with Client(build_server(make_settings(api)), mode=mode) as client:  # type: ignore[arg-type]
        gid = await create(client)
        with anyio.fail_after(20):
            result = await client.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 15})
    assert result.structured_content and result.structured_content["status"] == "COMPLETED"
    assert result.structured_content["waitTimedOut"] is False


async def test_tasks_methods_do_not_exist_on_the_handshake_era(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api)), mode="legacy") as client:
        with pytest.raises(MCPError) as caught:
            await get_task(client, "anything")
    assert caught.value.error.code == -32601  # method not found


def test_handles_expire_after_their_ttl() -> None:
    now = [1000.0]
    store = TaskStore(ttl_seconds=60, clock=lambda: now[0])
    task_id = store.create("gen-1", "get_generation", (None, None))
    assert store.find(task_id) is not None
    now[0] += 59.9
    assert store.find(task_id) is not None
    now[0] += 0.2
    with pytest.raises(TaskExpiredError):
        store.find(task_id)
    assert store.find(task_id) is None  # forgotten once expired
    fresh = store.create("gen-2", "get_generation", (None, None))
    now[0] += 61
    store.create("gen-3", "get_generation", (None, None))  # creating purges expired handles
    assert store.find(fresh) is None


OTHER_KEY = "sk-test-SYNCMCP-second-user-9d41b7"


async def test_over_http_a_task_answers_only_to_the_user_who_made_it(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "extra_api_keys", (OTHER_KEY,))
    settings = make_settings(api, SYNC_API_KEY="", SYNC_MCP_HTTP_TOKEN=TOKEN)
    async with http_server(settings) as srv:
        async with http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY, extensions=[TasksClient()]) as alice:
            gid = await create(alice)
            raw = await alice.session.call_tool("get_generation", {"id": gid, "wait": True}, allow_claimed=True)
            assert isinstance(raw, CreateTaskResult)
            async with http_client(srv.mcp_url, mode="auto", api_key=OTHER_KEY, extensions=[TasksClient()]) as bob:
                with pytest.raises(MCPError) as caught:
                    await get_task(bob, raw.task_id)
                assert caught.value.error.code == INVALID_PARAMS
                await bob.session.send_request(CancelTaskRequest(params=TaskIdParams(task_id=raw.task_id)), EmptyResult)
            task = await get_task(alice, raw.task_id)
            assert task.status in ("working", "completed"), "another user's cancel changes nothing"
            with anyio.fail_after(20):
                while task.status == "working":
                    await anyio.sleep(POLL_SECONDS)
                    task = await get_task(alice, raw.task_id)
    assert task.status == "completed"
    assert task.result and task.result["structuredContent"]["status"] == "COMPLETED"


LIPSYNC = {"video": VIDEO, "audio": AUDIO}


async def test_lipsync_creates_once_then_runs_as_a_task(api: SandboxServer) -> None:
    tasks = TasksClient()
    async with Client(build_server(make_settings(api)), extensions=[tasks]) as client:
        as_task = await client.call_tool("lipsync", LIPSYNC)
    async with Client(build_server(make_settings(api))) as client:
        with anyio.fail_after(30):
            blocking = await client.call_tool("lipsync", LIPSYNC)
    assert len(tasks.created) == 1
    task_result, plain = as_task.structured_content, blocking.structured_content
    assert isinstance(task_result, dict) and isinstance(plain, dict)
    assert task_result["status"] == plain["status"] == "COMPLETED"
    assert task_result["id"] in (tasks.created[0].status_message or "")
    assert set(task_result) == set(plain), "the task ends with what the blocking call returns"
    assert task_result["idempotencyKey"] and task_result["waitTimedOut"] is False
    creates = [r for r in sent(api, "/v2/generate") if r.method == "POST"]
    assert len(creates) == 2, "one create per lipsync call, the task's included"


@pytest.mark.parametrize("extra", [{"wait": False}, {"download": True}])
async def test_lipsync_without_a_wait_to_hand_over_is_not_a_task(
    api: SandboxServer, tmp_path: Any, extra: dict[str, Any]
) -> None:
    tasks = TasksClient()
    settings = make_settings(api, SYNC_MCP_OUTPUT_DIR=str(tmp_path))
    async with Client(build_server(settings), extensions=[tasks]) as client:
        with anyio.fail_after(30):
            result = await client.call_tool("lipsync", {**LIPSYNC, **extra})
    assert not result.is_error, result.content
    assert tasks.created == []


def test_one_callers_flood_of_tasks_never_drops_another_callers_handle() -> None:
    store = TaskStore()
    alice: Owner = (("client-a", "sync-key:alice", None), None)
    bob: Owner = (("client-b", "sync-key:bob", None), None)
    bobs = store.create("gen-bob", "get_generation", bob)
    alices = [store.create(f"gen-{n}", "get_generation", alice) for n in range(10_050)]
    assert store.find(bobs) is not None, "another caller's handle survives"
    assert store.find(alices[-1]) is not None
    assert store.find(alices[0]) is None, "the flooding caller's own oldest handles made room"
    kept = sum(store.find(t) is not None for t in alices)
    assert kept == MAX_TASKS_PER_CALLER


async def test_in_redis_a_caller_past_the_cap_gets_no_new_handle_and_others_still_do(tmp_path: Path) -> None:
    server = RedisProcess(redis_binary(), tmp_path)
    server.start()
    redis = RedisStore(server.url, namespace="sync-mcp-test", secret="test-secret-for-owner-digests-0123456789")
    await redis.start()
    try:
        store = SharedTaskStore(redis, max_per_caller=3)
        alice = store.seal_owner((("client-a", "sync-key:alice", None), "alice-key-digest"))
        bob = store.seal_owner((("client-b", "sync-key:bob", None), "bob-key-digest"))
        opened = [
            await store.open(f"gen-{n}", "get_generation", alice, carried={}, status_message="") for n in range(3)
        ]
        with pytest.raises(TaskLimitReached):
            await store.open("gen-3", "get_generation", alice, carried={}, status_message="")
        bobs, _ = await store.open("gen-b", "get_generation", bob, carried={}, status_message="")
        kept = [await store.load(task_id) for task_id, _ in opened]
        entries = server.entries()
    finally:
        await redis.stop()
        server.stop()
    assert all(handle is not None for handle in kept), "alice's own handles are not evicted either"
    assert bobs
    assert not [key for key in entries if "alice-key-digest" in key or "alice-key-digest" in entries[key][0]]
