"""The fault suite: what an agent gets when the network or the API misbehaves.

Each endpoint family in use (create, get, wait, list, catalog) meets each fault the sandbox can script
(429 with Retry-After, 408/500/502/503/504, dropped connections, replies slower than the timeout, replayed
and conflicting idempotency keys, IDEMPOTENCY_OUTCOME_UNKNOWN with and without a generationId, a create
accepted but its answer lost) through a real MCP client. Every test checks the final result, the number of
requests the sandbox received, the Idempotency-Key reuse and, for creates, that exactly one generation
exists afterwards. Retries use a fast policy (SYNC_MCP_RETRY_BASE_DELAY) so the suite stays quick.
"""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
import pytest
from mcp import Client

from sync_mcp.api import RetryPolicy
from sync_mcp.api.retries import parse_retry_after
from sync_mcp.guidance.catalog import is_retryable
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.state import RecordedRequest
from sync_mcp.server import build_server

from ..conftest import AUDIO, BASIC, CATALOG, VIDEO, data, make_settings, sent

pytestmark = pytest.mark.anyio

OTHER = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO + "?v=2"}]}
FAST = {"SYNC_MCP_MAX_RETRIES": 3, "SYNC_MCP_RETRY_BASE_DELAY": 0.01, "SYNC_MCP_RETRY_BUDGET": 10}
ATTEMPTS = FAST["SYNC_MCP_MAX_RETRIES"] + 1
CREATE = "/v2/generate"
TRANSIENT = [408, 500, 502, 503, 504]


def connect(api: SandboxServer, mode: str, **env: Any) -> Client:
    return Client(build_server(make_settings(api, **{**FAST, **env})), mode=mode)  # type: ignore[arg-type]


def creates(api: SandboxServer) -> list[RecordedRequest]:
    return [r for r in sent(api, CREATE) if r.method == "POST" and r.path == CREATE]


def reads(api: SandboxServer, path: str) -> list[RecordedRequest]:
    return [r for r in sent(api, path) if r.method == "GET"]


def only_generation(api: SandboxServer) -> str:
    assert api.state.generation_count() == 1, "exactly one generation must exist"
    return api.state.all_generations()[0].id


def assert_one_key_one_body(requests: list[RecordedRequest], key: str) -> None:
    assert [r.idempotency_key for r in requests] == [key] * len(requests), "every attempt reuses the same key"
    assert all(r.body == requests[0].body for r in requests), "every attempt sends the same body"


async def created(client: Client) -> str:
    result = await client.call_tool("create_generation", BASIC)
    assert not result.is_error, result.content
    return str(data(result)["id"])


# ----------------------------------------------------------------------------------------------- create


@pytest.mark.parametrize("status", TRANSIENT)
async def test_create_retries_transient_statuses_with_one_key(api: SandboxServer, mode: str, status: int) -> None:
    api.state.script_fault(status=status, method="POST", path=CREATE, times=2)
    async with connect(api, mode) as c:
        result = data(await c.call_tool("create_generation", BASIC))
    assert result["status"] == "PENDING" and result["id"] == only_generation(api)
    assert len(creates(api)) == 3
    assert_one_key_one_body(creates(api), result["idempotencyKey"])


# One failed attempt, then the one generation, every attempt with the same key and body. A lost answer: the API
# created the generation but its answer never arrived, so the retry gets the original generation back instead of
# paying for a second one (reference §13). An unknown outcome that names no generation is retried with the same
# key whether or not the API had accepted the create.
RETRIED_ONCE = {
    "rate-limit-after-its-retry-after": {"status": 429, "error_code": "rate_limit_exceeded", "retry_after": 0},
    "dropped-connection": {"drop": True},
    "lost-answer-drop": {"drop": True, "status": None, "after_handling": True},
    **{f"lost-answer-{status}": {"status": status, "after_handling": True} for status in (502, 503, 504)},
    **{
        f"outcome-unknown-without-an-id-{'accepted' if accepted else 'refused'}": {
            "status": 503,
            "error_code": "IDEMPOTENCY_OUTCOME_UNKNOWN",
            "after_handling": accepted,
        }
        for accepted in (False, True)
    },
}


