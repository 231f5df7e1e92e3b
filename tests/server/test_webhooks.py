"""Webhooks (reference §12) in HTTP mode: verified deliveries end waits and update the generation resource;
bad signatures, stale timestamps and replays change nothing; the sandbox delivers end to end."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.subscriptions import ResourceUpdated
from mcp.types import CallToolResult, ResourceUpdatedNotification

from sync_mcp.api.webhooks import signature_header
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.config import DEFAULT_WEBHOOK_SECRET
from sync_mcp.sandbox.webhooks import webhook_outbox
from sync_mcp.server import build_server

from ..conftest import make_settings, sent
from ..http_support import TOKEN, HttpServer, http_client, http_server, post_delivery

pytestmark = pytest.mark.anyio

VIDEO = {"type": "video", "url": "https://media.example.com/talk.mp4"}
AUDIO = {"type": "audio", "url": "https://media.example.com/voice.wav"}
DELIVERED_URL = "https://cdn.example.com/delivered/output.mp4"


def payload(generation_id: str, status: str = "COMPLETED", **fields: Any) -> bytes:
    """A "Generation Status Update" as the API sends it (snake_case error_code)."""
    body = {"id": generation_id, "status": status, "model": "lipsync-2", "createdAt": "2026-11-24T00:00:00.000Z"}
    if status == "COMPLETED":
        body |= {"outputUrl": DELIVERED_URL, "outputDuration": 5.0}
    return json.dumps(body | fields).encode()


@pytest.fixture
async def srv(api: SandboxServer) -> AsyncIterator[HttpServer]:
    settings = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET)
    async with http_server(settings) as server:
        yield server


@pytest.fixture
def slow_jobs(api: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs that stay PROCESSING far longer than any test: only a webhook can end a wait early."""
    monkeypatch.setattr(api.config, "processing_seconds", 120.0)


async def create(client: Client, **extra: Any) -> str:
    result = await client.call_tool("create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO], **extra})
    assert not result.is_error, result.structured_content
    return str(result.structured_content["id"])


async def long_polled(api: SandboxServer, generation_id: str) -> None:
    """Until the sandbox has received the wait's first long-poll for this generation."""
    with anyio.fail_after(10):
        while not any(r.path.endswith(generation_id) and "wait=true" in r.query for r in sent(api)):  # noqa: ASYNC110
            await anyio.sleep(0.02)


async def wait_while(
    api: SandboxServer, client: Client, generation_id: str, deliver: Callable[[], Awaitable[None]]
) -> CallToolResult:
    """Start a wait on the generation and, once its first long-poll reached the sandbox, run `deliver`; returns
    the wait's result."""
    result: CallToolResult | None = None

    async def waiting() -> None:
        nonlocal result
        result = await client.call_tool("get_generation", {"id": generation_id, "wait": True, "timeout": 50})

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(waiting)
            await long_polled(api, generation_id)
            await deliver()
    assert result is not None
    return result


async def wait_with_deliveries(
    api: SandboxServer, srv: HttpServer, mode: str, deliveries: list[tuple[bytes, dict[str, Any]]]
) -> tuple[CallToolResult, list[int], str]:
    """Start a wait on a new (slow) generation, then POST each (body, options) delivery; returns the wait's
    result, the receiver's reply statuses, and the generation id. `body` may contain `{id}`."""
    statuses: list[int] = []
    async with http_client(srv.mcp_url, mode=mode) as client:
        generation_id = await create(client)

        async def deliver() -> None:
            for body, options in deliveries:
                reply = await post_delivery(
                    srv.webhook_url,
                    body.replace(b"{id}", generation_id.encode()),
                    DEFAULT_WEBHOOK_SECRET,
                    **options,
                )
                statuses.append(reply.status_code)

        result = await wait_while(api, client, generation_id, deliver)
    return result, statuses, generation_id


async def test_a_verified_delivery_ends_a_wait_without_polling(
    api: SandboxServer, srv: HttpServer, mode: str, slow_jobs: None
) -> None:
    result, statuses, generation_id = await wait_with_deliveries(api, srv, mode, [(payload("{id}"), {})])
    assert statuses == [200]
    assert not result.is_error
    assert result.structured_content["status"] == "COMPLETED"
    assert result.structured_content["outputUrl"] == DELIVERED_URL
    record = api.state.get(generation_id)
    assert record is not None and record.status_at(api.state.now()) in ("PENDING", "PROCESSING")  # not yet done


async def test_refused_deliveries_change_nothing(
    api: SandboxServer, srv: HttpServer, mode: str, slow_jobs: None
) -> None:
    failed = payload("{id}", "FAILED", error="boom", error_code="generation_pipeline_failed")
    stale = int(time.time()) - 600
    result, statuses, _ = await wait_with_deliveries(
        api,
        srv,
        mode,
        [
            (failed, {"signature": "t=1,v1=" + "0" * 64}),  # forged signature
            (failed, {"signature": "v1=abc"}),  # malformed header
            (failed, {"signature": ""}),  # no signature
            (failed, {"timestamp": stale}),  # correctly signed, but too old (a replay)
            (payload("{id}"), {}),  # the genuine delivery
        ],
    )
    assert statuses == [401, 400, 400, 401, 200]
    assert result.structured_content["status"] == "COMPLETED"  # none of the FAILED ones was taken


async def test_a_body_changed_after_signing_is_refused(api: SandboxServer, srv: HttpServer) -> None:
    body = payload("00000000-0000-4000-8000-000000000001")
    header = signature_header(DEFAULT_WEBHOOK_SECRET, body)
    tampered = await post_delivery(srv.webhook_url, body.replace(b"COMPLETED", b"FAILED"), "", signature=header)
    wrong_secret = await post_delivery(srv.webhook_url, body, "whsec_someone-else")
    assert (tampered.status_code, wrong_secret.status_code) == (401, 401)
    assert srv.server.deliveries.delivered("00000000-0000-4000-8000-000000000001") is None


async def test_a_replayed_delivery_is_acknowledged_once(api: SandboxServer, srv: HttpServer) -> None:
    body = payload("00000000-0000-4000-8000-000000000002")
    first = await post_delivery(srv.webhook_url, body, DEFAULT_WEBHOOK_SECRET)
    again = await post_delivery(srv.webhook_url, body, DEFAULT_WEBHOOK_SECRET)
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)


