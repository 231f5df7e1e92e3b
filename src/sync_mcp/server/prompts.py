"""Prompts: the five common jobs, each a message that walks the agent through the right tools in order.

The texts name only tools this server offers now (its enabled toolsets), so a prompt never sends the agent to
a tool that is missing; when the tools a job needs are off, the prompt says how to enable them. Arguments are
checked where the API has a closed list (models, languages); a bad value is an invalid-params error naming the
argument and the allowed values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.prompts.base import Message, UserMessage
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, EmbeddedResource, TextResourceContents
from pydantic import Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api.capabilities import MODELS
from sync_mcp.api.languages import DUB_LANGUAGES
from sync_mcp.guidance.errors import explain
from sync_mcp.toolkit.results import generation_uri
from sync_mcp.toolkit.state import tool_state
from sync_mcp.tools.toolsets import Offered

Offers = Callable[[str], bool]
"""Whether the server offers a tool now (`Offered.offers`)."""
MediaArg = Annotated[str, Field(description="Public https URL, uploaded asset id, or local file path.")]
ModelArg = Annotated[str | None, Field(description="Model id (see sync://models); omit for the default.")]


def _check_model(model: str | None, *, image: bool = False) -> None:
    if model is None:
        return
    cap = MODELS.get(model)
    if cap is None or (image and not cap.accepts_image):
        allowed = [m.id for m in MODELS.values() if not image or m.accepts_image]
        raise MCPError(INVALID_PARAMS, f"model: '{model}' is not allowed here; use one of {', '.join(allowed)}.")


def _check_language(name: str, code: str | None, *, allow_auto: bool = False) -> None:
    if code is None or code in DUB_LANGUAGES or (allow_auto and code == "auto"):
        return
    raise MCPError(
        INVALID_PARAMS,
        f"{name}: '{code}' is not a language code the API dubs; use a code such as es, de, ja, pt, fr "
        f"({len(DUB_LANGUAGES)} codes; argument completion lists them){' or auto' if allow_auto else ''}.",
    )


def _media_step(has: Offers, *items: str, via_lipsync: bool = True) -> str:
    named = " and ".join(items)
    if via_lipsync and has("lipsync"):
        return f"The {named} may be a URL, an asset id or a local path: lipsync uploads local files itself."
    if has("upload_media"):
        return (
            f"If the {named} is a local file, upload it first with upload_media and use the returned assetId; "
            "a public https URL can be passed as url."
        )
    return f"The {named} must be reachable by the API: pass a public https URL as url (or an assetId)."


def _follow_steps(has: Offers) -> list[str]:
    steps = [
        "If the result says waitTimedOut=true, the job is still running: call get_generation with its id and "
        "wait=true again. Never create a second generation to recover a running one.",
        "On COMPLETED, give the user outputUrl exactly as returned (it is a signed, expiring link).",
        "On FAILED/REJECTED, or any isError result, read errorCode and fix and act on the fix; list_error_codes "
        "explains a code. Retry a failed create only with the same idempotencyKey; a new attempt after a FAILED "
        "job is a new generation (new key).",
    ]
    if has("download_output"):
        steps.insert(2, "If the user wants the file locally, call download_output with the generation id.")
    return steps


def _numbered(intro: str, steps: list[str]) -> str:
    return intro + "\n\n" + "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1))


def _cost_step(has: Offers) -> list[str]:
    if has("estimate_cost"):
        return ["If the user cares about cost, call estimate_cost with the model and the expected duration first."]
    return []


def _enable_step(offered: Offered, *needed: str) -> list[str]:
    """A first step when a tool the job needs is not offered: how to get it."""
    return [offered.how_to_get(name) for name in needed if not offered.offers(name)]


def _via_lipsync(has: Offers) -> bool:
    """Whether a generation prompt sends the agent to lipsync (offered, or the only way) or to create_generation."""
    return has("lipsync") or not has("create_generation")


def _generation_steps(
    offered: Offered,
    needed: tuple[str, ...],
    media: str,
    create: list[str],
    *,
    check: tuple[str, ...] = (),
    then: tuple[str, ...] = (),
) -> list[str]:
    """A generation prompt's steps in order: get the tools it needs, any `check`, the media, the cost, the
    `create` steps, any `then`, and following the job to its end."""
    has = offered.offers
    return [*_enable_step(offered, *needed), *check, media, *_cost_step(has), *create, *then, *_follow_steps(has)]


def register_prompts(server: MCPServer[Any], offered: Offered) -> None:
    _lipsync_video(server, offered)
    _talking_photo(server, offered)
    _dub_video(server, offered)
    _troubleshoot_generation(server, offered)
    _edit_dialogue(server, offered)


def _lipsync_video(server: MCPServer[Any], offered: Offered) -> None:
    has = offered.offers

    @server.prompt(name="lipsync_video", title="Lip-sync a video to an audio track")
    def lipsync_video(video: MediaArg, audio: MediaArg, model: ModelArg = None) -> list[Message]:
        """Make the person in a video speak an audio track, then deliver the result."""
        _check_model(model)
        chosen = model or "lipsync-2"
        if _via_lipsync(has):
            create = (
                f"Call lipsync with video={json.dumps(video)}, audio={json.dumps(audio)}, model={chosen}. It "
                "creates the generation and waits for it, with progress."
            )
        else:
            create = (
                f"Call create_generation with model={chosen} and input=[{{type: video, url|assetId: "
                f"{json.dumps(video)}}}, {{type: audio, url|assetId: {json.dumps(audio)}}}], then call "
                "get_generation with the returned id and wait=true."
            )
        needed = ("lipsync" if not has("create_generation") else "create_generation",)
        steps = _generation_steps(offered, needed, _media_step(has, "video", "audio"), [create])
        return [UserMessage(_numbered(f"Lip-sync this video to this audio track with Sync ({chosen}).", steps))]


def _talking_photo(server: MCPServer[Any], offered: Offered) -> None:
    has = offered.offers

    @server.prompt(name="talking_photo", title="Make this image say a script")
    def talking_photo(
        image: MediaArg,
        script: Annotated[str, Field(description="What the person should say (1-5000 characters).")],
        voice_id: Annotated[str, Field(description="Voice id (see sync://voices or list_voices).")],
    ) -> list[Message]:
        """Animate a still portrait speaking a script in a chosen voice (model sync-3)."""
        if not 1 <= len(script) <= 5000:
            raise MCPError(INVALID_PARAMS, f"script: must be 1-5000 characters, got {len(script)}.")
        voices = "list_voices" if has("list_voices") else "the sync://voices resource"
        if _via_lipsync(has):
            create = (
                f"Call lipsync with image={json.dumps(image)}, script=<the script>, voice_id={json.dumps(voice_id)} "
                "(model sync-3 is the only one that animates images)."
            )
        else:
            create = (
                "Call create_generation with model=sync-3 and input=[{type: image, url|assetId: "
                f"{json.dumps(image)}}}, {{type: text, provider: {{voiceId: {json.dumps(voice_id)}, script: "
                "<the script>}}], then get_generation with the returned id and wait=true."
            )
        needed = ("lipsync" if not has("create_generation") else "create_generation",)
        check = f"Check the voice exists and has no restriction with {voices}; if not, ask the user to pick another."
        slow = "sync-3 takes longest (about 10-15 min for 30 s of speech): expect to call get_generation again."
        steps = _generation_steps(offered, needed, _media_step(has, "image"), [create], check=(check,), then=(slow,))
        intro = f"Make this photo speak the script below in voice {voice_id}.\n\nScript:\n{script}"
        return [UserMessage(_numbered(intro, steps))]


def _dub_video(server: MCPServer[Any], offered: Offered) -> None:
    has = offered.offers

    @server.prompt(name="dub_video", title="Dub this video into a language")
    def dub_video(
        video: MediaArg,
        target_language: Annotated[str, Field(description="Language code to dub into, e.g. es, de, ja.")],
        source_language: Annotated[
            str | None, Field(description="Language spoken in the video; omit to detect it (auto).")
        ] = None,
        model: ModelArg = None,
    ) -> list[Message]:
        """Translate a video's own speech into another language and lip-sync the video to it."""
        _check_language("target_language", target_language)
        _check_language("source_language", source_language, allow_auto=True)
        _check_model(model)
        chosen = model or "lipsync-2"
        if _via_lipsync(has):
            source = f", source_language={json.dumps(source_language)}" if source_language else ""
            create = [
                f"Call lipsync with video={json.dumps(video)}, target_language={json.dumps(target_language)}"
                f"{source}, model={chosen}, and NO audio, script or segments: dubbing translates the video's own "
                "speech. It creates the generation and waits for it, with progress; its `asked` says what was dubbed."
            ]
            needed: tuple[str, ...] = ("lipsync",)
        else:
            dub = {"targetLang": target_language, **({"sourceLang": source_language} if source_language else {})}
            create = [
                f"Call create_generation with model={chosen}, input=[{{type: video, url|assetId: "
                f"{json.dumps(video)}}}] and dubParams={json.dumps(dub)}. Give NO audio or text input: dubbing "
                "translates the video's own speech, and both together are refused.",
                "Then call get_generation with the returned id and wait=true.",
            ]
            needed = ("create_generation", "get_generation")
        steps = _generation_steps(offered, needed, _media_step(has, "video"), create)
        return [UserMessage(_numbered(f"Dub this video into '{target_language}' with Sync.", steps))]