@pytest.mark.parametrize("fault", list(RETRIED_ONCE.values()), ids=list(RETRIED_ONCE))
async def test_create_retried_once_keeps_one_key_and_one_generation(
    api: SandboxServer, mode: str, fault: dict[str, Any]
) -> None:
    api.state.script_fault(**fault, method="POST", path=CREATE)
    async with connect(api, mode) as c:
        result = data(await c.call_tool("create_generation", BASIC))
    assert result["id"] == only_generation(api)
    assert len(creates(api)) == 2
    assert_one_key_one_body(creates(api), result["idempotencyKey"])


async def test_slow_create_beyond_the_timeout_is_retried_with_one_key(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=None, delay=30, method="POST", path=CREATE)
    async with connect(api, mode, SYNC_MCP_REQUEST_TIMEOUT=0.5) as c:
        with anyio.fail_after(20):  # far below the sandbox's 30 s delay: the client did not wait it out
            result = data(await c.call_tool("create_generation", BASIC))
    assert result["id"] == only_generation(api)
    assert len(creates(api)) == 2
    assert_one_key_one_body(creates(api), result["idempotencyKey"])
    await until(lambda: creates(api)[0].disconnected)  # the abandoned attempt's connection was closed


async def test_an_agent_retry_with_the_returned_key_finds_the_lost_generation(api: SandboxServer, mode: str) -> None:
    """With retries exhausted the agent gets the key back, and calling again with it is safe."""
    api.state.script_fault(drop=True, after_handling=True, method="POST", path=CREATE)
    async with connect(api, mode, SYNC_MCP_MAX_RETRIES=0) as c:
        lost = await c.call_tool("create_generation", BASIC)
        err = data(lost)
        assert lost.is_error and err["errorCode"] == "network_error" and err["retryable"] is True
        key = err["details"]["idempotencyKey"]
        assert f'idempotencyKey "{key}"' in err["fix"] and "Do not switch keys" in err["fix"]
        found = data(await c.call_tool("create_generation", {**BASIC, "idempotencyKey": key}))
    assert found["id"] == only_generation(api)
    assert found["idempotencyKey"] == key
    assert_one_key_one_body(creates(api), key)
    assert len(creates(api)) == 2


async def test_a_replayed_key_returns_the_original_generation(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode) as c:
        first = data(await c.call_tool("create_generation", {**BASIC, "idempotencyKey": "take-7"}))
        again = data(await c.call_tool("create_generation", {**BASIC, "idempotencyKey": "take-7"}))
    assert first["id"] == again["id"] == only_generation(api)
    assert_one_key_one_body(creates(api), "take-7")
    assert len(creates(api)) == 2


async def test_a_conflicting_key_is_surfaced_and_never_switched(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode) as c:
        first = data(await c.call_tool("create_generation", {**BASIC, "idempotencyKey": "take-8"}))
        result = await c.call_tool("create_generation", {**OTHER, "idempotencyKey": "take-8"})
    err = data(result)
    assert result.is_error
    assert (err["errorCode"], err["httpStatus"], err["retryable"]) == ("IDEMPOTENCY_KEY_CONFLICT", 409, False)
    assert err["details"]["idempotencyKey"] == "take-8"
    assert "different request body" in err["fix"] and "only if a new" in err["fix"]
    assert first["id"] == only_generation(api)
    assert [r.idempotency_key for r in creates(api)] == ["take-8", "take-8"], "no request with another key"


