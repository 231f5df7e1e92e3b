"""The client and the sandbox agree on every documented rule of a request, each reading the reference on its
own: the client's wire models (`sync_mcp.api`) and the sandbox's `sandbox/rules/`.

For each rule (create, batch, cost estimate, asset, project, voice and speech bodies; list, usage and count
queries), a request that breaks it is refused by the client before anything is sent (through the tool a user
calls) and by the sandbox (HTTP status and errorCode as the reference gives them, sent directly); one that keeps
it is accepted by both. A disagreement fails with the rule's name. Where the two readings differ on purpose,
`DIFFERENCES` (the client refuses what the sandbox answers otherwise) and `COMPLETED` (the client completes or
converts a field before sending) say why, and the test holds that the difference is still exactly that.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import TEST_KEY, error, make_settings, sent

pytestmark = pytest.mark.anyio

V = {"type": "video", "url": "https://m.example.com/v.mp4"}
I = {"type": "image", "url": "https://m.example.com/face.png"}  # noqa: E741
A = {"type": "audio", "url": "https://m.example.com/a.wav"}
RA = {**A, "refId": "a"}
RB = {"type": "text", "refId": "b", "provider": {"name": "elevenlabs", "voiceId": "voice-1", "script": "Hi"}}
DUB = {"targetLang": "es"}
VALIDATION = "generation_input_validation_failed"
SEGMENTS = "generation_input_segments_invalid"
TRIM = "generation_input_trim_invalid"


def body(*inputs: dict[str, Any], model: str = "lipsync-2", **extra: Any) -> dict[str, Any]:
    return {"model": model, "input": list(inputs) or [V, A], **extra}


def text(script: str = "Hello there", **provider: Any) -> dict[str, Any]:
    return {"type": "text", "provider": {"name": "elevenlabs", "voiceId": "voice-1", "script": script, **provider}}


def seg(start: float, end: float, ref: str = "a", **audio: Any) -> dict[str, Any]:
    return {"startTime": start, "endTime": end, "audioInput": {"refId": ref, **audio}}


Rule = tuple[str, dict[str, Any], tuple[int, str] | None]
"""(rule and its section, create body, (status, errorCode) the reference gives for it; None: accepted)."""

CREATE: list[Rule] = [
    ("§3.1 model: a public id", body(model="react-1"), None),
    ("§3.1 input: required", {"model": "lipsync-2"}, (400, VALIDATION)),
    ("§3.1.1 rule 1: no visual", body(A), (400, VALIDATION)),
    ("§3.1.1 rule 1: two visuals", body(V, V, A), (400, "generation_input_too_many_visual")),
    ("§3.1.1 rule 2: image on lipsync-2", body(I, A), (400, "generation_unsupported_model")),
    ("§3.1.1 rule 2: image on sync-3", body(I, A, model="sync-3"), None),
    ("§3.1.1 rule 3: no voice item", body(V), (400, VALIDATION)),
    ("§3.1.1 rule 3: dubParams stands in for the voice", body(V, dubParams=DUB), None),
    ("§3.1 input: dubParams needs a video", body(I, model="sync-3", dubParams=DUB), (400, VALIDATION)),
    ("§3.1 input: voice items beside dubParams are ignored", body(V, A, dubParams=DUB), None),
    ("§3.1.1 rule 5: two voices without segments", body(V, RA, RB), (400, SEGMENTS)),
    ("§3.1.1 rule 5: two voices with segments", body(V, RA, RB, segments=[seg(0, 1), seg(1, 2, "b")]), None),
    ("§3.1.1 rule 6: repeated refId", body({**V, "refId": "a"}, RA), (400, SEGMENTS)),
    ("§3.1.1 rule 6: segments need refIds", body(V, A, segments=[seg(0, 1)]), (400, SEGMENTS)),
    ("§3.1.1 rule 6: a segment names an input", body(V, RA, segments=[seg(0, 1, "zz")]), (400, SEGMENTS)),
    ("§3.1.4 segment: reversed range", body(V, RA, segments=[seg(2, 1)]), (400, SEGMENTS)),
    ("§3.1.4 segment: zero length (segments guide)", body(V, RA, segments=[seg(1, 1)]), None),
    ("§3.1.4 segment: negative time", body(V, RA, segments=[seg(-1, 1)]), (400, VALIDATION)),
    ("§3.1.4 segments: overlap", body(V, RA, RB, segments=[seg(0, 2), seg(1, 3, "b")]), (400, SEGMENTS)),
    ("§3.1.4 crop: half a pair", body(V, RA, segments=[seg(0, 2, startTime=1)]), (400, TRIM)),
    ("§3.1.4 crop: reversed", body(V, RA, segments=[seg(0, 2, startTime=1, endTime=0.5)]), (400, TRIM)),
    ("§3.1.4 crop: both ends", body(V, RA, segments=[seg(0, 2, startTime=0.5, endTime=1)]), None),
    ("§3.1.1 rule 7: url or assetId", body({"type": "video"}, A), (400, VALIDATION)),
    ("§3.1.1 url: not http(s) [INF]", body({**V, "url": "ftp://m.example.com/v.mp4"}, A), (400, VALIDATION)),
    ("§3.1.1 type: unknown item type", body(V, {"type": "music", "url": A["url"]}), (400, VALIDATION)),
    ("§3.1.1 provider.script: 5000 characters", body(V, text("x" * 5000)), None),
    ("§3.1.1 provider.script: over 5000", body(V, text("x" * 5001)), (400, VALIDATION)),
    ("§3.1.1 provider.script: empty", body(V, text("")), (400, VALIDATION)),
    ("§3.1.1 provider.name: elevenlabs only", body(V, text(name="acme")), (400, VALIDATION)),
    ("§3.1.1 provider.stability: 0-1", body(V, text(stability=1.5)), (400, VALIDATION)),
    ("§3.1.1 provider.similarityBoost: 0-1", body(V, text(similarityBoost=0)), None),
    ("§3.1.3 sync_mode: enum", body(options={"sync_mode": "stretch"}), (400, VALIDATION)),
    ("§3.1.3 sync_mode: remap", body(options={"sync_mode": "remap"}), None),
    ("§3.1.3 temperature: above 1", body(options={"temperature": 1.5}), (400, VALIDATION)),
    ("§3.1.3 temperature: 1", body(options={"temperature": 1}), None),
    ("§3.1.3 model_mode: enum", body(model="react-1", options={"model_mode": "body"}), (400, VALIDATION)),
    ("§3.1.3 prompt: enum", body(model="react-1", options={"prompt": "bored"}), (400, VALIDATION)),
    ("§3.1.3 prompt: an emotion", body(model="react-1", options={"prompt": "happy", "model_mode": "head"}), None),
    ("§3.1.3 options: unknown key", body(options={"syncMode": "loop"}), (400, VALIDATION)),
    (
        "§3.1.3 auto_detect: video only",
        body(I, A, model="sync-3", options={"active_speaker_detection": {"auto_detect": True}}),
        (400, "generation_input_face_selection_invalid"),
    ),
    (
        "§3.1.3 a face on an image by coordinates",
        body(I, A, model="sync-3", options={"active_speaker_detection": {"frame_number": 0, "coordinates": [5, 9]}}),
        None,
    ),
    (
        "§3.1.3 frame_number: >= 0",
        body(options={"active_speaker_detection": {"frame_number": -1, "coordinates": [5, 9]}}),
        (400, VALIDATION),
    ),
    ("§3.1.5 targetLang: enum", body(V, dubParams={"targetLang": "xx"}), (400, VALIDATION)),
    ("§3.1.5 targetLang: fil", body(V, dubParams={"targetLang": "fil", "sourceLang": "auto"}), None),
    ("§3.1.5 sourceLang: enum", body(V, dubParams={**DUB, "sourceLang": "xx"}), (400, VALIDATION)),
    ("§3.1.5 numSpeakers: 0-50", body(V, dubParams={**DUB, "numSpeakers": 51}), (400, VALIDATION)),
    ("§3.1 projectId: a UUID", body(projectId="not-a-uuid"), (422, "project_not_found")),
    ("§3.1 webhookUrl: a URL", body(webhookUrl="not a url"), (400, VALIDATION)),
    ("§3.1 webhookUrl: https", body(webhookUrl="https://hooks.example.com/sync"), None),
]

DIFFERENCES: list[tuple[str, dict[str, Any], str, str, tuple[int, str] | None]] = [
    # (rule, body, why the two sides differ, the client's local errorCode, what the sandbox answers)
    (
        "§3.1 model: an unknown id",
        body(model="lipsync-9"),
        "the reference names no code for an id outside the enum: the catalog's generation_unsupported_model covers "
        "'a model id the account cannot use' (the sandbox's reading), the client calls it a schema failure",
        VALIDATION,
        (400, "generation_unsupported_model"),
    ),
    (
        "§3.1.1 rule 7: url and assetId together",
        body({**V, "assetId": "3b7e0f5e-8f6a-4f7e-9a1b-2c3d4e5f6a7b"}, A),
        "the reference asks for at least one of them; the client asks for exactly one, which is stricter",
        VALIDATION,
        (404, "asset_not_found"),  # both given: the sandbox looks the asset up
    ),
    (
        "§3.1 outputFileName: characters outside [A-Za-z0-9_-]",
        body(outputFileName="my take"),
        "the API sanitises the name (reference §3.1); rule 8 of §3.1.1 recommends refusing it locally",
        VALIDATION,
        None,
    ),
]

COMPLETED: list[tuple[str, dict[str, Any], tuple[str | int, ...], Any]] = [
    # (rule, a body the sandbox refuses as given (400 generation_input_validation_failed), where the client's
    # request differs from it, and what the client sent there): the client completes or converts before sending
    (
        "§3.1.1 provider.name: required (the client fills in elevenlabs)",
        body(V, {"type": "text", "provider": {"voiceId": "voice-1", "script": "Hi"}}),
        ("input", 1, "provider", "name"),
        "elevenlabs",
    ),
    (
        "§3.1.3 temperature: a number (the client converts the string)",
        body(options={"temperature": "0.5"}),
        ("options", "temperature"),
        0.5,
    ),
]


@pytest.fixture
async def one_client(api: SandboxServer) -> Any:
    async with Client(build_server(make_settings(api))) as c:
        yield c


async def sandbox_reply(api: SandboxServer, path: str, payload: dict[str, Any]) -> tuple[int, str | None]:
    async with httpx.AsyncClient(base_url=api.base_url, headers={"x-api-key": TEST_KEY}) as http:
        response = await http.post(path, json=payload)
    if response.status_code < 400:
        return response.status_code, None
    return response.status_code, response.json().get("errorCode")


async def client_refusal(client: Client, api: SandboxServer, tool: str, arguments: dict[str, Any]) -> str | None:
    """The errorCode of the client's local refusal, or None when it sent the request."""
    before = len(sent(api))
    result = await client.call_tool(tool, arguments)
    if len(sent(api)) > before:
        return None
    return str(error(result)["errorCode"])


