"""`lipsync`: the everyday cases in one call. A visual (video or image) and what drives the lips: audio, a
script for a voice, several speakers over ranges of the video (`segments`), or the video's own speech dubbed
into another language (`target_language`); each media argument a URL, an asset id or a local file. Upload,
create, wait with progress, optionally download under a chosen name.

The parameters are declared once, in `LipsyncArguments`: the tool's signature and its resolver's are made
from it. The work before the create runs in the resolver (`_plan`), so the spend guard's resolver can price
the real body and ask the user before anything is charged (see `spending`): every check that needs no
network runs first (argument combinations, local files, and the create body's own rules through the same
wire model `create_generation` uses, with placeholder asset ids for local files), then local files are
uploaded (reusing earlier uploads of the same bytes), then the body is built; when every local file is small
and no spend check needs an estimate, the files are instead sent with the create itself (`direct_create`). The
tool body applies the
spend guard, creates with an Idempotency-Key minted once, and follows the job. A wait that ends early, or
fails, still returns the generation id and the call to make next.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync_mcp.api import CreateGenerationRequest, ErrorInfo, Generation, SyncAPIError, new_idempotency_key
from sync_mcp.api import generations as api
from sync_mcp.api.capabilities import ModelId
from sync_mcp.api.explain import from_validation_error
from sync_mcp.api.ids import IDEMPOTENCY_KEY
from sync_mcp.api.models import Unit
from sync_mcp.services.direct_create import DirectFile, create_with_files, direct_files
from sync_mcp.services.downloads import DownloadFailed, DownloadResult, save_output
from sync_mcp.services.folders import Folders
from sync_mcp.services.media_sources import MediaSource, classify, label, resolve
from sync_mcp.services.refusals import InputError
from sync_mcp.services.waiting import follow_generation

from .arguments import model_parameters, with_model_parameters
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

WIRE_NAMES = {"dubParams.targetLang": "target_language", "dubParams.sourceLang": "source_language"}
"""Wire fields of the create body that are lipsync arguments under another name (for error messages)."""


# One speaker's part of the video: recorded audio, or a script in a voice, over start-end seconds. (No docstring:
# the `segments` parameter describes it, and a docstring would be repeated in the schema every model reads.)
class SpeakerSegment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    audio: str | None = None
    script: str | None = Field(default=None, min_length=1, max_length=5000)
    voice_id: str | None = Field(default=None, min_length=1)


class LipsyncArguments(BaseModel):
    """lipsync's parameters, declared once: the tool's and its resolver's signatures are made from these."""

    video: str | None = Field(default=None, description="Face video: URL, asset id, or local file path.")
    image: str | None = Field(default=None, description="Or a still face image (sync-3): URL, asset id or path.")
    audio: str | None = Field(default=None, description="Speech to sync to: URL, asset id, or local file path.")
    script: str | None = Field(default=None, min_length=1, max_length=5000, description="Or text to speak.")
    voice_id: str | None = Field(default=None, min_length=1, description="Voice for script: an id from list_voices.")
    stability: Unit | None = Field(default=None, description="Scripts: 0-1, lower is more expressive.")
    similarity_boost: Unit | None = Field(default=None, description="Scripts: 0-1, closeness to the voice.")
    segments: list[SpeakerSegment] | None = Field(
        default=None,
        min_length=1,
        description="Several speakers: [{audio | script + voice_id, start, end}], seconds of the video, apart.",
    )
    target_language: str | None = Field(
        default=None, description="Dub the video's speech into this language: es, de, ja..."
    )
    source_language: str | None = Field(default=None, description="Language spoken in the video; default auto.")
    model: ModelId | None = Field(default=None, description="Default: sync-3 for an image, lipsync-2 for a video.")
    options: dict[str, Any] | None = Field(
        default=None, description="create_generation's options, e.g. {sync_mode: cut_off, temperature: 0.5}."
    )
    output_name: str | None = Field(
        default=None, description="Result's name (letters, digits, _, -; .mp4 added), also of the saved file."
    )
    wait: bool = Field(default=True, description="Follow the job to its result, with progress.")
    timeout: WaitTimeout = None
    download: bool = Field(default=False, description="Save the finished video to the output folder (needs wait).")
    idempotencyKey: str | None = Field(  # the wire name, as in create_generation
        default=None, pattern=IDEMPOTENCY_KEY.pattern, description="Reuse to retry safely; one is minted if omitted."
    )