async def test_outcome_unknown_with_a_generation_id_follows_that_generation(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(
        status=503,
        error_code="IDEMPOTENCY_OUTCOME_UNKNOWN",
        after_handling=True,
        report_generation_id=True,
        method="POST",
        path=CREATE,
    )
    async with connect(api, mode) as c:
        result = data(await c.call_tool("create_generation", BASIC))
    gid = only_generation(api)
    assert result["id"] == gid and result["status"] in ("PENDING", "PROCESSING", "COMPLETED")
    assert len(creates(api)) == 1, "a named generation is followed, not created again"
    assert [r.path for r in reads(api, "/v2/generate/")] == [f"/v2/generate/{gid}"]


async def test_a_named_generation_that_cannot_be_read_keeps_its_id(api: SandboxServer, mode: str) -> None:
    """Following the named generation fails too: the error still carries its id and the create's key."""
    api.state.script_fault(status=503, error_code="IDEMPOTENCY_OUTCOME_UNKNOWN", after_handling=True,
                           report_generation_id=True, method="POST", path=CREATE)  # fmt: skip
    api.state.script_fault(status=503, method="GET", path="/v2/generate/", times=99)
    async with connect(api, mode) as c:
        result = await c.call_tool("create_generation", BASIC)
    err = data(result)
    gid = only_generation(api)
    assert result.is_error and err["generationId"] == gid and err["retryable"] is True
    key = err["details"]["idempotencyKey"]
    assert f'idempotencyKey "{key}"' in err["fix"]
    assert len(creates(api)) == 1 and len(reads(api, "/v2/generate/")) == ATTEMPTS
    assert_one_key_one_body(creates(api), key)


async def test_outcome_unknown_that_persists_asks_for_the_same_key_later(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=503, error_code="IDEMPOTENCY_OUTCOME_UNKNOWN", method="POST", path=CREATE, times=99)
    async with connect(api, mode) as c:
        result = await c.call_tool("create_generation", BASIC)
    err = data(result)
    assert result.is_error and err["errorCode"] == "IDEMPOTENCY_OUTCOME_UNKNOWN" and err["retryable"] is True
    key = err["details"]["idempotencyKey"]
    assert f'idempotencyKey "{key}"' in err["fix"] and "Do not switch keys" in err["fix"]
    assert err["details"]["attempts"] == ATTEMPTS
    assert len(creates(api)) == ATTEMPTS
    assert_one_key_one_body(creates(api), key)
    assert api.state.generation_count() == 0


async def test_a_rate_limit_that_outlasts_the_retries_reaches_the_agent(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(
        status=429, error_code="rate_limit_exceeded", retry_after=0.05, method="POST", path=CREATE, times=99
    )
    async with connect(api, mode) as c:
        result = await c.call_tool("create_generation", BASIC)
    err = data(result)
    assert result.is_error and (err["errorCode"], err["httpStatus"]) == ("rate_limit_exceeded", 429)
    assert err["retryable"] is True and err["retryAfterSeconds"] == 0.05
    assert CATALOG["rate_limit_exceeded"].fix in err["fix"] and "Wait at least 0.05 s" in err["fix"]
    assert len(creates(api)) == ATTEMPTS
    assert_one_key_one_body(creates(api), err["details"]["idempotencyKey"])
    assert api.state.generation_count() == 0


async def test_a_retry_after_beyond_the_budget_is_handed_to_the_agent(api: SandboxServer, mode: str) -> None:
    """Retry-After wins over backoff: a wait longer than the budget is not slept through, nor cut short."""
    api.state.script_fault(status=429, error_code="rate_limit_exceeded", retry_after=120, method="POST", path=CREATE)
    async with connect(api, mode) as c:
        err = data(await c.call_tool("create_generation", BASIC))
    assert err["retryAfterSeconds"] == 120 and "Wait at least 120 s" in err["fix"]
    assert len(creates(api)) == 1
    assert api.state.generation_count() == 0


async def test_a_short_retry_after_is_waited_before_retrying(
    api: SandboxServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    api.state.script_fault(status=429, error_code="rate_limit_exceeded", retry_after=0.2, method="POST", path=CREATE)
    async with connect(api, mode) as c:
        caplog.set_level(logging.INFO, logger="sync_mcp.api.client")
        result = data(await c.call_tool("create_generation", BASIC))
    assert result["id"] == only_generation(api) and len(creates(api)) == 2
    delays = [float(m) for m in re.findall(r"retrying POST /v2/generate in ([0-9.]+)s", caplog.text)]
    assert len(delays) == 1 and delays[0] >= 0.2


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 409, 413, 422])
async def test_client_errors_are_never_retried(api: SandboxServer, mode: str, status: int) -> None:
    api.state.script_fault(status=status, method="POST", path=CREATE, times=99)
    async with connect(api, mode) as c:
        result = await c.call_tool("create_generation", BASIC)
    err = data(result)
    assert result.is_error and err["httpStatus"] == status and err["retryable"] is False
    assert len(creates(api)) == 1
    assert api.state.generation_count() == 0


async def test_concurrency_limit_names_the_jobs_in_flight(
    api: SandboxServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "concurrency_limit", 2)
    monkeypatch.setattr(api.config, "processing_seconds", 120.0)
    async with connect(api, mode) as c:
        running = {await created(c), await created(c)}
        result = await c.call_tool("create_generation", BASIC)
    err = data(result)
    assert result.is_error and (err["errorCode"], err["httpStatus"]) == ("concurrency_limit_reached", 429)
    assert err["retryable"] is False
    assert err["details"]["activeGenerations"] == 2 and err["details"]["concurrencyLimit"] == 2
    assert set(err["details"]["inFlightGenerationIds"]) == running
    named = re.search(r"get_generation with id=([0-9a-f-]{36}) and wait=true", err["fix"])
    assert named and named.group(1) in running
    assert len(creates(api)) == 3, "a concurrency limit is not retried"
    listed = reads(api, "/v2/generations")
    assert len(listed) == 1 and "status=PENDING%2CPROCESSING" in listed[0].query and "limit=100" in listed[0].query
    assert api.state.generation_count() == 2


async def test_concurrency_limit_without_counts_counts_the_jobs_itself(
    api: SandboxServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "processing_seconds", 120.0)
    async with connect(api, mode) as c:
        running = await created(c)
        api.state.script_fault(status=429, error_code="concurrency_limit_reached", method="POST", path=CREATE)
        err = data(await c.call_tool("create_generation", BASIC))
    assert err["errorCode"] == "concurrency_limit_reached" and err["retryable"] is False
    assert err["details"]["activeGenerations"] == 1 and "concurrencyLimit" not in err["details"]
    assert err["details"]["inFlightGenerationIds"] == [running] and running in err["fix"]
    assert len(creates(api)) == 2
    assert api.state.generation_count() == 1


def test_retry_after_as_an_http_date_and_backoff_with_full_jitter() -> None:
    future = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)
    assert 80 <= (parse_retry_after(future) or 0) <= 90
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=2.0, budget=30)
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 2.0)]:
        delays = [policy.delay(attempt, None) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays) and min(delays) < cap / 4, "full jitter spans [0, cap]"
    assert all(policy.delay(1, 5.0) >= 5.0 for _ in range(50)), "Retry-After is a floor"


