"""`lipsync`: the common case in one call. A visual (video or image) and a driver (audio, or a script for a
voice), each a URL, an asset id or a local file; upload, create, wait with progress, optionally download.

The work before the create runs in a resolver (`_plan`), so the spend guard's resolver can price the real
body and ask the user before anything is charged (see `spending`): every check that needs no network
runs first (argument combinations, local files, and the create body's own rules, with placeholder asset
ids for local files), then local files are uploaded (reusing earlier uploads of the same bytes), then
the body is built exactly as `create_generation` would send it. The tool body applies the spend guard,
creates with an Idempotency-Key minted once, and follows the job. A wait that ends early, or fails,
still returns the generation id and the call to make next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync_mcp.api import CreateGenerationRequest, ErrorInfo, Generation, SyncAPIError, new_idempotency_key
from sync_mcp.api import generations as api
from sync_mcp.api.capabilities import ModelId
from sync_mcp.api.client import IDEMPOTENCY_KEY
from sync_mcp.api.errors import from_validation_error
from sync_mcp.api.models import Unit
from sync_mcp.services.downloads import DownloadFailed, DownloadResult, save_output
from sync_mcp.services.folders import Folders
from sync_mcp.services.media_sources import MediaSource, classify, resolve
from sync_mcp.services.refusals import InputError
from sync_mcp.services.waiting import follow_generation

from .callers import caller_folders
from .generations import GenerationResult, describe, remember_start
from .progress import Progress
from .registry import sync_tool
from .results import fail, generation_link, ok
from .spending import SpendConsent, SpendEstimate, guard_spend, spend_question
from .state import ToolState, tool_state
from .wait_bound import DEFAULT_WAIT_SECONDS, WaitTimeout, wait_seconds

PLACEHOLDER_ASSET_ID = "00000000-0000-0000-0000-000000000000"
"""Stands in for a local file's future asset id while the body's rules are checked, before any upload."""

VISUAL_MODEL: dict[str, ModelId] = {"image": "sync-3", "video": "lipsync-2"}
"""Default model per visual kind: sync-3 is the only model that animates an image."""


class UploadedMedia(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    argument: str
    asset_id: str = Field(alias="assetId")
    reused: bool
    bytes_sent: int = Field(alias="bytesSent")


class LipsyncResult(GenerationResult):
    """The generation (as get_generation returns it), plus the local files uploaded and the saved video."""

    uploads: list[UploadedMedia] | None = Field(
        default=None, description="Local files: their assetId; reused=true when uploaded before (nothing sent)."
    )
    saved_path: str | None = Field(default=None, alias="savedPath", description="The saved video (download=true).")


@dataclass
class LipsyncPlan:
    """What the resolver prepared: the create body, or the error that stops the call before any create."""

    progress: Progress
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    request: CreateGenerationRequest | None = None
    error: ErrorInfo | None = None
    uploads: list[UploadedMedia] = field(default_factory=list)


def _refuse(field_name: str, message: str, fix: str, code: str = "generation_input_validation_failed") -> InputError:
    return InputError(code, f"{field_name}: {message}", fix, field=field_name)


def _sources(
    state: ToolState,
    folders: Folders,
    video: str | None,
    image: str | None,
    audio: str | None,
    script: str | None,
    voice_id: str | None,
) -> tuple[MediaSource, MediaSource | None]:
    """The visual and the audio source (None for a script); every combination rule, no network."""
    if video is not None and image is not None:
        raise _refuse(
            "image",
            "give a video or an image, not both",
            "Run one lipsync per visual: pass either video or image.",
            "generation_input_too_many_visual",
        )
    if video is None and image is None:
        raise _refuse("video", "a visual is required", "Pass video (a face on video) or image (a still face, sync-3).")
    if (audio is None) == (script is None):
        raise _refuse(
            "audio",
            "give exactly one driver: audio, or script with voice_id",
            "Pass audio (URL, asset id or local file), or script plus voice_id to have the text spoken.",
        )
    if script is not None and voice_id is None:
        raise _refuse("voice_id", "a script needs a voice", "Pass voice_id (a voice id from list_voices).")
    if script is None and voice_id is not None:
        raise _refuse("script", "voice_id is only used with a script", "Pass the text in script, or drop voice_id.")
    visual = (
        classify(video, "video", field="video", folders=folders)
        if video is not None
        else classify(image or "", "image", field="image", folders=folders)
    )
    driver = classify(audio, "audio", field="audio", folders=folders) if audio is not None else None
    return visual, driver


def _body(
    visual: MediaSource,
    visual_source: dict[str, str],
    driver_source: dict[str, str] | None,
    *,
    model: ModelId | None,
    options: dict[str, Any] | None,
    script: str | None,
    voice_id: str | None,
    stability: float | None,
    similarity_boost: float | None,
) -> CreateGenerationRequest:
    if driver_source is not None:
        voice: dict[str, Any] = {"type": "audio", **driver_source}
    else:
        provider = {"voiceId": voice_id, "script": script, "stability": stability, "similarityBoost": similarity_boost}
        voice = {"type": "text", "provider": {k: v for k, v in provider.items() if v is not None}}
    body: dict[str, Any] = {
        "model": model or VISUAL_MODEL[visual.kind],
        "input": [{"type": visual.kind, **visual_source}, voice],
    }
    if options:
        body["options"] = options  # validated as GenerationOptions with the rest of the body
    return CreateGenerationRequest.model_validate({k: v for k, v in body.items() if v is not None})


def _placeholder(source: MediaSource) -> dict[str, str]:
    return source.wire(PLACEHOLDER_ASSET_ID if source.local is not None else None)


async def _plan(
    ctx: Context[Any, Any],
    video: str | None,
    image: str | None,
    audio: str | None,
    script: str | None,
    voice_id: str | None,
    stability: float | None,
    similarity_boost: float | None,
    model: ModelId | None,
    options: dict[str, Any] | None,
    wait: bool,
    download: bool,
    timeout: float | None,
) -> LipsyncPlan:
    """Check everything, upload local files, build the create body. Failures come back as values."""
    state = tool_state(ctx)
    plan = LipsyncPlan(progress=Progress(ctx))
    shape = {
        "model": model,
        "options": options,
        "script": script,
        "voice_id": voice_id,
        "stability": stability,
        "similarity_boost": similarity_boost,
    }
    try:
        plan.wait_seconds = wait_seconds(timeout, state.settings.max_wait_seconds)
        if download and not wait:
            raise _refuse("download", "needs wait=true", "Set wait=true, or call download_output once it completes.")
        if script is None and (stability is not None or similarity_boost is not None):
            name = "stability" if stability is not None else "similarity_boost"
            raise _refuse(name, "only applies to a script", f"Drop {name}, or pass script and voice_id.")
        visual, driver = _sources(state, caller_folders(ctx, state.settings), video, image, audio, script, voice_id)
        # The body's own rules (image needs sync-3, option ranges, ...) before any upload.
        _body(visual, _placeholder(visual), _placeholder(driver) if driver else None, **shape)
        sources = []
        for source in (visual, driver):
            if source is None:
                continue
            resolved = await resolve(state.client, source, plan.progress)
            if resolved.upload is not None:
                plan.uploads.append(
                    UploadedMedia(
                        argument=source.field,
                        assetId=resolved.upload.asset.id,
                        reused=resolved.upload.reused,
                        bytesSent=resolved.upload.bytes_sent,
                    )
                )
            sources.append(resolved.wire)
        plan.request = _body(visual, sources[0], sources[1] if driver else None, **shape)
    except InputError as exc:
        plan.error = exc.info
    except ValidationError as exc:
        plan.error = from_validation_error(exc, state.catalog)
    except SyncAPIError as exc:
        plan.error = await state.catalog.explain(exc)
    return plan


async def _spend(
    ctx: Context[Any, Any], plan: Annotated[LipsyncPlan, Resolve(_plan)]
) -> SpendEstimate | Elicit[SpendConsent] | None:
    """The spend guard's question for the planned body (none when the plan failed)."""
    return await spend_question(ctx, tool_state(ctx), plan.request)


