"""create_batch, get_batch and list_batches through a real MCP client, against the sandbox; plus the
sandbox's batch endpoints as the official SDK sees them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import sync
from mcp import Client
from sync.common.types import BatchResponse, CreateBatchResponse, ValidationResponse
from sync.core.pydantic_utilities import parse_obj_as

from sync_mcp.api.types.batches import MAX_JSONL_BYTES
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.batch_store import batch_store
from sync_mcp.server import build_server

from ..conftest import AUDIO, TEST_KEY, VIDEO, configured, data, error, make_settings, sent

pytestmark = pytest.mark.anyio

WEBHOOK = "https://hooks.example.com/sync"


def row(n: int, **payload: Any) -> dict[str, Any]:
    body = {
        "model": "lipsync-2",
        "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": f"{AUDIO}?n={n}"}],
    }
    return {"request_id": f"clip-{n}", "endpoint": "/v2/generate", "payload": {**body, **payload}}


ROWS = [row(n) for n in range(20)]


def posts(api: SandboxServer) -> list[Any]:
    return [r for r in sent(api, "/v2/batch") if r.method == "POST"]


def connect(api: SandboxServer, mode: str) -> Client:
    return Client(build_server(make_settings(api)), mode=mode)  # type: ignore[arg-type]


@pytest.fixture
def creator_plan(api: SandboxServer) -> Iterator[SandboxServer]:
    with configured(api, plan="creator") as server:
        yield server


def finish(api: SandboxServer, batch_id: str, *, processing: bool = False) -> None:
    """Move a batch along its lifecycle without waiting: to PROCESSING, or to its end."""
    record = batch_store(api.state).get(batch_id)
    assert record is not None
    record.pending_seconds = 0
    record.processing_seconds = 3600 if processing else 0


# ----------------------------------------------------------------------------------------------- create


async def test_create_then_follow_to_completion(client: Client, api: SandboxServer) -> None:
    rows = [
        *ROWS[:19],
        row(
            19,
            input=[
                {"type": "video", "url": VIDEO},
                {"type": "audio", "url": f"{AUDIO}?sandbox_fail=generation_input_audio_invalid"},
            ],
        ),
    ]
    created = data(await client.call_tool("create_batch", {"rows": rows, "webhook_url": WEBHOOK}))
    batch = created["batch"]
    assert batch["status"] == "PENDING" and batch["webhookUrl"] == WEBHOOK
    assert batch["metrics"] == {"total_generations": 20, "success_count": 0, "failed_count": 0, "pending_count": 20}
    assert "get_batch" in created["nextStep"]
    assert posts(api)[0].body == {"rows": rows, "webhook_url": WEBHOOK}

    finish(api, batch["id"], processing=True)
    assert data(await client.call_tool("get_batch", {"id": batch["id"]}))["batch"]["status"] == "PROCESSING"
    finish(api, batch["id"])
    done = data(await client.call_tool("get_batch", {"id": batch["id"]}))
    assert done["batch"]["status"] == "COMPLETED"
    assert done["batch"]["metrics"] == {
        "total_generations": 20,
        "success_count": 19,
        "failed_count": 1,
        "pending_count": 0,
    }
    assert "JSONL" in done["nextStep"]
    results = [json.loads(line) for line in httpx.get(done["batch"]["outputUrl"]).text.splitlines()]
    assert [r["request_id"] for r in results] == [r["request_id"] for r in rows]
    assert results[-1] == {"request_id": "clip-19", "status": "FAILED", "errorCode": "generation_input_audio_invalid"}


async def test_dry_run_validates_and_creates_nothing(client: Client, api: SandboxServer) -> None:
    result = data(await client.call_tool("create_batch", {"rows": ROWS, "dry_run": True}))
    assert result["validated"] is True and "batch" not in result
    assert "without dry_run" in result["nextStep"]
    assert posts(api)[0].body["dry_run"] is True
    assert data(await client.call_tool("list_batches", {}))["batches"] == []


def _size_rows(count: int, pad: int) -> list[dict[str, Any]]:
    return [
        row(n, input=[{"type": "video", "url": f"{VIDEO}?pad={'x' * pad}"}, {"type": "audio", "url": AUDIO}])
        for n in range(count)
    ]


@pytest.mark.parametrize(
    ("arguments", "code", "field", "words"),
    [
        ({"rows": ROWS[:19]}, "batch_insufficient_records", "rows", "at least 20"),
        ({"rows": [row(n) for n in range(501)]}, "batch_too_many_requests", "rows", "at most 500"),
        (
            {"rows": [*ROWS[:12], {**ROWS[12], "request_id": "clip-3"}, *ROWS[13:]]},
            "batch_duplicate_request_id",
            "rows[12].request_id",
            "rows[3]",
        ),
        (
            {"rows": [*ROWS[:3], {**ROWS[3], "endpoint": "/v2/tts"}, *ROWS[4:]]},
            "batch_invalid_endpoint",
            "rows[3].endpoint",
            "/v2/generate",
        ),
        (
            {"rows": [*ROWS[:7], row(7, input=[{"type": "video", "url": VIDEO}]), *ROWS[8:]]},
            "generation_input_validation_failed",
            "rows[7].payload.input",
            "audio or text",
        ),
        (
            {
                "rows": [
                    *ROWS[:5],
                    row(5, model="lipsync-2", input=[{"type": "image", "url": VIDEO}, {"type": "audio", "url": AUDIO}]),
                    *ROWS[6:],
                ]
            },
            "generation_unsupported_model",
            "rows[5].payload.model",
            "image",
        ),
        (
            {"rows": [*ROWS[:2], {"endpoint": "/v2/generate", "payload": ROWS[2]["payload"]}, *ROWS[3:]]},
            "generation_input_validation_failed",
            "rows[2].request_id",
            "required",
        ),
        ({"rows": _size_rows(400, MAX_JSONL_BYTES // 400)}, "batch_file_too_large", "rows", "5 MB"),
        (
            {"rows": ROWS, "webhook_url": "ftp://hooks.example.com"},
            "generation_input_validation_failed",
            "webhook_url",
            "http",
        ),
    ],
)
async def test_create_refuses_bad_batches_before_sending(
    client: Client, api: SandboxServer, arguments: dict[str, Any], code: str, field: str, words: str
) -> None:
    err = error(await client.call_tool("create_batch", arguments))
    assert (err["errorCode"], err["field"]) == (code, field)
    assert words in err["message"] and err["fix"]
    assert sent(api) == []


async def test_every_row_problem_is_named(client: Client, api: SandboxServer) -> None:
    rows = [{**r, "endpoint": "/v2/x"} if n in (4, 9) else r for n, r in enumerate(ROWS)]
    err = error(await client.call_tool("create_batch", {"rows": rows}))
    assert "rows[4].endpoint" in err["message"] and "rows[9].endpoint" in err["message"]
    assert sent(api) == []


async def test_plan_restriction_comes_with_its_fix(client: Client, creator_plan: SandboxServer) -> None:
    err = error(await client.call_tool("create_batch", {"rows": ROWS}))
    assert err["errorCode"] == "plan_feature_unavailable" and err["httpStatus"] == 403
    assert "Scale or Enterprise" in err["fix"] and "create_generation" in err["fix"]
    assert err["retryable"] is False
    assert len(posts(creator_plan)) == 1


# ----------------------------------------------------------------------------------------------- lost answers


@pytest.mark.parametrize("fault", [{"status": None, "drop": True}, {"status": 503}])
async def test_a_lost_answer_is_found_by_looking_the_batch_up(
    api: SandboxServer, mode: str, fault: dict[str, Any]
) -> None:
    api.state.script_fault(**fault, after_handling=True, method="POST", path="/v2/batch")
    before = datetime.now(timezone.utc)
    async with connect(api, mode) as c:
        result = data(await c.call_tool("create_batch", {"rows": ROWS}))
    assert result["recovered"] is True
    stored = batch_store(api.state).newest_first()
    assert len(stored) == 1 and result["batch"]["id"] == stored[0].id, "the batch exists once, and is the one returned"
    assert len(posts(api)) == 1, "never sent twice"
    lookups = [r for r in sent(api, "/v2/batch") if r.method == "GET"]
    assert len(lookups) == 1
    looked_from = datetime.fromisoformat(httpx.QueryParams(lookups[0].query)["created_after"].replace("Z", "+00:00"))
    assert looked_from <= before, "the lookup starts before the send"


async def test_a_lost_answer_with_no_batch_found_says_to_check_later(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=None, drop=True, method="POST", path="/v2/batch")  # dropped before handling
    async with connect(api, mode) as c:
        err = error(await c.call_tool("create_batch", {"rows": ROWS}))
    assert err["errorCode"] == "outcome_unknown" and err["retryable"] is False
    assert "list_batches" in err["fix"] and "created_after=" in err["fix"]
    assert len(posts(api)) == 1 and batch_store(api.state).newest_first() == []


async def test_a_refusal_is_not_looked_up(client: Client, api: SandboxServer) -> None:
    api.state.script_fault(status=429, error_code="concurrency_limit_reached", method="POST", path="/v2/batch")
    err = error(await client.call_tool("create_batch", {"rows": ROWS}))
    assert err["errorCode"] == "concurrency_limit_reached"
    assert [r.method for r in sent(api, "/v2/batch")] == ["POST"]


# ----------------------------------------------------------------------------------------------- get / list


async def test_get_batch_unknown_and_malformed(client: Client, api: SandboxServer) -> None:
    missing = error(await client.call_tool("get_batch", {"id": "5d9a3c7e-1f2b-4c3d-8e9f-0a1b2c3d4e5f"}))
    assert missing["httpStatus"] == 404
    api.state.reset()
    err = error(await client.call_tool("get_batch", {"id": "../generate"}))
    assert err["field"] == "id"
    assert sent(api) == []


async def test_list_batches_filters(client: Client, api: SandboxServer) -> None:
    first = data(await client.call_tool("create_batch", {"rows": ROWS}))["batch"]
    second = data(await client.call_tool("create_batch", {"rows": ROWS[::-1]}))["batch"]
    finish(api, first["id"])

    everything = data(await client.call_tool("list_batches", {}))
    assert [b["id"] for b in everything["batches"]] == [second["id"], first["id"]], "newest first"
    completed = data(await client.call_tool("list_batches", {"status": "COMPLETED"}))
    assert [b["id"] for b in completed["batches"]] == [first["id"]]
    later = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
    assert data(await client.call_tool("list_batches", {"created_after": later}))["count"] == 0
    assert data(await client.call_tool("list_batches", {"created_before": later}))["count"] == 2


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"created_after": "2026-05-01T12:00:00"}, "created_after"),
        ({"created_before": "yesterday"}, "created_before"),
    ],
)
async def test_list_batches_refuses_bad_input_before_sending(
    client: Client, api: SandboxServer, arguments: dict[str, Any], field: str
) -> None:
    err = error(await client.call_tool("list_batches", arguments))
    assert err["field"] == field
    assert sent(api) == []


# ----------------------------------------------------------------------------------------------- the API side


def test_sandbox_names_the_failing_row_and_line(api: SandboxServer) -> None:
    rows = [*ROWS[:7], row(7, input=[{"type": "video", "url": VIDEO}]), *ROWS[8:]]
    reply = httpx.post(f"{api.base_url}/v2/batch", headers={"x-api-key": TEST_KEY}, json={"rows": rows})
    assert reply.status_code == 400
    body = reply.json()
    assert body["field"] == "rows[7].payload.input" and body["lineNumber"] == 8
    assert body["errorCode"] == "generation_input_validation_failed" and body["suggestion"]


def test_syncsdk_drives_and_parses_the_batch_endpoints(api: SandboxServer) -> None:
    client = sync.Sync(base_url=api.base_url, api_key=TEST_KEY)
    jsonl = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    validated = client.batch.create(input=("rows.jsonl", jsonl, "application/jsonl"), dry_run=True)
    assert isinstance(validated, ValidationResponse) and validated.status == "VALIDATED"
    created = client.batch.create(input=("rows.jsonl", jsonl, "application/jsonl"), webhook_url=WEBHOOK)
    assert isinstance(created, BatchResponse) and created.metrics.total_generations == 20
    assert created.webhook_url == WEBHOOK and created.output_url
    assert client.batch.get(created.id).id == created.id
    listed = client.batch.list(status="PENDING", created_after=datetime.now(timezone.utc) - timedelta(minutes=1))
    assert [b.id for b in listed] == [created.id]

    headers = {"x-api-key": TEST_KEY}
    raw_created = httpx.post(f"{api.base_url}/v2/batch", headers=headers, json={"rows": ROWS}).json()
    assert isinstance(parse_obj_as(CreateBatchResponse, raw_created), BatchResponse)  # type: ignore[arg-type]
    raw_dry = httpx.post(f"{api.base_url}/v2/batch", headers=headers, json={"rows": ROWS, "dry_run": True}).json()
    assert parse_obj_as(CreateBatchResponse, raw_dry).status == "VALIDATED"  # type: ignore[arg-type]
    parsed = parse_obj_as(
        BatchResponse, httpx.get(f"{api.base_url}/v2/batch/{raw_created['id']}", headers=headers).json()
    )
    assert parsed.created_at.tzinfo is not None and parsed.metrics.pending_count == 20
    everything = parse_obj_as(list[BatchResponse], httpx.get(f"{api.base_url}/v2/batch", headers=headers).json())
    assert len(everything) == 2


def test_syncsdk_reads_a_bad_line_as_a_bad_request(api: SandboxServer) -> None:
    client = sync.Sync(base_url=api.base_url, api_key=TEST_KEY)
    jsonl = ("".join(json.dumps(r) + "\n" for r in ROWS) + "{not json\n").encode()
    with pytest.raises(sync.BadRequestError) as caught:
        client.batch.create(input=("rows.jsonl", jsonl, "application/jsonl"))
    body = caught.value.body
    assert body.status_code == 400 and body.message  # type: ignore[union-attr]
    assert (body.errorCode, body.lineNumber) == ("batch_invalid_jsonl", 21)  # type: ignore[union-attr]