async def test_every_catalog_code_on_a_failed_or_rejected_job_comes_with_its_fix(
    api: SandboxServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sandbox can end a job FAILED or REJECTED with any catalog code; the agent gets that code, the
    catalog's fix and its retryability, as a normal result (the call worked; the job did not)."""
    monkeypatch.setattr(api.config, "pending_seconds", 0.0)  # jobs end the moment they are created
    monkeypatch.setattr(api.config, "processing_seconds", 0.0)
    async with connect(api, mode) as c:
        for n, (code, entry) in enumerate(sorted(CATALOG.items())):
            status = "REJECTED" if n % 2 else "FAILED"
            api.state.script_generation_failure(code, status)  # type: ignore[arg-type]
            result = await c.call_tool("get_generation", {"id": await created(c)})
            job = data(result)
            assert not result.is_error
            assert (job["status"], job["errorCode"], job["fix"]) == (status, code, entry.fix), code
            assert job["retryable"] is is_retryable(code, None, entry.category), code
            assert "create_generation" in job["nextStep"], code
    assert api.state.generation_count() == len(CATALOG)


# ----------------------------------------------------------------------------------------------- get


@pytest.mark.parametrize("fault", [*({"status": s} for s in TRANSIENT), {"drop": True, "status": None}])
async def test_get_retries_a_transient_fault(api: SandboxServer, mode: str, fault: dict[str, Any]) -> None:
    async with connect(api, mode) as c:
        gid = await created(c)
        api.state.script_fault(**fault, method="GET", path=f"/v2/generate/{gid}")
        result = data(await c.call_tool("get_generation", {"id": gid}))
    assert result["id"] == gid
    assert len(reads(api, "/v2/generate/")) == 2
    assert only_generation(api) == gid


async def test_get_gives_up_after_its_attempts(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode) as c:
        gid = await created(c)
        api.state.script_fault(status=503, method="GET", path=f"/v2/generate/{gid}", times=99)
        result = await c.call_tool("get_generation", {"id": gid})
    err = data(result)
    assert result.is_error and err["httpStatus"] == 503 and err["retryable"] is True
    assert err["details"]["attempts"] == ATTEMPTS and "idempotencyKey" not in err["details"]
    assert len(reads(api, "/v2/generate/")) == ATTEMPTS


async def test_a_hung_get_answers_a_timeout_within_its_bound(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, SYNC_MCP_REQUEST_TIMEOUT=0.5, SYNC_MCP_MAX_RETRIES=1) as c:
        gid = await created(c)
        api.state.script_fault(status=None, delay=30, method="GET", path=f"/v2/generate/{gid}", times=99)
        with anyio.fail_after(20):  # the sandbox would hold each reply for 30 s
            result = await c.call_tool("get_generation", {"id": gid})
    err = data(result)
    assert result.is_error and err["errorCode"] == "request_timeout" and err["httpStatus"] is None
    assert err["retryable"] is True and "SYNC_MCP_REQUEST_TIMEOUT" in err["fix"]
    polls = reads(api, "/v2/generate/")
    assert len(polls) == 2
    await until(lambda: all(r.disconnected for r in polls))


async def test_cancelling_a_call_closes_its_request(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode) as c:
        gid = await created(c)
        api.state.script_fault(status=None, delay=30, method="GET", path=f"/v2/generate/{gid}")
        with anyio.move_on_after(0.5) as abandoned:
            await c.call_tool("get_generation", {"id": gid})
        assert abandoned.cancelled_caught
        await until(lambda: bool(reads(api, "/v2/generate/")) and reads(api, "/v2/generate/")[0].disconnected)
        after = data(await c.call_tool("get_generation", {"id": gid}))
    assert after["id"] == gid
    assert len(reads(api, "/v2/generate/")) == 2, "the cancelled call made no further attempt"


# ----------------------------------------------------------------------------------------------- wait


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"drop": True, "status": None}])
async def test_a_wait_survives_a_failed_poll(api: SandboxServer, mode: str, fault: dict[str, Any]) -> None:
    async with connect(api, mode) as c:
        gid = await created(c)
        api.state.script_fault(**fault, method="GET", path=f"/v2/generate/{gid}")
        result = data(await c.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 30}))
    assert result["status"] == "COMPLETED" and result["id"] == gid
    polls = reads(api, "/v2/generate/")
    assert len(polls) == 2 and all("wait=true" in p.query for p in polls)
    assert only_generation(api) == gid