def row(n: int, **payload: Any) -> dict[str, Any]:
    return {"request_id": f"clip-{n}", "endpoint": "/v2/generate", "payload": body(**payload)}


ROWS = [row(n) for n in range(20)]


def rows_with(n: int, changed: dict[str, Any]) -> dict[str, Any]:
    return {"rows": [*ROWS[:n], changed, *ROWS[n + 1 :]]}


BATCH: list[Rule] = [
    ("§9 20 rows", {"rows": ROWS}, None),
    ("§9 dry_run", {"rows": ROWS, "dry_run": True}, None),
    ("§9 fewer than 20 rows", {"rows": ROWS[:19]}, (400, "batch_insufficient_records")),
    ("§9 more than 500 rows", {"rows": [row(n) for n in range(501)]}, (400, "batch_too_many_requests")),
    (
        "§9 repeated request_id",
        rows_with(12, {**ROWS[12], "request_id": "clip-3"}),
        (400, "batch_duplicate_request_id"),
    ),
    ("§9 endpoint", rows_with(3, {**ROWS[3], "endpoint": "/v2/tts"}), (400, "batch_invalid_endpoint")),
    ("§9 request_id required", rows_with(2, {"payload": ROWS[2]["payload"]}), (400, VALIDATION)),
    ("§9 payload: the create rules", rows_with(7, row(7, input=[V])), (400, VALIDATION)),
    ("§9 payload: image on lipsync-2", rows_with(5, row(5, input=[I, A])), (400, "generation_unsupported_model")),
    ("§12 webhook_url: http(s)", {"rows": ROWS, "webhook_url": "ftp://hooks.example.com"}, (400, VALIDATION)),
]