async def test_a_failed_delivery_carries_its_error_code_and_fix(
    api: SandboxServer, srv: HttpServer, mode: str, slow_jobs: None
) -> None:
    failed = payload(
        "{id}", "FAILED", error="The video could not be downloaded.", error_code="generation_input_video_inaccessible"
    )
    result, statuses, _ = await wait_with_deliveries(api, srv, mode, [(failed, {})])
    content = result.structured_content
    assert statuses == [200]
    assert (content["status"], content["errorCode"]) == ("FAILED", "generation_input_video_inaccessible")
    assert content["fix"] and content["retryable"] is False


async def test_the_sandbox_delivers_and_the_resource_updates(api: SandboxServer, srv: HttpServer) -> None:
    """2026-07-28: a `subscriptions/listen` watcher hears of the completion though nothing polls the job."""
    async with http_client(srv.mcp_url, mode="auto") as client:
        generation_id = await create(client, webhookUrl=srv.webhook_url)
        uri = f"sync://generations/{generation_id}"
        with anyio.fail_after(20):
            async with client.listen(resource_subscriptions=[uri]) as subscription:
                async for event in subscription:
                    if isinstance(event, ResourceUpdated) and event.uri == uri:
                        break
    outbox = webhook_outbox(api.state)
    with anyio.fail_after(5):  # the sandbox logs the attempt once the receiver's reply is in
        while not outbox.deliveries:  # noqa: ASYNC110
            await anyio.sleep(0.01)
    deliveries = outbox.deliveries
    assert [(d.generation_id, d.status, d.http_status) for d in deliveries] == [(generation_id, "COMPLETED", 200)]
    # The update came from the webhook, not a poll: the one read is the subscription's access check, made
    # before the stream opened (a long-poll would carry wait=true).
    reads = [r for r in sent(api) if r.method == "GET"]
    assert [(r.path, r.query) for r in reads] == [(f"/v2/generate/{generation_id}", "")]
    assert srv.server.deliveries.delivered(generation_id) is not None


@pytest.mark.filterwarnings("ignore:resources/subscribe is removed")  # the handshake era is what is tested
async def test_a_delivery_updates_the_resource_for_legacy_subscribers(api: SandboxServer, srv: HttpServer) -> None:
    """Handshake era: a `resources/subscribe` subscriber of the same server hears of the delivery."""
    updated = anyio.Event()
    uri = ""

    async def on_message(message: Any) -> None:
        if isinstance(message, ResourceUpdatedNotification) and str(message.params.uri) == uri:
            updated.set()

    async with Client(srv.server, mode="legacy", message_handler=on_message) as client:
        generation_id = await create(client)  # subscriptions are to generations the key can read
        uri = f"sync://generations/{generation_id}"
        await client.session.subscribe_resource(uri)
        reply = await post_delivery(srv.webhook_url, payload(generation_id), DEFAULT_WEBHOOK_SECRET)
        with anyio.fail_after(10):
            await updated.wait()
    assert reply.status_code == 200


async def test_creates_carry_the_public_webhook_url(api: SandboxServer, mode: str) -> None:
    public = make_settings(
        api, SYNC_MCP_PUBLIC_URL="https://mcp.example.invalid", SYNC_MCP_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET
    )
    plain_http = make_settings(
        api, SYNC_MCP_PUBLIC_URL="http://mcp.example.invalid", SYNC_MCP_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET
    )
    async with Client(build_server(public), mode=mode) as client:  # type: ignore[arg-type]
        await create(client)
        await create(client, webhookUrl="https://hooks.example.com/mine")
    async with Client(build_server(plain_http), mode=mode) as client:  # type: ignore[arg-type]
        await create(client)
    bodies = [r.body for r in sent(api) if r.method == "POST"]
    assert [b.get("webhookUrl") for b in bodies] == [
        "https://mcp.example.invalid/webhooks/sync",  # a public https receiver is used by default
        "https://hooks.example.com/mine",  # the caller's own choice is kept
        None,  # not publicly reachable over https: polling only
    ]