def _troubleshoot_generation(server: MCPServer[Any], offered: Offered) -> None:
    @server.prompt(name="troubleshoot_generation", title="Troubleshoot a failed generation")
    async def troubleshoot_generation(
        generation_id: Annotated[str, Field(description="Id of the generation that failed or seems stuck.")],
        ctx: Context[Any, Any],
    ) -> list[Message]:
        """Find out why a generation failed (or is stuck) and how to get a good result."""
        steps = [
            *_enable_step(offered, "get_generation", "list_error_codes"),
            "Read the generation's status, errorCode, error and fix (attached below when it could be fetched; "
            f"otherwise call get_generation with id={generation_id}).",
            "PENDING/PROCESSING is not a failure: compare with the model's typical processing time (sync://models) "
            "and follow it with get_generation wait=true. Stuck in PENDING far beyond that: quote the id to support.",
            "FAILED/REJECTED: apply `fix`. Call list_error_codes with the errorCode for the catalog's full entry. "
            "Typical causes: media URL not reachable by the API (upload the file and use assetId), unsupported "
            "format or length (see sync://models and the media limits), no visible face (set "
            "options.active_speaker_detection), plan or credit limits (isError results say so).",
            "Explain the cause to the user in one or two sentences, then propose a corrected generation. A retry is "
            "a NEW generation with a new idempotency key; never reuse the failed id.",
            "COMPLETED: the job did not fail; give outputUrl exactly as returned and ask what looks wrong.",
        ]
        messages: list[Message] = [UserMessage(_numbered(f"Troubleshoot Sync generation {generation_id}.", steps))]
        state = tool_state(ctx)
        from . import documents  # imports the tools' modules, which start-up does not need

        try:
            current = await documents.read_generation(state, generation_id)
        except SyncAPIError as exc:
            info = await explain(exc, state.catalog)
            messages.append(UserMessage(f"Fetching the generation failed: {info.message} Fix: {info.fix}"))
        else:
            uri = generation_uri(generation_id)
            text = json.dumps(current.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False)
            resource = TextResourceContents(uri=uri, mime_type="application/json", text=text)
            messages.append(UserMessage(EmbeddedResource(type="resource", resource=resource)))
        return messages


