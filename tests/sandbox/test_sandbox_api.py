"""The sandbox over real HTTP on loopback, with plain httpx and with the official SDK (`syncsdk`).

It must behave like the Sync API v2 as the reference describes it, because every other test and the
demo run against it.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sync import Audio, Sync, Video
from sync.common.errors import NotFoundError, UnauthorizedError

from sync_mcp.api.types.ai_models import ModelInfo
from sync_mcp.api.types.errors import ErrorCatalogEntry
from sync_mcp.api.types.generations import Generation
from sync_mcp.sandbox import SandboxConfig, SandboxServer, create_app

PENDING, PROCESSING = 0.1, 0.3
VIDEO = "https://media.example.test/face.mp4"
AUDIO = "https://media.example.test/voice.wav"


def body(**extra: Any) -> dict[str, Any]:
    return {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}], **extra}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(pending_seconds=PENDING, processing_seconds=PROCESSING)) as sb:
        yield sb


@pytest.fixture(autouse=True)
def fresh(server: SandboxServer) -> Iterator[None]:
    server.state.reset()
    yield
    server.config.pending_seconds, server.config.processing_seconds = PENDING, PROCESSING
    server.config.concurrency_limit = 15


@pytest.fixture
def http(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": server.api_key}, timeout=15) as client:
        yield client


def create(http: httpx.Client, payload: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
    response = http.post("/v2/generate", json=payload or body(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def wait_done(http: httpx.Client, generation_id: str) -> dict[str, Any]:
    response = http.get(f"/v2/generate/{generation_id}", params={"wait": "true", "timeout": 5})
    assert response.status_code == 200, response.text
    return response.json()


# ----------------------------------------------------------------------------------------------- auth


def test_missing_and_wrong_key_get_the_exact_401_bodies(server: SandboxServer) -> None:
    missing = httpx.get(f"{server.base_url}/v2/models")
    assert missing.status_code == 401
    assert missing.json() == {
        "message": "Either Cookie or x-api-key header must be provided",
        "error": "Unauthorized",
        "statusCode": 401,
    }
    wrong = httpx.post(f"{server.base_url}/v2/generate", json=body(), headers={"x-api-key": "sk-wrong"})
    assert wrong.status_code == 401
    assert wrong.json() == {"message": "Unauthorized", "statusCode": 401}
    assert server.state.generation_count() == 0
    logged = server.state.requests
    assert [(r.path, r.has_api_key, r.status) for r in logged] == [
        ("/v2/models", False, 401),
        ("/v2/generate", True, 401),
    ]


def test_error_catalog_needs_no_key(server: SandboxServer) -> None:
    response = httpx.get(f"{server.base_url}/v2/errors")
    assert response.status_code == 200
    entries = response.json()
    assert isinstance(entries, list) and len(entries) >= 80
    assert all(set(e) == {"code", "message", "suggestion"} for e in entries)
    codes = {ErrorCatalogEntry.model_validate(e).code for e in entries}
    assert {"generation_not_found", "concurrency_limit_reached", "INVALID_IDEMPOTENCY_KEY"} <= codes


def test_models_list_matches_the_wire_model(http: httpx.Client) -> None:
    models = [ModelInfo.model_validate(m) for m in http.get("/v2/models").json()]
    assert {m.id for m in models} == {"sync-3", "lipsync-2", "lipsync-2-pro", "lipsync-1.9.0-beta", "react-1"}
    assert all(m.type in ("lipsync", "react") and m.version and m.name for m in models)


# ----------------------------------------------------------------------------------------------- lifecycle


def test_create_returns_201_and_the_generation_completes(http: httpx.Client, server: SandboxServer) -> None:
    created = create(http, body(outputFileName="take one!", webhookUrl="https://hooks.example.test/sync"))
    generation = Generation.model_validate(created)
    assert uuid.UUID(generation.id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created["createdAt"])
    assert created["status"] == "PENDING"
    assert created["outputUrl"] is None and created["errorCode"] is None and created["error"] is None
    assert created["input"] == body()["input"] and created["model"] == "lipsync-2"
    assert created["outputFileName"] == "take_one"
    assert created["webhookUrl"] == "https://hooks.example.test/sync"

    seen = set()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        current = http.get(f"/v2/generate/{generation.id}").json()
        seen.add(current["status"])
        if current["status"] == "COMPLETED":
            break
        time.sleep(0.05)
    assert seen >= {"PROCESSING", "COMPLETED"}
    assert current["outputDuration"] > 0
    assert current["outputUrl"].startswith(f"{server.base_url}/files/outputs/{generation.id}.mp4?")
    assert "%2F" in current["outputUrl"]


def test_output_url_is_fetched_without_key_and_must_be_copied_verbatim(http: httpx.Client) -> None:
    done = wait_done(http, create(http)["id"])
    url = done["outputUrl"]
    fetched = httpx.get(url)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "video/mp4"
    assert fetched.content[4:8] == b"ftyp"
    assert f"sandbox placeholder output for {done['id']}".encode() in fetched.content
    # A client that decodes the signature (%2B becomes a space once the query is read) is refused.
    mangled = url.replace("%2B", "+")
    assert httpx.get(mangled).status_code == 403
    assert httpx.get(url.split("?")[0]).status_code == 403


def test_long_poll_returns_as_soon_as_the_generation_ends(http: httpx.Client) -> None:
    generation_id = create(http)["id"]
    started = time.monotonic()
    response = http.get(f"/v2/generate/{generation_id}", params={"wait": "true", "timeout": 5})
    elapsed = time.monotonic() - started
    assert response.json()["status"] == "COMPLETED"
    assert elapsed < 1.5
    assert response.headers["X-Sync-Wait-Mode"] == "long_poll"
    assert response.headers["X-Sync-Wait-Timeout-Seconds"] == "5"
    assert response.headers["Retry-After"] == "2"


def test_long_poll_honours_its_timeout(http: httpx.Client, server: SandboxServer) -> None:
    server.config.processing_seconds = 30
    generation_id = create(http)["id"]
    started = time.monotonic()
    response = http.get(f"/v2/generate/{generation_id}", params={"wait": "true", "timeout": 1})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["status"] == "PROCESSING"
    assert 0.9 <= elapsed < 2.0
    assert response.headers["X-Sync-Wait-Timeout-Seconds"] == "1"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"wait": "true", "timeout": 0}, "timeout"),
        ({"wait": "true", "timeout": 11}, "timeout"),
        ({"timeout": 3}, "timeout"),
        ({"wait": "true", "include": "progress"}, "include"),
        ({"wait": "maybe"}, "wait"),
    ],
)
def test_bad_get_parameters_are_400(http: httpx.Client, params: dict[str, Any], field: str) -> None:
    generation_id = create(http)["id"]
    response = http.get(f"/v2/generate/{generation_id}", params=params)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["statusCode"] == 400


def test_progress_is_reported_on_request(http: httpx.Client) -> None:
    generation_id = create(http)["id"]
    plain = http.get(f"/v2/generate/{generation_id}").json()
    assert "progress_percent" not in plain
    with_progress = http.get(f"/v2/generate/{generation_id}", params={"include": "progress"}).json()
    assert 0 <= with_progress["progress_percent"] <= 100


def test_unknown_and_malformed_ids(http: httpx.Client) -> None:
    missing = http.get(f"/v2/generate/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "generation_not_found"
    assert missing.json()["suggestion"]
    malformed = http.get("/v2/generate/not-a-uuid")
    assert malformed.status_code == 400
    assert malformed.json()["errorCode"] == "invalid_generation_id"


# ----------------------------------------------------------------------------------------------- list


def test_list_pages_newest_first_with_limit_and_cursor(http: httpx.Client) -> None:
    ids = [create(http)["id"] for _ in range(5)]
    everything = http.get("/v2/generations").json()
    assert isinstance(everything, list) and {g["id"] for g in everything} == set(ids)

    pages: list[list[str]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = [g["id"] for g in http.get("/v2/generations", params=params).json()]
        if not page:
            break
        pages.append(page)
        params["cursor"] = page[-1]
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]

    assert http.get("/v2/generations", params={"cursor": ids[0]}).status_code == 400
    assert http.get("/v2/generations", params={"limit": 0}).status_code == 400
    assert http.get("/v2/generations", params={"limit": 101}).status_code == 400
    bad_status = http.get("/v2/generations", params={"status": "PENDING,DONE"})
    assert bad_status.status_code == 400 and bad_status.json()["field"] == "status"


def test_list_filters_by_status_and_ids(http: httpx.Client, server: SandboxServer) -> None:
    first = create(http)["id"]
    wait_done(http, first)
    server.config.processing_seconds = 30
    second = create(http)["id"]
    pending = http.get("/v2/generations", params={"status": "PENDING,PROCESSING", "limit": 100}).json()
    assert [g["id"] for g in pending] == [second]
    assert [g["id"] for g in http.get("/v2/generations", params={"ids": first}).json()] == [first]


# ----------------------------------------------------------------------------------------------- idempotency


def test_same_key_and_body_replays_the_original_generation(http: httpx.Client, server: SandboxServer) -> None:
    first = http.post("/v2/generate", json=body(), headers={"Idempotency-Key": "order-42"})
    again = http.post("/v2/generate", json=body(), headers={"Idempotency-Key": "order-42"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert server.state.generation_count() == 1
    creates = [r for r in server.state.requests if r.method == "POST"]
    assert [r.idempotency_key for r in creates] == ["order-42", "order-42"]


def test_same_key_with_another_body_conflicts(http: httpx.Client, server: SandboxServer) -> None:
    create(http, body(), **{"Idempotency-Key": "order-43"})
    conflict = http.post("/v2/generate", json=body(outputFileName="other"), headers={"Idempotency-Key": "order-43"})
    assert conflict.status_code == 409
    assert conflict.json()["errorCode"] == "IDEMPOTENCY_KEY_CONFLICT"
    assert server.state.generation_count() == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 129, "ünïcode"])
def test_malformed_idempotency_keys_are_refused(server: SandboxServer, key: str) -> None:
    response = httpx.post(
        f"{server.base_url}/v2/generate",
        json=body(),
        headers=[("x-api-key", server.api_key), ("Idempotency-Key", key.encode("utf-8"))],  # type: ignore[list-item]
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_IDEMPOTENCY_KEY"
    assert server.state.generation_count() == 0


# ----------------------------------------------------------------------------------------------- failures


def test_magic_url_makes_the_generation_fail(http: httpx.Client) -> None:
    payload = body()
    payload["input"][0]["url"] = VIDEO + "?sandbox_fail=generation_input_video_inaccessible"
    done = wait_done(http, create(http, payload)["id"])
    assert done["status"] == "FAILED"
    assert done["errorCode"] == "generation_input_video_inaccessible"
    assert done["error"] and done["outputUrl"] is None


def test_magic_url_can_reject(http: httpx.Client) -> None:
    payload = body()
    payload["input"][1]["url"] = AUDIO + "?sandbox_fail=generation_input_audio_invalid&sandbox_status=REJECTED"
    done = wait_done(http, create(http, payload)["id"])
    assert (done["status"], done["errorCode"]) == ("REJECTED", "generation_input_audio_invalid")


def test_scripted_failure_applies_to_the_next_generation_only(http: httpx.Client, server: SandboxServer) -> None:
    server.state.script_generation_failure("generation_pipeline_failed", error="boom")
    failed = wait_done(http, create(http)["id"])
    assert (failed["status"], failed["errorCode"], failed["error"]) == ("FAILED", "generation_pipeline_failed", "boom")
    assert wait_done(http, create(http)["id"])["status"] == "COMPLETED"


def test_concurrency_limit_is_enforced(http: httpx.Client, server: SandboxServer) -> None:
    server.config.concurrency_limit = 2
    create(http)
    create(http)
    refused = http.post("/v2/generate", json=body())
    assert refused.status_code == 429
    assert refused.json()["errorCode"] == "concurrency_limit_reached"
    assert (refused.json()["activeGenerations"], refused.json()["concurrencyLimit"]) == (2, 2)
    assert server.state.generation_count() == 2


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        (body(input=[{"type": "video", "url": VIDEO}]), 400, "generation_input_validation_failed", "input"),
        (
            body(input=[{"type": "image", "url": VIDEO}, {"type": "audio", "url": AUDIO}]),
            400,
            "generation_unsupported_model",
            "model",
        ),
        (body(model="lipsync-9"), 400, "generation_unsupported_model", "model"),
        (body(projectId="not-a-uuid"), 422, "project_not_found", "projectId"),
        (body(options={"temperature": 3}), 400, "generation_input_validation_failed", "options.temperature"),
    ],
)
def test_validation_errors_name_code_field_and_suggestion(
    http: httpx.Client, server: SandboxServer, payload: dict[str, Any], status: int, code: str, field: str
) -> None:
    response = http.post("/v2/generate", json=payload)
    assert response.status_code == status, response.text
    data = response.json()
    assert (data["errorCode"], data["field"], data["statusCode"]) == (code, field, status)
    assert data["suggestion"] and data["message"]
    assert server.state.generation_count() == 0


def test_unknown_fields_are_refused_and_unusable_file_names_dropped(http: httpx.Client) -> None:
    typo = http.post("/v2/generate", json=body(options={"syncMode": "loop"}))
    assert typo.status_code == 400
    assert typo.json()["message"] == ["property options.syncMode should not exist"]
    assert create(http, body(outputFileName="!!!"))["outputFileName"] is None


def test_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post("/v2/generate", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


# ----------------------------------------------------------------------------------------------- faults, control


def test_scripted_fault_and_lost_reply(http: httpx.Client, server: SandboxServer) -> None:
    server.state.script_fault(status=503, error_code="controller_unavailable", retry_after=1, path="/v2/models")
    busy = http.get("/v2/models")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert busy.json()["errorCode"] == "controller_unavailable" and busy.json()["requestId"]
    assert http.get("/v2/models").status_code == 200

    server.state.script_fault(status=504, method="POST", path="/v2/generate", after_handling=True)
    lost = http.post("/v2/generate", json=body(), headers={"Idempotency-Key": "lost-1"})
    assert lost.status_code == 504
    assert server.state.generation_count() == 1
    retried = http.post("/v2/generate", json=body(), headers={"Idempotency-Key": "lost-1"})
    assert retried.status_code == 201 and server.state.generation_count() == 1


def test_control_endpoints(http: httpx.Client, server: SandboxServer) -> None:
    assert httpx.post(f"{server.base_url}/_sandbox/reset").status_code == 401
    queued = http.post("/_sandbox/script-failure", json={"errorCode": "generation_unknown_error"})
    assert queued.status_code == 200
    assert wait_done(http, create(http)["id"])["errorCode"] == "generation_unknown_error"
    log = http.get("/_sandbox/requests").json()
    assert [(e["method"], e["path"], e["has_api_key"]) for e in log] == [
        ("POST", "/v2/generate", True),
        ("GET", f"/v2/generate/{log[1]['path'].rsplit('/', 1)[1]}", True),
    ]
    assert server.api_key not in json.dumps(log)
    assert http.post("/_sandbox/reset").status_code == 200
    assert server.state.generation_count() == 0 and server.state.requests == []


# ----------------------------------------------------------------------------------------------- official SDK


def test_official_sdk_round_trip(server: SandboxServer) -> None:
    client = Sync(base_url=server.base_url, api_key=server.api_key)
    created = client.generations.create(model="lipsync-2", input=[Video(url=VIDEO), Audio(url=AUDIO)])
    assert created.status == "PENDING"
    time.sleep(PENDING + PROCESSING + 0.1)
    fetched = client.generations.get(created.id)
    assert fetched.status == "COMPLETED" and fetched.output_url
    listed = client.generations.list(status=["COMPLETED"])
    assert [g.id for g in listed] == [created.id]
    assert {m.id for m in client.models.list()} >= {"lipsync-2", "sync-3"}


def test_official_sdk_errors(server: SandboxServer) -> None:
    with pytest.raises(UnauthorizedError):
        Sync(base_url=server.base_url, api_key="sk-wrong").models.list()
    client = Sync(base_url=server.base_url, api_key=server.api_key)
    with pytest.raises(NotFoundError) as caught:
        client.generations.get(str(uuid.uuid4()))
    assert caught.value.body.errorCode == "generation_not_found"  # type: ignore[union-attr]


# ----------------------------------------------------------------------------------------------- async use


@pytest.mark.anyio
async def test_app_runs_in_process_without_a_server() -> None:
    app = create_app(SandboxConfig(pending_seconds=0, processing_seconds=0))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        headers = {"x-api-key": "sk-sandbox-local"}
        created = (await client.post("/v2/generate", json=body(), headers=headers)).json()
        done = (await client.get(f"/v2/generate/{created['id']}", headers=headers)).json()
    assert done["status"] == "COMPLETED"
    assert done["outputUrl"].startswith("http://sandbox.test/files/outputs/")


@pytest.mark.anyio
async def test_usable_from_async_code() -> None:
    async with SandboxServer(SandboxConfig(pending_seconds=0.05, processing_seconds=0.1)) as sb:
        async with httpx.AsyncClient(base_url=sb.base_url, headers={"x-api-key": sb.api_key}) as client:
            created = (await client.post("/v2/generate", json=body())).json()
            done = await client.get(f"/v2/generate/{created['id']}", params={"wait": "true", "timeout": 2})
            assert done.json()["status"] == "COMPLETED"
    assert not sb.running


def test_stop_ends_pending_long_polls_at_once() -> None:
    sandbox = SandboxServer(SandboxConfig(processing_seconds=60)).start()
    generation_id = httpx.post(
        f"{sandbox.base_url}/v2/generate", json=body(), headers={"x-api-key": sandbox.api_key}
    ).json()["id"]
    answers: list[httpx.Response] = []
    poll = threading.Thread(
        target=lambda: answers.append(
            httpx.get(
                f"{sandbox.base_url}/v2/generate/{generation_id}",
                params={"wait": "true", "timeout": 10},
                headers={"x-api-key": sandbox.api_key},
            )
        )
    )
    poll.start()
    time.sleep(0.2)
    started = time.monotonic()
    sandbox.stop()
    poll.join(timeout=5)
    assert time.monotonic() - started < 1.0
    assert answers and answers[0].json()["status"] in ("PENDING", "PROCESSING")