def _described(result: GenerationResult, plan: LipsyncPlan, download: DownloadResult | None) -> LipsyncResult:
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    if download is not None:
        data["nextStep"] = (
            f"Done. The video is saved at {download.path} ({download.size_bytes} bytes); outputUrl is a signed, "
            "expiring URL of the same video."
        )
    return LipsyncResult.model_validate(
        {
            **data,
            "uploads": [u.model_dump(by_alias=True) for u in plan.uploads] or None,
            "savedPath": download.path if download is not None else None,
        }
    )


@sync_tool(title="Lip-sync a face to audio or a script", read_only=False, destructive=False, idempotent=False)
async def lipsync(
    ctx: Context[Any, Any],
    plan: Annotated[LipsyncPlan, Resolve(_plan)],
    spend: Annotated[ElicitationResult[SpendConsent], Resolve(_spend)],
    video: Annotated[str | None, Field(description="Face video: URL, asset id, or local file path.")] = None,
    image: Annotated[str | None, Field(description="Or a still face image (sync-3): URL, asset id or path.")] = None,
    audio: Annotated[str | None, Field(description="Speech to sync to: URL, asset id, or local file path.")] = None,
    script: Annotated[
        str | None, Field(min_length=1, max_length=5000, description="Or text to speak (with voice_id).")
    ] = None,
    voice_id: Annotated[str | None, Field(min_length=1, description="Voice for script, from list_voices.")] = None,
    stability: Annotated[Unit | None, Field(description="Script voice: 0-1, lower is more expressive.")] = None,
    similarity_boost: Annotated[Unit | None, Field(description="Script voice: 0-1, closeness to the voice.")] = None,
    model: Annotated[ModelId | None, Field(description="Default: sync-3 for an image, lipsync-2 for a video.")] = None,
    options: Annotated[
        dict[str, Any] | None,
        Field(description="create_generation's options, e.g. {sync_mode: cut_off, temperature: 0.5}."),
    ] = None,
    wait: Annotated[bool, Field(description="Follow the job to its result, with progress.")] = True,
    timeout: WaitTimeout = None,
    download: Annotated[bool, Field(description="Save the finished video to the output folder (needs wait).")] = False,
    idempotencyKey: Annotated[
        str | None,
        Field(pattern=IDEMPOTENCY_KEY.pattern, description="Reuse to retry safely; one is minted if omitted."),
    ] = None,
) -> Annotated[CallToolResult, LipsyncResult]:
    """Lip-sync in one call: a face (video, or image on sync-3) to audio, or to a script in a voice.

    Each media argument may be a public URL, an asset id or a local file (uploaded first, reused if already
    uploaded). Waits for the result with progress by default; if timeout passes, the id and status come back:
    continue with get_generation. Returns the generation like get_generation (outputUrl when COMPLETED).
    """
    state = tool_state(ctx)
    if plan.error is not None:
        return fail(plan.error)
    request = plan.request
    assert request is not None  # a plan without an error has its body
    check = await guard_spend(ctx, state, request, spend)
    if check.refusal is not None:
        return fail(check.refusal)
    key = idempotencyKey or new_idempotency_key()
    # Follows the generation named by a 503 IDEMPOTENCY_OUTCOME_UNKNOWN itself (reference §13).
    generation = await api.create_generation(state.client, request, idempotency_key=key)
    remember_start(state, generation.id, "lipsync")
    await state.updates.observe(generation)
    warnings = request.warnings()
    timed_out: bool | None = None
    if wait:
        generation, timed_out = await _follow(ctx, state, plan.progress, generation, plan.wait_seconds, warnings)
    saved: DownloadResult | None = None
    if download and generation.status == "COMPLETED":
        plan.progress.next_phase()
        try:
            saved = await save_output(state, caller_folders(ctx, state.settings), plan.progress, generation.id)
        except DownloadFailed as exc:
            warnings.append(f"Not downloaded: {exc.info.message} {exc.info.fix}")
        except SyncAPIError as exc:
            info = await state.catalog.explain(exc)
            warnings.append(
                f"Not downloaded ({info.error_code}): {info.message} Call download_output id={generation.id}."
            )
    result = await describe(
        state, generation, via="lipsync", warnings=warnings, idempotency_key=key, wait_timed_out=timed_out
    )
    result.estimated_cost_usd = check.estimated_cost_usd
    return ok(_described(result, plan, saved), [generation_link(generation.id)])


async def _follow(
    ctx: Context[Any, Any],
    state: ToolState,
    progress: Progress,
    generation: Generation,
    timeout: float,
    warnings: list[str],
) -> tuple[Generation, bool]:
    """Wait for the job; a failing poll ends the wait (the job keeps running) instead of losing the id."""
    progress.next_phase()

    async def report(seen: Generation, poll: int, elapsed: float) -> None:
        await state.updates.observe(seen)
        await progress.report(poll, None, f"{seen.status} after {elapsed:.0f}s (poll {poll})")

    try:
        return await follow_generation(
            state.client, generation.id, timeout=timeout, on_poll=report, deliveries=state.deliveries
        )
    except SyncAPIError as exc:
        info = await state.catalog.explain(exc)
        warnings.append(f"Waiting stopped ({info.error_code}: {info.message}); the generation was created.")
        return generation, True