ESTIMATE: list[Rule] = [
    ("§3.9 model and duration", {"model": "lipsync-2", "duration": 4}, None),
    ("§3.9 fps", {"model": "lipsync-2", "duration": 4, "fps": 25}, None),
    ("§3.9 duration > 0", {"model": "lipsync-2", "duration": 0}, (400, VALIDATION)),
    ("§3.9 fps > 0", {"model": "lipsync-2", "duration": 4, "fps": -1}, (400, VALIDATION)),
]

MEDIA = "https://m.example.com/v.mp4"
SAMPLE = "https://media.example.com/voices/anna.wav"
SAY = {"script": "Hello there", "voiceId": "voice-1", "provider": "elevenlabs"}

ASSETS: list[Rule] = [
    ("§5.2 url and type", {"url": MEDIA, "type": "VIDEO"}, None),
    ("§5.2 type: enum", {"url": MEDIA, "type": "MOVIE"}, (400, VALIDATION)),
    ("§5.2 visibility: enum", {"url": MEDIA, "type": "VIDEO", "visibility": "PUBLIC"}, (400, VALIDATION)),
    ("§5.2 url: http(s) [INF]", {"url": "ftp://m.example.com/v.mp4", "type": "VIDEO"}, (400, VALIDATION)),
    ("§5.2 projectId: an org project", {"url": MEDIA, "type": "VIDEO", "projectId": "p1"}, (422, "project_not_found")),
]

