"""Every rule of the create body is enforced before any request: a clear error naming the field, no cost."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer

from ..conftest import error, sent

pytestmark = pytest.mark.anyio

V = {"type": "video", "url": "https://m.example.com/v.mp4"}
I = {"type": "image", "url": "https://m.example.com/face.png"}  # noqa: E741
A = {"type": "audio", "url": "https://m.example.com/a.wav"}
T = {"type": "text", "provider": {"name": "elevenlabs", "voiceId": "voice-1", "script": "Hello there"}}


def body(model: str = "lipsync-2", inputs: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"model": model, "input": inputs if inputs is not None else [V, A], **extra}


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, arguments, errorCode, field named in the message)
    ("no visual", body(inputs=[A]), "generation_input_validation_failed", "input"),
    ("two visuals", body(inputs=[V, V, A]), "generation_input_too_many_visual", "input"),
    ("image needs sync-3", body(inputs=[I, A]), "generation_unsupported_model", "model"),
    ("no voice", body(inputs=[V]), "generation_input_validation_failed", "input"),
    (
        "dub an image",
        body("sync-3", [I], dubParams={"targetLang": "es"}),
        "generation_input_validation_failed",
        "dubParams",
    ),
    (
        "two voices without segments",
        body(inputs=[V, {**A, "refId": "a"}, {**T, "refId": "b"}]),
        "generation_input_segments_invalid",
        "input",
    ),
    (
        "url and assetId",
        body(inputs=[{**V, "assetId": "3b7e0f5e-8f6a-4f7e-9a1b-2c3d4e5f6a7b"}, A]),
        "generation_input_validation_failed",
        "input[video]",
    ),
    (
        "neither url nor assetId",
        body(inputs=[{"type": "video"}, A]),
        "generation_input_validation_failed",
        "input[video]",
    ),
    (
        "duplicate refIds",
        body(inputs=[{**V, "refId": "x"}, {**A, "refId": "x"}]),
        "generation_input_segments_invalid",
        "input[].refId",
    ),
    (
        "segments need refIds",
        body(inputs=[V, A], segments=[{"startTime": 0, "endTime": 1, "audioInput": {"refId": "a"}}]),
        "generation_input_segments_invalid",
        "input[].refId",
    ),
    (
        "segment refId must exist",
        body(inputs=[V, {**A, "refId": "a"}], segments=[{"startTime": 0, "endTime": 1, "audioInput": {"refId": "zz"}}]),
        "generation_input_segments_invalid",
        "segments[0].audioInput.refId",
    ),
    (
        "segment end before start",
        body(inputs=[V, {**A, "refId": "a"}], segments=[{"startTime": 2, "endTime": 1, "audioInput": {"refId": "a"}}]),
        "generation_input_segments_invalid",
        "segments[].endTime",
    ),
    (
        "negative segment time",
        body(inputs=[V, {**A, "refId": "a"}], segments=[{"startTime": -1, "endTime": 1, "audioInput": {"refId": "a"}}]),
        "generation_input_validation_failed",
        "segments.0.startTime",
    ),
    (
        "overlapping segments",
        body(
            inputs=[V, {**A, "refId": "a"}, {**T, "refId": "b"}],
            segments=[
                {"startTime": 0, "endTime": 2, "audioInput": {"refId": "a"}},
                {"startTime": 1, "endTime": 3, "audioInput": {"refId": "b"}},
            ],
        ),
        "generation_input_segments_invalid",
        "segments",
    ),
    (
        "half an audio crop",
        body(
            inputs=[V, {**A, "refId": "a"}],
            segments=[{"startTime": 0, "endTime": 1, "audioInput": {"refId": "a", "startTime": 0.5}}],
        ),
        "generation_input_trim_invalid",
        "segments[].audioInput",
    ),
    (
        "file name with extension",
        body(outputFileName="take.mp4"),
        "generation_input_validation_failed",
        "outputFileName",
    ),
    ("file name with space", body(outputFileName="my take"), "generation_input_validation_failed", "outputFileName"),
    ("file name too long", body(outputFileName="a" * 256), "generation_input_validation_failed", "outputFileName"),
    (
        "temperature above 1",
        body(options={"temperature": 1.5}),
        "generation_input_validation_failed",
        "options.temperature",
    ),
    (
        "stability below 0",
        body(inputs=[V, {**T, "provider": {**T["provider"], "stability": -0.1}}]),
        "generation_input_validation_failed",
        "provider.stability",
    ),
    (
        "script too long",
        body(inputs=[V, {**T, "provider": {**T["provider"], "script": "x" * 5001}}]),
        "generation_input_validation_failed",
        "provider.script",
    ),
    (
        "auto speaker detection on an image",
        body("sync-3", [I, A], options={"active_speaker_detection": {"auto_detect": True}}),
        "generation_input_face_selection_invalid",
        "options.active_speaker_detection",
    ),
    ("unknown model", body("lipsync-3"), "generation_input_validation_failed", "model"),
    (
        "unknown sync_mode",
        body(options={"sync_mode": "stretch"}),
        "generation_input_validation_failed",
        "options.sync_mode",
    ),
    (
        "unknown option key",
        body(options={"syncMode": "loop"}),
        "generation_input_validation_failed",
        "options.syncMode",
    ),
    (
        "unknown dub language",
        body(inputs=[V], dubParams={"targetLang": "xx"}),
        "generation_input_validation_failed",
        "dubParams.targetLang",
    ),
    (
        "non-http media url",
        body(inputs=[{**V, "url": "file:///etc/passwd"}, A]),
        "generation_input_validation_failed",
        "url",
    ),
    (
        "credentials in a url",
        body(inputs=[{**V, "url": "https://user:pw@m.example.com/v.mp4"}, A]),
        "generation_input_validation_failed",
        "url",
    ),
    ("projectId not a uuid", body(projectId="my-project"), "project_not_found", "projectId"),
    ("bad idempotency key", body(idempotencyKey="has spaces"), "generation_input_validation_failed", "idempotencyKey"),
]


@pytest.mark.parametrize(("case", "arguments", "code", "field"), CASES, ids=[c[0] for c in CASES])
async def test_rule_refuses_before_sending(
    client: Client, api: SandboxServer, case: str, arguments: dict[str, Any], code: str, field: str
) -> None:
    result = await client.call_tool("create_generation", arguments)
    assert result.is_error, case
    err = error(result)
    assert err["errorCode"] == code, err
    assert field in err["message"], err
    assert err["message"].startswith("Invalid arguments, nothing was sent")
    assert err["fix"] and err["retryable"] is False
    assert err.get("httpStatus") is None
    assert sent(api) == [], "an invalid body must never reach the API"


async def test_valid_documented_bodies_pass(client: Client, api: SandboxServer) -> None:
    ok_bodies = [
        body("sync-3", [I, T]),
        body("react-1", options={"model_mode": "head", "prompt": "happy"}),
        body(inputs=[V], dubParams={"targetLang": "es", "sourceLang": "auto"}),
        body(inputs=[V, {**A, "refId": "a"}, {**T, "refId": "b"}], segments=[
            {"startTime": 0, "endTime": 2, "audioInput": {"refId": "a", "startTime": 0, "endTime": 2}},
            {"startTime": 2, "endTime": 4, "audioInput": {"refId": "b"},
             "optionsOverride": {"temperature": 0.2}}]),
    ]  # fmt: skip
    for arguments in ok_bodies:
        result = await client.call_tool("create_generation", arguments)
        assert not result.is_error, result.structured_content
    assert api.state.generation_count() == len(ok_bodies)