async def test_a_wait_that_keeps_failing_ends_in_a_retryable_error(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode) as c:
        gid = await created(c)
        api.state.script_fault(status=502, method="GET", path=f"/v2/generate/{gid}", times=99)
        result = await c.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 30})
    err = data(result)
    assert result.is_error and err["httpStatus"] == 502 and err["retryable"] is True
    assert len(reads(api, "/v2/generate/")) == ATTEMPTS
    assert only_generation(api) == gid


async def test_cancelling_a_wait_closes_its_long_poll(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode) as c:
        gid = await created(c)
        api.state.script_fault(status=None, delay=30, method="GET", path=f"/v2/generate/{gid}")
        with anyio.move_on_after(0.5):
            await c.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 50})
        await until(lambda: bool(reads(api, "/v2/generate/")) and reads(api, "/v2/generate/")[0].disconnected)
    assert len(reads(api, "/v2/generate/")) == 1
    assert only_generation(api) == gid, "cancelling the wait leaves the generation alone"


# ----------------------------------------------------------------------------------------------- list


@pytest.mark.parametrize("fault", [{"status": 429, "error_code": "rate_limit_exceeded", "retry_after": 0},
                                   {"status": 504}, {"drop": True, "status": None}])  # fmt: skip
async def test_list_retries_a_transient_fault(api: SandboxServer, mode: str, fault: dict[str, Any]) -> None:
    async with connect(api, mode) as c:
        gid = await created(c)
        api.state.script_fault(**fault, method="GET", path="/v2/generations")
        result = data(await c.call_tool("list_generations", {}))
    assert [g["id"] for g in result["generations"]] == [gid]
    assert len(reads(api, "/v2/generations")) == 2
    assert only_generation(api) == gid