PROJECTS: list[Rule] = [
    ("§6 create: a name", {"name": "Films", "mode": "DEVELOPER", "defaultWorkflow": "lipsync"}, None),
    ("§6 create: mode enum", {"name": "Films", "mode": "STUDIO"}, (400, VALIDATION)),
    ("§6 create: visibility enum", {"name": "Films", "visibility": "PUBLIC"}, (400, VALIDATION)),
    ("§6 create: defaultWorkflow enum", {"name": "Films", "defaultWorkflow": "dub"}, (400, VALIDATION)),
    ("§6 create: id is a UUID", {"name": "Films", "id": "films"}, (400, VALIDATION)),
]

VOICES: list[Rule] = [
    ("§7 clone: a name and a sample", {"name": "Anna", "url": SAMPLE}, None),
    ("§7 clone: one sample, not two [INF]", {"name": "Anna", "url": SAMPLE, "assetId": "a1"}, (400, VALIDATION)),
    ("§7 clone: a sample", {"name": "Anna"}, (400, VALIDATION)),
    ("§7 clone: a name that is not blank", {"name": "  ", "url": SAMPLE}, (400, VALIDATION)),
]

SPEECH: list[Rule] = [
    ("§8 script, voiceId, provider", SAY, None),
    ("§8 script: 1-5000", {**SAY, "script": "x" * 5001}, (400, VALIDATION)),
    ("§8 stability: 0-1", {**SAY, "stability": 2}, (400, VALIDATION)),
    ("§8 similarityBoost: 0-1", {**SAY, "similarityBoost": -0.5}, (400, VALIDATION)),
]

SURFACES = [
    *[("register_asset", "/v2/assets", *case) for case in ASSETS],
    *[("create_project", "/v2/projects", *case) for case in PROJECTS],
    *[("clone_voice", "/v2/voices", *case) for case in VOICES],
    *[("create_speech", "/v2/tts", *case) for case in SPEECH],
    *[("create_generation", "/v2/generate", *case) for case in CREATE],
    *[("create_batch", "/v2/batch", *case) for case in BATCH],
    *[("estimate_cost", "/v2/generations/estimate", *case) for case in ESTIMATE],
]


@pytest.mark.parametrize(("tool", "path", "rule", "payload", "expected"), SURFACES, ids=[c[2] for c in SURFACES])
async def test_client_and_sandbox_agree(
    one_client: Client,
    api: SandboxServer,
    tool: str,
    path: str,
    rule: str,
    payload: dict[str, Any],
    expected: tuple[int, str] | None,
) -> None:
    refused_by_client = await client_refusal(one_client, api, tool, payload)
    api.state.reset()  # what the client made (a voice named Anna, ...) must not refuse the same body again
    status, code = await sandbox_reply(api, path, payload)
    if expected is None:
        assert refused_by_client is None, f"{rule}: the client refused ({refused_by_client}) a body the API accepts"
        assert status < 300, f"{rule}: the sandbox answered {status} {code} to a body the API accepts"
    else:
        assert (status, code) == expected, f"{rule}: the sandbox answered {status} {code}, the reference {expected}"
        assert refused_by_client == expected[1], f"{rule}: the client answered {refused_by_client}, not {expected[1]}"


