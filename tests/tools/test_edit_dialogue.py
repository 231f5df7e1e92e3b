"""edit_dialogue through real MCP clients against the sandbox: plain words to a preview, and the billed video
only after the user's go-ahead (asked through elicitation, or a second call with confirm=true)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer

from ..conftest import CATALOG, VIDEO, data, error, sent
from .test_spending import approve, connect, decline

pytestmark = pytest.mark.anyio
WEDNESDAY = (
    "Hi everyone, um, thanks for joining. Our next team meeting is on Wednesday at ten in the main room. "
    "See you all there."
)
NO_UM = (
    "Hi everyone, thanks for joining. Our next team meeting is on Tuesday at ten in the main room. See you all there."
)


@pytest.fixture(autouse=True)
def rollout(api: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.config, "dialogue_edit_enabled", True)


def posts(api: SandboxServer, path: str) -> list[Any]:
    return [r for r in sent(api, path) if r.method == "POST" and r.path == path]


async def test_make_it_say_wednesday_asks_with_the_change_and_price_then_creates_from_the_preview(
    api: SandboxServer, mode: str
) -> None:
    async with connect(api, mode, approve) as (client, asked):
        result = data(await client.call_tool("edit_dialogue", {"video": VIDEO, "new_text": WEDNESDAY}))
    assert result["status"] == "COMPLETED" and result["previewAudioUrl"]
    assert [(c["before"], c["after"]) for c in result["changes"]] == [("Tuesday", "Wednesday")]
    assert len(asked) == 1 and '"Tuesday" -> "Wednesday"' in asked[0] and "$" in asked[0]
    (edit,) = posts(api, "/v2/dialogue-edits")
    assert [(e["kind"], e["replacement"]) for e in edit.body["edits"]] == [("change", "Wednesday")]
    assert len(posts(api, "/v2/transcriptions")) == 1
    (create,) = posts(api, "/v2/generate")
    assert create.body["dialogueEdit"] == {"id": result["editId"]}
    assert create.body["input"] == [{"type": "video", "url": VIDEO}]
    assert result["generationId"] and result["estimatedCostUsd"] is not None


async def test_without_elicitation_a_removal_is_previewed_and_no_video_is_made_until_confirm(
    client: Client, api: SandboxServer
) -> None:
    result = data(await client.call_tool("edit_dialogue", {"video": VIDEO, "new_text": NO_UM}))
    assert [(c["before"], c["after"]) for c in result["changes"]] == [("um,", "")]
    (edit,) = posts(api, "/v2/dialogue-edits")
    assert [e["kind"] for e in edit.body["edits"]] == ["remove"]
    assert posts(api, "/v2/generate") == []
    assert "confirm=true" in result["nextStep"] and result["editId"] in result["nextStep"]
    assert "generationId" not in result
    made = data(await client.call_tool("edit_dialogue", {"video": VIDEO, "edit_id": result["editId"], "confirm": True}))
    (create,) = posts(api, "/v2/generate")
    assert create.body["dialogueEdit"] == {"id": result["editId"]} and made["generationId"]
    assert made["generationStatus"] == "COMPLETED" and made["outputUrl"], "the go-ahead call follows the video"
    assert made["outputUrl"] in made["nextStep"] or "outputUrl" in made["nextStep"]
    assert len(posts(api, "/v2/dialogue-edits")) == 1


async def test_a_declined_go_ahead_creates_nothing(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, decline) as (client, asked):
        result = data(await client.call_tool("edit_dialogue", {"video": VIDEO, "new_text": WEDNESDAY}))
    assert asked and "declined" in result["nextStep"]
    assert posts(api, "/v2/generate") == []


async def test_an_edit_the_api_refuses_is_its_400_and_no_job_exists(client: Client, api: SandboxServer) -> None:
    edits = [{"kind": "remove", "wordId": "not-a-word"}]
    refused = error(await client.call_tool("edit_dialogue", {"video": VIDEO, "edits": edits}))
    assert refused["httpStatus"] == 400 and "not-a-word" in refused["message"]
    assert [r for r in sent(api, "/v2/dialogue-edits") if r.method == "GET"] == []
    assert posts(api, "/v2/generate") == []


async def test_a_partial_preview_says_plainly_what_it_lacks(client: Client, api: SandboxServer) -> None:
    video = f"{VIDEO}?sandbox_dialogue=partial"
    result = data(await client.call_tool("edit_dialogue", {"video": video, "new_text": WEDNESDAY}))
    assert result["status"] == "COMPLETED_PARTIAL" and result["previewAudioUrl"]
    assert "not everything" in result["partial"] and "background" in result["partial"]


async def test_an_organisation_without_the_rollout_gets_the_apis_error_and_fix(
    client: Client, api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.config, "dialogue_edit_enabled", False)
    refused = error(await client.call_tool("edit_dialogue", {"video": VIDEO, "new_text": WEDNESDAY}))
    assert refused["errorCode"] == "dialogue_edit_retime_required"
    assert refused["fix"] == CATALOG["dialogue_edit_retime_required"].fix


async def test_a_source_with_several_speakers_is_the_apis_refusal(client: Client, api: SandboxServer) -> None:
    video = f"{VIDEO}?sandbox_speakers=2"
    refused = error(await client.call_tool("edit_dialogue", {"video": video, "new_text": WEDNESDAY}))
    assert refused["errorCode"] == "dialogue_edit_unsupported" and refused["httpStatus"] == 422
    assert refused["fix"] == CATALOG["dialogue_edit_unsupported"].fix
    assert posts(api, "/v2/generate") == []


async def test_confirm_counts_only_for_a_preview_already_heard(client: Client, api: SandboxServer) -> None:
    result = data(await client.call_tool("edit_dialogue", {"video": VIDEO, "new_text": WEDNESDAY, "confirm": True}))
    assert "generationId" not in result and posts(api, "/v2/generate") == []
    other = "https://media.example.com/in/someone-else.mp4"
    refused = error(
        await client.call_tool("edit_dialogue", {"video": other, "edit_id": result["editId"], "confirm": True})
    )
    assert refused["field"] == "edit_id" and posts(api, "/v2/generate") == []


async def test_a_transcription_from_transcribe_is_reused(client: Client, api: SandboxServer) -> None:
    heard = data(await client.call_tool("transcribe", {"video": VIDEO}))
    new_text = heard["text"].replace("Tuesday", "Wednesday")
    args = {"video": VIDEO, "transcription_id": heard["id"], "new_text": new_text}
    result = data(await client.call_tool("edit_dialogue", args))
    assert result["transcriptionId"] == heard["id"] and result["changes"][0]["after"] == "Wednesday"
    assert len(posts(api, "/v2/transcriptions")) == 1


async def test_a_failed_preview_says_why_and_makes_no_video(client: Client, api: SandboxServer) -> None:
    video = f"{VIDEO}?sandbox_dialogue=fail"
    result = data(await client.call_tool("edit_dialogue", {"video": video, "new_text": WEDNESDAY}))
    assert result["status"] == "FAILED" and result["error"]["code"] == "EDIT_TOO_LONG"
    assert "shorten" in result["nextStep"] and posts(api, "/v2/generate") == []


async def test_a_preview_wait_that_runs_out_returns_its_id_and_edit_id_continues(
    client: Client, api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard = data(await client.call_tool("transcribe", {"video": VIDEO}))
    monkeypatch.setattr(api.config, "processing_seconds", 3.0)
    args = {"video": VIDEO, "transcription_id": heard["id"], "new_text": WEDNESDAY, "timeout": 1}
    first = data(await client.call_tool("edit_dialogue", args))
    assert first["status"] in ("PENDING", "PROCESSING") and f"edit_id={first['editId']}" in first["nextStep"]
    monkeypatch.setattr(api.config, "processing_seconds", 0.0)
    again = data(await client.call_tool("edit_dialogue", {"video": VIDEO, "edit_id": first["editId"]}))
    assert again["status"] == "COMPLETED" and again["changes"][0]["after"] == "Wednesday"
    assert len(posts(api, "/v2/dialogue-edits")) == 1 and posts(api, "/v2/generate") == []
