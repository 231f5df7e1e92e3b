"""`POST /v2/generate` with files (reference §3.2) on the sandbox, driven by the official SDK (`syncsdk`)
and by plain httpx for the forms the SDK cannot send."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sync import Sync
from sync.core.api_error import ApiError

from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * 4096
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"a" * 2048
IMAGE = b"\x89PNG\r\n\x1a\n" + b"i" * 1024
VOICE_URL = "https://media.example.test/voice.wav"


@pytest.fixture
def sdk(api: SandboxServer) -> Sync:
    return Sync(base_url=api.base_url, api_key=TEST_KEY)


@pytest.fixture
def http(api: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.base_url, headers={"x-api-key": TEST_KEY}, timeout=15) as client:
        yield client


def files(**parts: tuple[str, bytes, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return list(parts.items())


def post_form(
    http: httpx.Client, data: dict[str, Any], upload: list[tuple[str, tuple[str, bytes, str]]], **headers: str
) -> httpx.Response:
    return http.post("/v2/generate", data=data, files=upload, headers=headers)


def assets(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("/v2/assets", params={"limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def finished(http: httpx.Client, generation_id: str) -> dict[str, Any]:
    for _ in range(5):
        reply = http.get(f"/v2/generate/{generation_id}", params={"wait": "true", "timeout": 5}).json()
        if reply["status"] in ("COMPLETED", "FAILED", "REJECTED"):
            return reply
    raise AssertionError(f"generation {generation_id} did not finish: {reply}")


def refusal(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


# ----------------------------------------------------------------------------------------------- SDK


def test_sdk_create_with_files_completes_and_its_files_become_assets(
    api: SandboxServer, sdk: Sync, http: httpx.Client
) -> None:
    created = sdk.generations.create_with_files(
        model="lipsync-2",
        video=("face.mp4", VIDEO, "video/mp4"),
        audio=("voice.wav", AUDIO, "audio/wav"),
        webhook_url="https://hooks.example.test/sync",
    )
    assert created.status == "PENDING"
    assert created.webhook_url == "https://hooks.example.test/sync"
    by_type = {item.type: item.asset_id for item in created.input}
    assert set(by_type) == {"video", "audio"} and all(by_type.values())

    done = finished(http, created.id)
    assert done["status"] == "COMPLETED" and done["outputUrl"]

    listed = {a["id"]: a for a in assets(http)}
    assert set(listed) == set(by_type.values())
    video, audio = listed[by_type["video"]], listed[by_type["audio"]]
    assert (video["type"], video["name"], video["size"], video["inputType"]) == (
        "VIDEO",
        "face.mp4",
        len(VIDEO),
        "UPLOAD",
    )
    assert (audio["type"], audio["name"], audio["size"]) == ("AUDIO", "voice.wav", len(AUDIO))
    assert httpx.get(video["url"]).content == VIDEO
    assert http.get(f"/v2/assets/{by_type['audio']}/download").text == audio["url"]


def test_sdk_idempotency_replay_returns_the_same_generation_and_no_new_assets(
    api: SandboxServer, sdk: Sync, http: httpx.Client
) -> None:
    key = str(uuid.uuid4())
    options = {"additional_headers": {"Idempotency-Key": key}}
    first = sdk.generations.create_with_files(
        model="lipsync-2",
        video=("face.mp4", VIDEO, "video/mp4"),
        audio=("voice.wav", AUDIO, "audio/wav"),
        request_options=options,
    )
    again = sdk.generations.create_with_files(
        model="lipsync-2",
        video=("face.mp4", VIDEO, "video/mp4"),
        audio=("voice.wav", AUDIO, "audio/wav"),
        request_options=options,
    )
    assert again.id == first.id
    assert api.state.generation_count() == 1
    assert len(assets(http)) == 2

    with pytest.raises(ApiError) as other_file:
        sdk.generations.create_with_files(
            model="lipsync-2",
            video=("face.mp4", VIDEO + b"x", "video/mp4"),
            audio=("voice.wav", AUDIO, "audio/wav"),
            request_options=options,
        )
    assert other_file.value.status_code == 409
    assert api.state.generation_count() == 1 and len(assets(http)) == 2


# ----------------------------------------------------------------------------------------------- the form


def test_form_fields_are_json_and_a_file_fills_the_input_item_of_its_type(http: httpx.Client) -> None:
    text = {"type": "text", "refId": "a", "provider": {"name": "elevenlabs", "voiceId": "v1", "script": "Hi"}}
    response = post_form(
        http,
        {
            "model": "lipsync-2",
            "input": json.dumps([text, {"type": "video"}]),
            "options": json.dumps({"sync_mode": "cut_off"}),
            "outputFileName": "take one",
        },
        files(video=("face.mp4", VIDEO, "video/mp4")),
    )
    created = refusal(response, 201)
    assert created["input"][0] == text
    assert created["input"][1]["type"] == "video" and created["input"][1]["assetId"]
    assert len(created["input"]) == 2
    assert created["options"]["sync_mode"] == "cut_off"
    assert created["outputFileName"] == "take_one"
    assert [a["id"] for a in assets(http)] == [created["input"][1]["assetId"]]


def test_an_image_file_is_for_sync_3_only(api: SandboxServer, http: httpx.Client) -> None:
    audio = json.dumps([{"type": "audio", "url": VOICE_URL}])
    refused = post_form(http, {"model": "lipsync-2", "input": audio}, files(image=("still.png", IMAGE, "image/png")))
    body = refusal(refused, 400)
    assert body["errorCode"] == "generation_unsupported_model" and body["field"] == "model"
    assert assets(http) == [] and api.state.generation_count() == 0

    created = refusal(
        post_form(http, {"model": "sync-3", "input": audio}, files(image=("still.png", IMAGE, "image/png"))), 201
    )
    assert [i["type"] for i in created["input"]] == ["audio", "image"]
    assert [a["type"] for a in assets(http)] == ["IMAGE"]


@pytest.mark.parametrize(
    ("data", "field"),
    [({"options": "{sync_mode: loop"}, "options"), ({"input": "[{"}, "input"), ({"segments": ""}, "segments")],
)
def test_a_field_that_is_not_json_is_refused_by_name(
    api: SandboxServer, http: httpx.Client, data: dict[str, str], field: str
) -> None:
    response = post_form(http, {"model": "lipsync-2", **data}, files(video=("face.mp4", VIDEO, "video/mp4")))
    body = refusal(response, 400)
    assert body["errorCode"] == "generation_input_validation_failed"
    assert body["field"] == field and field in body["message"][0]
    assert assets(http) == [] and api.state.generation_count() == 0


def test_more_than_three_files_is_over_the_parser_limit(api: SandboxServer, http: httpx.Client) -> None:
    upload = [
        ("video", ("a.mp4", VIDEO, "video/mp4")),
        ("audio", ("b.wav", AUDIO, "audio/wav")),
        ("image", ("c.png", IMAGE, "image/png")),
        ("audio", ("d.wav", AUDIO, "audio/wav")),
    ]
    body = refusal(post_form(http, {"model": "sync-3"}, upload), 413)
    assert body["errorCode"] == "generation_input_validation_failed"
    assert assets(http) == [] and api.state.generation_count() == 0


def test_a_field_over_one_mebibyte_is_over_the_parser_limit(http: httpx.Client) -> None:
    big = json.dumps({"sync_mode": "loop", "pad": "x" * (1024 * 1024)})
    body = refusal(
        post_form(http, {"model": "lipsync-2", "options": big}, files(video=("a.mp4", VIDEO, "video/mp4"))), 413
    )
    assert body["errorCode"] == "generation_input_validation_failed"


def test_one_file_of_each_type_and_only_media_fields(api: SandboxServer, http: httpx.Client) -> None:
    two_videos = [("video", ("a.mp4", VIDEO, "video/mp4")), ("video", ("b.mp4", VIDEO, "video/mp4"))]
    body = refusal(post_form(http, {"model": "lipsync-2"}, two_videos), 400)
    assert (body["errorCode"], body["field"]) == ("generation_input_validation_failed", "video")

    other = refusal(post_form(http, {"model": "lipsync-2"}, files(text=("t.txt", b"hi", "text/plain"))), 400)
    assert other["field"] == "text"
    assert assets(http) == [] and api.state.generation_count() == 0


def test_a_multipart_create_is_validated_like_the_json_one(api: SandboxServer, http: httpx.Client) -> None:
    missing_audio = refusal(post_form(http, {"model": "lipsync-2"}, files(video=("a.mp4", VIDEO, "video/mp4"))), 400)
    assert missing_audio["errorCode"] == "generation_input_validation_failed"

    unknown = refusal(
        post_form(
            http,
            {"model": "lipsync-2", "projectId": str(uuid.uuid4())},
            files(video=("a.mp4", VIDEO, "video/mp4"), audio=("b.wav", AUDIO, "audio/wav")),
        ),
        422,
    )
    assert unknown["errorCode"] == "project_not_found"
    assert assets(http) == [] and api.state.generation_count() == 0