@pytest.mark.parametrize(
    ("rule", "payload", "why", "client_code", "expected"), DIFFERENCES, ids=[c[0] for c in DIFFERENCES]
)
async def test_where_the_two_readings_differ_it_is_known_and_said_why(
    one_client: Client,
    api: SandboxServer,
    rule: str,
    payload: dict[str, Any],
    why: str,
    client_code: str,
    expected: tuple[int, str] | None,
) -> None:
    assert await client_refusal(one_client, api, "create_generation", payload) == client_code, f"{rule}: {why}"
    status, code = await sandbox_reply(api, "/v2/generate", payload)
    assert (status, code) == (expected or (201, None)), f"{rule}: {why}"


@pytest.mark.parametrize(("rule", "payload", "where", "value"), COMPLETED, ids=[c[0] for c in COMPLETED])
async def test_what_the_client_completes_is_sent_completed(
    one_client: Client, api: SandboxServer, rule: str, payload: dict[str, Any], where: tuple[str | int, ...], value: Any
) -> None:
    assert await client_refusal(one_client, api, "create_generation", payload) is None, rule
    creates = [r.body for r in sent(api, "/v2/generate") if r.method == "POST"]
    assert len(creates) == 1, rule
    got: Any = creates[0]
    for step in where:
        got = got[step]
    assert got == value, rule
    assert await sandbox_reply(api, "/v2/generate", payload) == (400, VALIDATION), rule


START, END = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"
QUERIES: list[tuple[str, str, dict[str, Any], str, tuple[int, str] | None]] = [
    # (rule, tool, its arguments, path, the same query on the wire, what the reference answers; None: accepted)
    ("§3.10 a range", "get_usage", {"startTime": START, "endTime": END}, "/v2/usage/generations", None),
    (
        "§3.10 endTime after startTime",
        "get_usage",
        {"startTime": END, "endTime": START},
        "/v2/usage/generations",
        (400, VALIDATION),
    ),
    (
        "§3.5 status and type",
        "count_generations",
        {"status": ["COMPLETED", "FAILED"], "type": "api"},
        "/v2/generations/count",
        None,
    ),
    ("§3.5 status: enum", "count_generations", {"status": ["DONE"]}, "/v2/generations/count", (400, VALIDATION)),
    ("§3.5 type: enum", "count_generations", {"type": "web"}, "/v2/generations/count", (400, VALIDATION)),
    ("§9 list: a status", "list_batches", {"status": "COMPLETED"}, "/v2/batch", None),
    ("§9 list: status enum", "list_batches", {"status": "DONE"}, "/v2/batch", (400, VALIDATION)),
    ("§6 list: limit 1-100", "list_projects", {"limit": 101}, "/v2/projects", (400, VALIDATION)),
    ("§6 list: sortBy", "list_projects", {"sortBy": "name"}, "/v2/projects", None),
    ("§5.3 list: sortBy enum", "list_assets", {"sortBy": "sizeUp"}, "/v2/assets", (400, VALIDATION)),
    ("§5.3 list: types", "list_assets", {"types": ["AUDIO", "VIDEO"]}, "/v2/assets", None),
]


def wire_query(arguments: dict[str, Any]) -> dict[str, Any]:
    """The tool's arguments as a query string sends them: lists comma-separated."""
    return {k: ",".join(v) if isinstance(v, list) else v for k, v in arguments.items()}


@pytest.mark.parametrize(("rule", "tool", "arguments", "path", "expected"), QUERIES, ids=[c[0] for c in QUERIES])
async def test_client_and_sandbox_agree_on_queries(
    one_client: Client,
    api: SandboxServer,
    rule: str,
    tool: str,
    arguments: dict[str, Any],
    path: str,
    expected: tuple[int, str] | None,
) -> None:
    refused_by_client = await client_refusal(one_client, api, tool, arguments)
    async with httpx.AsyncClient(base_url=api.base_url, headers={"x-api-key": TEST_KEY}) as http:
        reply = await http.get(path, params=wire_query(arguments))
    code = reply.json().get("errorCode") if reply.status_code >= 400 else None
    if expected is None:
        assert refused_by_client is None, f"{rule}: the client refused ({refused_by_client}) a query the API accepts"
        assert reply.status_code == 200, f"{rule}: the sandbox answered {reply.status_code} {code}"
    else:
        assert (reply.status_code, code) == expected, f"{rule}: the sandbox answered {reply.status_code} {code}"
        assert refused_by_client == expected[1], f"{rule}: the client answered {refused_by_client}, not {expected[1]}"