class UploadedMedia(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    argument: str
    asset_id: str = Field(alias="assetId")
    reused: bool
    bytes_sent: int = Field(alias="bytesSent")


class LipsyncResult(GenerationResult):
    """The generation (as get_generation returns it), plus what was asked, the files uploaded and the saved video."""

    asked: list[str] = Field(description="What was sent, in words: dubbed to, speakers and their ranges, name.")
    uploads: list[UploadedMedia] | None = Field(
        default=None, description="Local files: their assetId; reused=true when uploaded before (nothing sent)."
    )
    saved_path: str | None = Field(default=None, alias="savedPath", description="The saved video (download=true).")


@dataclass(frozen=True)
class Speaker:
    """What drives the lips over some ranges of the video: recorded audio, or a script in a voice."""

    audio: MediaSource | None = None
    script: str | None = None
    voice_id: str | None = None
    ranges: tuple[tuple[float, float], ...] = ()

    def described(self) -> str:
        if self.audio is not None:
            return f"audio {label(self.audio)}"
        return f"script ({len(self.script or '')} characters) in voice {self.voice_id}"


@dataclass
class LipsyncPlan:
    """What the resolver prepared: the create body, or the error that stops the call before any create."""

    progress: Progress
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    request: CreateGenerationRequest | None = None
    error: ErrorInfo | None = None
    uploads: list[UploadedMedia] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    direct: list[DirectFile] | None = None
    """Local files to send with the create itself (then `request` holds placeholders for them)."""


def _refuse(field_name: str, message: str, fix: str, code: str = "generation_input_validation_failed") -> InputError:
    return InputError(code, f"{field_name}: {message}", fix, field=field_name)


def _visual(args: LipsyncArguments, folders: Folders) -> MediaSource:
    if args.video is not None and args.image is not None:
        raise _refuse(
            "image",
            "give a video or an image, not both",
            "Run one lipsync per visual: pass either video or image.",
            "generation_input_too_many_visual",
        )
    if args.video is None and args.image is None:
        raise _refuse("video", "a visual is required", "Pass video (a face on video) or image (a still face, sync-3).")
    if args.video is not None:
        return classify(args.video, "video", field="video", folders=folders)
    return classify(args.image or "", "image", field="image", folders=folders)


def _speakers(args: LipsyncArguments, folders: Folders) -> list[Speaker]:
    """What drives the lips (none when dubbing): every combination rule, no network."""
    single = args.audio is not None or args.script is not None or args.voice_id is not None
    if args.target_language is not None:
        extra = next((n for n in ("audio", "script", "voice_id", "segments") if getattr(args, n) is not None), None)
        if extra is not None:
            raise _refuse(
                extra,
                "dubbing translates the video's own speech, so it takes no audio, script or segments",
                f"Drop {extra} to dub, or drop target_language to lip-sync to your own audio or script.",
                "generation_input_dub_audio_conflict",
            )
        if args.video is None:
            raise _refuse("target_language", "dubbing needs a video", "Pass the video to dub (its speech is used).")
        return []
    if args.source_language is not None:
        raise _refuse("source_language", "only used when dubbing", "Pass target_language too, or drop source_language.")
    if args.segments is not None:
        if single:
            name = next(n for n in ("audio", "script", "voice_id") if getattr(args, n) is not None)
            raise _refuse(
                name,
                "with segments, each segment says what is spoken",
                f"Move {name} into the segments (each {{audio | script + voice_id, start, end}}), or drop segments.",
            )
        if args.image is not None:
            raise _refuse("segments", "segments are ranges of a video", "Pass a video, or one driver without segments.")
        return _segment_speakers(args.segments, folders)
    if args.audio is None and args.script is None:
        raise _refuse(
            "audio",
            "give what drives the lips: audio, script with voice_id, segments, or target_language",
            "Pass audio (URL, asset id or local file), script plus voice_id, segments for several speakers, or "
            "target_language to dub the video's own speech.",
        )
    speaker = _driver(args.audio, args.script, args.voice_id, "", folders)
    return [speaker]


def _driver(audio: str | None, script: str | None, voice_id: str | None, at: str, folders: Folders) -> Speaker:
    if audio is not None and script is not None:
        raise _refuse(f"{at}audio", "give audio or a script, not both", "Keep one of them.")
    if audio is None and script is None:
        raise _refuse(f"{at}audio", "needs audio or a script", "Pass audio, or script with voice_id.")
    if script is not None and voice_id is None:
        raise _refuse(f"{at}voice_id", "a script needs a voice", "Pass voice_id (a voice id from list_voices).")
    if script is None and voice_id is not None:
        raise _refuse(f"{at}script", "voice_id is only used with a script", "Pass the text in script or drop voice_id.")
    if audio is not None:
        return Speaker(audio=classify(audio, "audio", field=f"{at}audio", folders=folders))
    return Speaker(script=script, voice_id=voice_id)


def _segment_speakers(segments: list[SpeakerSegment], folders: Folders) -> list[Speaker]:
    """One speaker per distinct driver (the same audio or script+voice twice is one speaker), with its ranges."""
    speakers: dict[tuple[str | None, ...], Speaker] = {}
    for n, part in enumerate(segments):
        key = (part.audio, part.script, part.voice_id)
        known = speakers.get(key) or _driver(part.audio, part.script, part.voice_id, f"segments[{n}].", folders)
        speakers[key] = Speaker(known.audio, known.script, known.voice_id, (*known.ranges, (part.start, part.end)))
    return list(speakers.values())


def _voice_item(speaker: Speaker, source: dict[str, str] | None, args: LipsyncArguments) -> dict[str, Any]:
    if source is not None:
        return {"type": "audio", **source}
    provider = {
        "voiceId": speaker.voice_id,
        "script": speaker.script,
        "stability": args.stability,
        "similarityBoost": args.similarity_boost,
    }
    return {"type": "text", "provider": {k: v for k, v in provider.items() if v is not None}}


def _body(
    args: LipsyncArguments,
    visual: MediaSource,
    visual_source: dict[str, str],
    speakers: list[Speaker],
    sources: list[dict[str, str] | None],
) -> CreateGenerationRequest:
    """The create body, validated by the wire model create_generation uses (`sources`: each speaker's audio)."""
    voices = [_voice_item(s, src, args) for s, src in zip(speakers, sources, strict=True)]
    body: dict[str, Any] = {"model": args.model or VISUAL_MODEL[visual.kind], "outputFileName": args.output_name}
    if args.segments is not None:
        refs = [f"speaker{n}" for n in range(1, len(speakers) + 1)]
        voices = [{**v, "refId": ref} for v, ref in zip(voices, refs, strict=True)]
        body["segments"] = sorted(
            (
                {"startTime": start, "endTime": end, "audioInput": {"refId": ref}}
                for speaker, ref in zip(speakers, refs, strict=True)
                for start, end in speaker.ranges
            ),
            key=lambda s: s["startTime"],
        )
    if args.target_language is not None:
        body["dubParams"] = {"targetLang": args.target_language, "sourceLang": args.source_language}
        body["dubParams"] = {k: v for k, v in body["dubParams"].items() if v is not None}
    body["input"] = [{"type": visual.kind, **visual_source}, *voices]
    if args.options:
        body["options"] = args.options  # validated as GenerationOptions with the rest of the body
    return CreateGenerationRequest.model_validate({k: v for k, v in body.items() if v is not None})


def _asked(args: LipsyncArguments, request: CreateGenerationRequest, speakers: list[Speaker]) -> list[str]:
    """What the body asks for, in words a model can check against the user's request."""
    said: list[str] = []
    if request.dub_params is not None:
        source = request.dub_params.source_lang or "auto-detected"
        said.append(f"dubbed to: {request.dub_params.target_lang} (spoken language: {source})")
    elif args.segments is not None:
        for n, speaker in enumerate(speakers, start=1):
            ranges = ", ".join(f"{start:g}-{end:g} s" for start, end in speaker.ranges)
            said.append(f"speaker {n} ({speaker.described()}): {ranges}")
    else:
        said.append(f"lips synced to: {speakers[0].described()}")
    if request.output_file_name is not None:
        said.append(f"output name: {request.output_file_name}.mp4")
    return said


def _placeholder(source: MediaSource | None) -> dict[str, str] | None:
    if source is None:
        return None
    return source.wire(PLACEHOLDER_ASSET_ID if source.local is not None else None)


def _renamed(info: ErrorInfo) -> ErrorInfo:
    """A refusal of the create body, naming lipsync's own arguments where they differ from the wire's."""
    message, field_name = info.message, info.field
    for wire, argument in WIRE_NAMES.items():
        message = message.replace(wire, argument)
        if field_name is not None and field_name.startswith(wire):
            field_name = argument
    if field_name == "outputFileName":
        message, field_name = message.replace("outputFileName", "output_name"), "output_name"
    if field_name is not None and field_name.startswith("segments"):  # the wire's startTime/endTime: start/end
        field_name = field_name.replace("startTime", "start").replace("endTime", "end")
        message = message.replace("startTime", "start").replace("endTime", "end")
    return info.model_copy(update={"message": message, "field": field_name})


async def _plan(ctx: Context[Any, Any], **arguments: Any) -> LipsyncPlan:
    """Check everything, upload local files, build the create body. Failures come back as values."""
    state = tool_state(ctx)
    plan = LipsyncPlan(progress=Progress(ctx))
    try:
        args = LipsyncArguments.model_validate(arguments)
        plan.wait_seconds = wait_seconds(args.timeout, state.settings.max_wait_seconds)
        if args.download and not args.wait:
            raise _refuse("download", "needs wait=true", "Set wait=true, or call download_output once it completes.")
        scripted = args.script is not None or any(s.script is not None for s in args.segments or [])
        if not scripted and (args.stability is not None or args.similarity_boost is not None):
            name = "stability" if args.stability is not None else "similarity_boost"
            raise _refuse(name, "only applies to a script", f"Drop {name}, or pass a script and voice_id.")
        folders = caller_folders(ctx, state.settings)
        visual = _visual(args, folders)
        speakers = _speakers(args, folders)
        # The body's own rules (image needs sync-3, language codes, ranges, option ranges, ...) before any upload.
        checked = _body(args, visual, _placeholder(visual) or {}, speakers, [_placeholder(s.audio) for s in speakers])
        local = [s for s in (visual, *(s.audio for s in speakers)) if s is not None and s.local is not None]
        # One face and one voice, all local files small and no spend check to price them first: the files travel
        # with the create itself (services/direct_create.py), and nothing is uploaded beforehand.
        plan.direct = None if args.segments else direct_files(state.settings, [visual, *(s.audio for s in speakers)])
        if plan.direct is not None:
            plan.progress.plan(1 + args.wait + args.download)
            plan.request = checked
            plan.asked = _asked(args, checked, speakers)
            return plan
        plan.progress.plan(len(local) + 1 + args.wait + args.download)
        resolved: list[dict[str, str] | None] = []
        for source in (visual, *(s.audio for s in speakers)):
            if source is None:
                resolved.append(None)
                continue
            done = await resolve(state.client, source, plan.progress)
            if done.upload is not None:
                plan.uploads.append(
                    UploadedMedia(
                        argument=source.field,
                        assetId=done.upload.asset.id,
                        reused=done.upload.reused,
                        bytesSent=done.upload.bytes_sent,
                    )
                )
            resolved.append(done.wire)
        visual_source = resolved[0]
        assert visual_source is not None
        plan.request = _body(args, visual, visual_source, speakers, resolved[1:])
        plan.asked = _asked(args, plan.request, speakers)
    except InputError as exc:
        plan.error = exc.info
    except ValidationError as exc:
        plan.error = _renamed(from_validation_error(exc))
    except SyncAPIError as exc:
        plan.error = await state.catalog.explain(exc)
    return plan


CTX = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)
_plan.__signature__ = inspect.Signature([CTX, *model_parameters(LipsyncArguments)])  # type: ignore[attr-defined]


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
            "asked": plan.asked,
            "uploads": [u.model_dump(by_alias=True) for u in plan.uploads] or None,
            "savedPath": download.path if download is not None else None,
        }
    )