def _edit_dialogue(server: MCPServer[Any], offered: Offered) -> None:
    @server.prompt(name="edit_dialogue", title="Change what is said in a video")
    def edit_dialogue(
        video: MediaArg,
        change: Annotated[str, Field(description="What to change, e.g. 'say Wednesday instead of Tuesday'.")],
    ) -> list[Message]:
        """Change spoken words in a video in the speaker's own voice: preview first, the video after approval."""
        steps = [
            *_enable_step(offered, "transcribe", "edit_dialogue"),
            f"Call transcribe with video={json.dumps(video)} to read what is said (its text).",
            f"Apply this change to the transcript's text: {json.dumps(change)}. Keep every other word as it is.",
            f"Call edit_dialogue with video={json.dumps(video)}, the transcriptionId from step 2 as "
            "transcription_id, and new_text = the corrected text. It makes an audio preview in the speaker's voice.",
            "Show the user the changes (before/after), the previewAudioUrl and estimatedCostUsd; if the status is "
            "COMPLETED_PARTIAL, tell them what `partial` says is missing.",
            "Create the video only if the user approves: call edit_dialogue with the same video, edit_id and "
            "confirm=true (when the client asked the user already, the video is being made: follow generationId "
            "with get_generation).",
        ]
        return [UserMessage(_numbered("Change what is said in this video with Sync.", steps))]