async def test_list_gives_up_with_a_retryable_error(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=500, error_code="internal_error", method="GET", path="/v2/generations", times=99)
    async with connect(api, mode) as c:
        result = await c.call_tool("list_generations", {})
    err = data(result)
    assert result.is_error and err["errorCode"] == "internal_error" and err["retryable"] is True
    assert err["requestId"], "a 500 carries the requestId to quote to support"
    assert len(reads(api, "/v2/generations")) == ATTEMPTS


# ----------------------------------------------------------------------------------------------- catalog


def catalog_fetches(api: SandboxServer) -> list[RecordedRequest]:
    return [r for r in api.state.requests if r.path == "/v2/errors"]


@pytest.mark.parametrize("fault", [{"status": 503}, {"drop": True, "status": None}])
async def test_an_unreachable_catalog_falls_back_to_the_bundled_one(
    api: SandboxServer, mode: str, fault: dict[str, Any]
) -> None:
    api.state.script_fault(**fault, path="/v2/errors", times=99)
    async with connect(api, mode) as c:
        first = data(await c.call_tool("list_error_codes", {"code": "rate_limit_exceeded"}))
        second = data(await c.call_tool("list_error_codes", {"code": "concurrency_limit_reached"}))
    assert first["source"] == second["source"] == "bundled"
    assert first["entries"][0]["fix"] == CATALOG["rate_limit_exceeded"].fix
    assert len(catalog_fetches(api)) == 1, "one failed fetch; the bundle answers without asking again at once"


async def test_a_slow_catalog_is_not_waited_for(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=None, delay=30, path="/v2/errors")
    async with connect(api, mode, SYNC_MCP_REQUEST_TIMEOUT=0.5) as c:
        with anyio.fail_after(20):
            result = data(await c.call_tool("list_error_codes", {"code": "internal_error"}))
    assert result["source"] == "bundled" and result["count"] == 1
    assert len(catalog_fetches(api)) == 1


# ----------------------------------------------------------------------------------------------- helpers


async def until(condition: Any, limit: float = 10.0) -> None:
    """Wait for something the sandbox does on its own thread (a bound, not a timing claim)."""
    with anyio.fail_after(limit):
        while not condition():  # noqa: ASYNC110 - the condition is set on the sandbox's thread
            await anyio.sleep(0.02)
