"""Asynchronous text-to-speech (POST /v2/tts/jobs with an Idempotency-Key, GET /v2/tts/jobs/{id}) through a real
MCP client against the sandbox."""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import TEST_KEY, data, error, make_settings, sent

pytestmark = pytest.mark.anyio

SPEECH = {"voiceId": "eleven-raw-voice", "script": "Welcome to the launch."}


def job_posts(api: SandboxServer) -> list:
    return [r for r in sent(api, "/v2/tts/jobs") if r.method == "POST"]


async def test_a_job_is_queued_with_a_key_and_followed_to_its_audio(client: Client, api: SandboxServer) -> None:
    api.config.speech_job_seconds = 0.3
    try:
        job = data(await client.call_tool("create_speech_job", SPEECH))
        assert job["status"] == "PENDING" and job["idempotencyKey"] and "get_speech_job" in job["nextStep"]
        [post] = job_posts(api)
        assert post.idempotency_key == job["idempotencyKey"]
        assert post.body == {**SPEECH, "provider": "elevenlabs"}
        done = job
        for _ in range(200):  # the sandbox completes it after speech_job_seconds
            await anyio.sleep(0.05)
            done = data(await client.call_tool("get_speech_job", {"id": job["id"]}))
            if done["status"] == "COMPLETED":
                break
        assert done["status"] == "COMPLETED" and done["duration"] > 0
        assert done["url"] in done["nextStep"] and "create_generation" in done["nextStep"]
        audio = httpx.get(done["url"])
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    finally:
        api.config.speech_job_seconds = 1.0


async def test_repeating_with_the_key_returns_the_same_job(client: Client, api: SandboxServer) -> None:
    first = data(await client.call_tool("create_speech_job", {**SPEECH, "idempotencyKey": "launch-line-1"}))
    again = data(await client.call_tool("create_speech_job", {**SPEECH, "idempotencyKey": "launch-line-1"}))
    assert again["id"] == first["id"]
    other = error(
        await client.call_tool("create_speech_job", {**SPEECH, "script": "Other.", "idempotencyKey": "launch-line-1"})
    )
    assert other["httpStatus"] == 409


async def test_a_lost_answer_is_retried_with_the_same_key(api: SandboxServer) -> None:
    api.state.script_fault(status=503, method="POST", path="/v2/tts/jobs", after_handling=True)
    async with Client(build_server(make_settings(api, SYNC_MCP_RETRY_BASE_DELAY="0.01"))) as c:
        job = data(await c.call_tool("create_speech_job", SPEECH))
    posts = job_posts(api)
    assert len(posts) == 2 and posts[0].idempotency_key == posts[1].idempotency_key == job["idempotencyKey"]
    assert len(api.state.stores["speech"].jobs) == 1, "the retry replayed the first job"


async def test_an_organisation_without_async_tts_is_told_to_use_create_speech(api: SandboxServer) -> None:
    api.config.tts_jobs_enabled = False
    try:
        async with Client(build_server(make_settings(api, SYNC_MCP_MAX_RETRIES="0"))) as c:
            failure = error(await c.call_tool("create_speech_job", SPEECH))
    finally:
        api.config.tts_jobs_enabled = True
    assert failure["httpStatus"] == 503 and "create_speech" in failure["fix"]
    assert TEST_KEY not in str(failure)


async def test_bad_input_is_refused_before_sending(client: Client, api: SandboxServer) -> None:
    assert (await client.call_tool("create_speech_job", {"voiceId": "v", "script": ""})).is_error
    assert (await client.call_tool("create_speech_job", {**SPEECH, "idempotencyKey": "has space"})).is_error
    assert error(await client.call_tool("get_speech_job", {"id": "../tts"}))["field"] == "id"
    assert sent(api, "/v2/tts") == []


async def test_an_unknown_job_is_404(client: Client) -> None:
    failure = error(await client.call_tool("get_speech_job", {"id": "b7f1d2c4-0000-4000-8000-000000000000"}))
    assert failure["httpStatus"] == 404
