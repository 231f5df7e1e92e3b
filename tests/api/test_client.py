"""SyncClient's one request path: error bodies, auth header placement, retries, secrecy."""

from __future__ import annotations

import httpx
import pytest

from sync_mcp.api import (
    APIStatusError,
    CreateGenerationRequest,
    MissingAPIKeyError,
    NotSentError,
    RetryPolicy,
    SyncAPIError,
    SyncClient,
    TransportError,
)
from sync_mcp.api.errors import UnreadableReplyError
from sync_mcp.api.retries import parse_retry_after
from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, budget=5)
GEN = {"id": "3f9b2a4e-8d1c-4e6f-9a2b-1c3d5e7f9a0b", "status": "PENDING", "model": "lipsync-2"}


def scripted(*replies: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return httpx.MockTransport(handler), seen


async def test_error_body_without_error_code_is_parsed(api: SandboxServer) -> None:
    async with SyncClient("wrong-key", base_url=api.base_url) as client:
        with pytest.raises(SyncAPIError) as caught:
            await client.generations.list(limit=1)
    err = caught.value
    assert err.http_status == 401 and err.error_code is None and err.message == "Unauthorized"


async def test_message_lists_are_joined_and_fields_kept() -> None:
    body = {"statusCode": 400, "message": ["model must be one of ...", "input should not be empty"],
            "errorCode": "generation_input_validation_failed", "field": "input", "requestId": "req-1"}  # fmt: skip
    transport, _ = scripted(httpx.Response(400, json=body))
    async with SyncClient(TEST_KEY, base_url="https://api.test", transport=transport) as client:
        with pytest.raises(SyncAPIError) as caught:
            await client.generations.get(GEN["id"])
    err = caught.value
    assert err.message == "model must be one of ...; input should not be empty"
    assert (err.error_code, err.field, err.request_id) == ("generation_input_validation_failed", "input", "req-1")


async def test_key_only_on_authenticated_calls_and_never_in_repr_or_errors() -> None:
    sent_keys: list[str | None] = []  # as each request went out (an error then drops the key from its request)

    def handler(request: httpx.Request) -> httpx.Response:
        sent_keys.append(request.headers.get("x-api-key"))
        return httpx.Response(500, json={"statusCode": 500, "message": "boom"})

    transport = httpx.MockTransport(handler)
    async with SyncClient(TEST_KEY, base_url="https://api.test", transport=transport, retry=FAST) as client:
        assert TEST_KEY not in repr(client)
        with pytest.raises(SyncAPIError) as caught:
            await client.generations.get(GEN["id"])
        with pytest.raises(SyncAPIError):
            await client.error_codes.list()
    assert TEST_KEY not in str(caught.value) and TEST_KEY not in repr(caught.value)
    assert sent_keys[0] == TEST_KEY
    assert sent_keys[-1] is None, "GET /v2/errors must be sent without the key"
    assert TEST_KEY not in repr(vars(caught.value)) and "x-api-key" not in caught.value.request.headers


async def test_get_retries_transient_failures_then_succeeds() -> None:
    transport, seen = scripted(
        httpx.Response(503, json={"statusCode": 503, "message": "busy"}),
        httpx.Response(429, json={"statusCode": 429, "errorCode": "rate_limit_exceeded"}, headers={"Retry-After": "0"}),
        httpx.Response(200, json=GEN),
    )
    async with SyncClient(TEST_KEY, base_url="https://api.test", transport=transport, retry=FAST) as client:
        generation = await client.generations.get(GEN["id"])
    assert generation.status == "PENDING" and len(seen) == 3


async def test_concurrency_limit_is_not_retried() -> None:
    body = {"statusCode": 429, "errorCode": "concurrency_limit_reached", "activeGenerations": 3, "concurrencyLimit": 3}
    transport, seen = scripted(httpx.Response(429, json=body))
    async with SyncClient(TEST_KEY, base_url="https://api.test", transport=transport, retry=FAST) as client:
        with pytest.raises(SyncAPIError) as caught:
            await client.generations.get(GEN["id"])
    assert len(seen) == 1 and caught.value.body["activeGenerations"] == 3


async def test_post_without_idempotency_key_is_never_retried() -> None:
    transport, seen = scripted(httpx.Response(503, json={"statusCode": 503, "message": "busy"}))
    async with SyncClient(TEST_KEY, base_url="https://api.test", transport=transport, retry=FAST) as client:
        with pytest.raises(SyncAPIError):
            await client.request("POST", "/v2/tts", json={"script": "hi"})
    assert len(seen) == 1


def test_retry_after_in_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# ------------------------------------------------------------------ the exception tree: each kind with what it knows


async def test_an_error_reply_carries_the_request_and_the_reply_it_answers() -> None:
    body = {"statusCode": 503, "message": "busy", "requestId": "req-9"}
    transport, seen = scripted(httpx.Response(503, json=body))
    async with SyncClient(TEST_KEY, base_url="https://api.test", transport=transport, retry=FAST) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.generations.get(GEN["id"])
    err = caught.value
    assert err.request is seen[-1] and err.response is not None and err.response.status_code == 503
    assert (err.method, err.path, err.attempts) == ("GET", f"/v2/generate/{GEN['id']}", len(seen))
    assert (err.http_status, err.request_id, err.idempotency_key) == (503, "req-9", None)
    assert "x-api-key" not in err.request.headers and TEST_KEY not in repr(vars(err)), "the error holds no key"


async def test_no_reply_is_a_transport_error_carrying_the_request_that_went_unanswered() -> None:
    seen: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    video = {"type": "video", "url": "https://media.test/v.mp4"}
    audio = {"type": "audio", "url": "https://media.test/a.wav"}
    request = CreateGenerationRequest.model_validate({"model": "lipsync-2", "input": [video, audio]})
    async with SyncClient(
        TEST_KEY, base_url="https://api.test", transport=httpx.MockTransport(refuse), retry=FAST
    ) as client:
        with pytest.raises(TransportError) as caught:
            await client.generations.create(request, idempotency_key="key-1")
    err = caught.value
    assert err.request is seen[-1] and err.response is None and err.attempts == len(seen) == FAST.max_attempts
    assert (err.method, err.path, err.idempotency_key) == ("POST", "/v2/generate", "key-1")
    assert err.outcome_unknown and err.error_code == "network_error" and err.http_status is None


async def test_refused_before_sending_sends_nothing_and_carries_no_request() -> None:
    transport, seen = scripted(httpx.Response(200, json=GEN))
    async with SyncClient(None, base_url="https://api.test", transport=transport) as client:
        with pytest.raises(NotSentError) as caught:
            await client.generations.get(GEN["id"])
    assert isinstance(caught.value, MissingAPIKeyError) and isinstance(caught.value, SyncAPIError)
    assert seen == [] and caught.value.request is None and caught.value.response is None


async def test_an_unreadable_reply_names_the_request_it_answered() -> None:
    transport, seen = scripted(httpx.Response(200, json={"id": GEN["id"], "status": 7}))
    async with SyncClient(TEST_KEY, base_url="https://api.test", transport=transport) as client:
        with pytest.raises(UnreadableReplyError) as caught:
            await client.generations.get(GEN["id"])
    err = caught.value
    assert err.request is seen[0] and err.response is not None and err.http_status == 200
    assert (err.method, err.path, err.reply_id) == ("GET", f"/v2/generate/{GEN['id']}", GEN["id"])