PLAN = inspect.Parameter("plan", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[LipsyncPlan, Resolve(_plan)])
SPEND = inspect.Parameter(
    "spend", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[ElicitationResult[SpendConsent], Resolve(_spend)]
)


@sync_tool(title="Lip-sync a face to audio or a script", read_only=False, destructive=False, idempotent=False)
@with_model_parameters(LipsyncArguments, [PLAN, SPEND, CTX])
async def lipsync(ctx: Context[Any, Any], **arguments: Any) -> Annotated[CallToolResult, LipsyncResult]:
    """Lip-sync in one call: a face (video, or image on sync-3) to audio, to a script in a voice, to several
    speakers (segments), or dubbed into another language (target_language, the video alone).

    Media: a URL, an asset id or a local file. Models: lipsync-2 (video default; ~1-3 min per 30 s),
    lipsync-2-pro (finer detail), sync-3 (best; images; ~10-15 min per 30 s), react-1 (expressions, <= 15 s).
    Waits with progress; a longer job returns its id: continue with get_generation (or a task). `asked` says
    what was sent.
    """
    state = tool_state(ctx)
    plan: LipsyncPlan = arguments["plan"]
    if plan.error is not None:
        return fail(plan.error)
    request = plan.request
    assert request is not None  # a plan without an error has its body
    check = await guard_spend(ctx, state, request, arguments["spend"])
    if check.refusal is not None:
        return fail(check.refusal)
    key = arguments.get("idempotencyKey") or new_idempotency_key()
    # Follows the generation named by a 503 IDEMPOTENCY_OUTCOME_UNKNOWN itself (reference §13).
    if plan.direct is not None:  # next_phase and the phase's reports are create_with_files's own
        generation, sent = await create_with_files(state.client, request, plan.direct, key, plan.progress)
        plan.uploads = [
            UploadedMedia(argument=s.argument, assetId=s.asset_id, reused=False, bytesSent=s.size) for s in sent
        ]
    else:
        plan.progress.next_phase()
        generation = await api.create_generation(state.client, request, idempotency_key=key)
    remember_start(state, generation.id, "lipsync")
    await state.updates.observe(generation)
    await plan.progress.report(100.0, f"create: 100 % (generation {generation.id} is {generation.status})")
    warnings = request.warnings()
    timed_out: bool | None = None
    if arguments.get("wait", True):
        generation, timed_out = await _follow(state, plan.progress, generation, plan.wait_seconds, warnings)
    saved: DownloadResult | None = None
    if arguments.get("download") and generation.status == "COMPLETED":
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
    state: ToolState,
    progress: Progress,
    generation: Generation,
    timeout: float,
    warnings: list[str],
) -> tuple[Generation, bool]:
    """Wait for the job; a failing poll ends the wait (the job keeps running) instead of losing the id."""
    progress.next_phase()

    async def seen(current: Generation, poll: int, elapsed: float) -> None:
        await state.updates.observe(current)

    try:
        return await follow_generation(
            state.client,
            generation.id,
            timeout=timeout,
            on_poll=seen,
            deliveries=state.deliveries,
            progress=progress,
        )
    except SyncAPIError as exc:
        info = await state.catalog.explain(exc)
        warnings.append(f"Waiting stopped ({info.error_code}: {info.message}); the generation was created.")
        return generation, True
