"""`lipsync`: the everyday cases in one call. A visual (video or image) and what drives the lips: audio, a
script for a voice, several speakers over ranges of the video (`segments`), or the video's own speech dubbed
into another language (`target_language`, or several: services/dubbing.py); each media argument a URL, an asset
id or a local file. Upload, create, wait with progress, optionally download under a chosen name.

The tool's parameters are one model, `LipsyncArguments`: what is asked for (`LipsyncRequest`, whose rules and
create body are services/lipsync_body.py, no network) and how the call runs (wait, timeout, download,
idempotencyKey). The SDK validates them once and hands the same model to the tool and to its resolver. The work
before the create runs in the resolver (`_plan`), so the spend guard's resolver can price the real body and ask
the user before anything is charged (toolkit/spending.py): every check that needs no network runs first
(argument combinations, local files, the body's own rules with a placeholder asset id for local files), then
local files are uploaded (reusing earlier uploads of the same bytes) and their asset ids put in the body; when
every local file is small and no spend check needs an estimate, the files are instead sent with the create itself
(services/media_sources.py). The plan declares the call's progress phases up front (`phases`); this module
starts each. The tool body applies the spend guard, creates with an Idempotency-Key minted once, and follows the
job. A wait that ends early, or fails, still returns the generation id and the call to make next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync_mcp.api import CreateGenerationRequest, Generation, SyncAPIError, new_idempotency_key
from sync_mcp.api.types.shared import IDEMPOTENCY_KEY
from sync_mcp.guidance import failures, refusals, steps
from sync_mcp.guidance.errors import ErrorInfo, InputError, explain
from sync_mcp.services.downloads import DownloadFailed, DownloadResult
from sync_mcp.services.dubbing import LanguageOutcome, done_count, for_language, language_key, languages, summary
from sync_mcp.services.lipsync_body import (
    LipsyncMedia,
    LipsyncRequest,
    asked,
    create_request,
    read_media,
    renamed,
    with_sources,
)
from sync_mcp.services.media_sources import DirectFile, create_with_files, direct_files, label, resolve
from sync_mcp.toolkit.generations import (
    ATTACHABLE,
    GenerationResult,
    describe,
    file_params,
    follow_observed,
    remember_start,
    with_attachments,
)
from sync_mcp.toolkit.results import Progress, fail, generation_link, ok, sync_tool
from sync_mcp.toolkit.spending import SpendConsent, SpendEstimate, guard_spend, spend_question
from sync_mcp.toolkit.state import (
    DEFAULT_WAIT_SECONDS,
    ToolState,
    WaitTimeout,
    caller_folders,
    tool_state,
    wait_seconds,
)

from .downloads import deliver


class LipsyncArguments(LipsyncRequest):
    wait: bool = Field(default=True, description="Follow the job to its result, with progress.")
    timeout: WaitTimeout = None
    download: bool = Field(
        default=False, description="Save the finished video (a remote user gets a link); needs wait."
    )
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
    download_url: str | None = Field(
        default=None, alias="downloadUrl", description="download=true for a remote user: give them this link."
    )
    languages: list[LanguageOutcome] | None = Field(
        default=None, description="Several target languages: each one's generation id, status and outputUrl."
    )


@dataclass
class LipsyncPlan:
    """What the resolver prepared: the create body, or the error that stops the call before any create."""

    progress: Progress
    phases: list[str] = field(default_factory=list)
    """The call's progress phases, in order: each upload, the create, the wait, the download."""
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    request: CreateGenerationRequest | None = None
    error: ErrorInfo | None = None
    uploads: list[UploadedMedia] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    direct: list[DirectFile] | None = None
    """Local files to send with the create itself (then `request` holds placeholders for them)."""
    dubs: list[tuple[str, CreateGenerationRequest]] = field(default_factory=list)
    """Several target languages: each language's create body (`request` is the first's)."""


async def _plan(ctx: Context[Any, Any], args: LipsyncArguments) -> LipsyncPlan:
    """Check everything, upload local files, build the create body. Failures come back as values."""
    state = tool_state(ctx)
    plan = LipsyncPlan(progress=Progress(ctx))
    try:
        args = await with_attachments(state, args, ATTACHABLE)
        several = _several(args)
        plan.wait_seconds = wait_seconds(args.timeout, state.settings.max_wait_seconds)
        if args.download and not args.wait:
            raise refusals.download_without_wait()
        one = for_language(args, several[0]) if several else args
        media = read_media(one, caller_folders(ctx))
        asks = [for_language(args, code) for code in several] if several else [args]
        bodies = [create_request(ask, media) for ask in asks]  # the body's own rules, before any upload
        # One face and one voice, all local files small and no spend check to price them first: the files travel
        # with the create itself (services/media_sources.py), and nothing is uploaded beforehand.
        plan.direct = None if bodies[0].segments or several else direct_files(state.settings, media.sources)
        local = [] if plan.direct is not None else [s for s in media.sources if s is not None and s.local is not None]
        plan.phases = [f"upload {label(s)}" for s in local] + ["create"] + ["wait"] * args.wait
        plan.phases += ["download"] * args.download
        plan.progress.plan(len(plan.phases))
        if local:
            resolved = await _uploaded(state, plan, media)
            bodies = [with_sources(body, resolved) for body in bodies]
        plan.request, plan.dubs = bodies[0], list(zip(several, bodies, strict=True)) if several else []
        plan.asked = asked(one, plan.request, media.speakers)
        if plan.dubs:
            plan.asked = [f"dubbed to: {code}, a generation of its own" for code, _ in plan.dubs] + plan.asked[1:]
    except (InputError, ValidationError, SyncAPIError) as exc:
        plan.error = await explain(exc, state.catalog)
        if isinstance(exc, ValidationError):
            plan.error = renamed(plan.error)
    return plan


def _several(args: LipsyncArguments) -> list[str] | None:
    """The languages of a several-language dub (None for one language or none)."""
    several = languages(args) if isinstance(args.target_language, list) else None
    if several and args.download:
        raise refusals.download_of_several_languages()
    return several


async def _uploaded(state: ToolState, plan: LipsyncPlan, media: LipsyncMedia) -> list[dict[str, str] | None]:
    """Each media source as the body sends it: a URL or asset id as given, a local file uploaded (or found
    uploaded) in a phase of its own."""
    sent: list[dict[str, str] | None] = []
    for source in media.sources:
        if source is None:
            sent.append(None)
            continue
        if source.local is not None:
            plan.progress.next_phase()
        done = await resolve(state.client, source, plan.progress)
        if (upload := done.upload) is not None:
            plan.uploads.append(
                UploadedMedia(
                    argument=source.field, assetId=upload.asset.id, reused=upload.reused, bytesSent=upload.bytes_sent
                )
            )
        sent.append(done.wire)
    return sent


async def _spend(
    ctx: Context[Any, Any], plan: Annotated[LipsyncPlan, Resolve(_plan)]
) -> SpendEstimate | Elicit[SpendConsent] | None:
    """The spend guard's question for the planned body (none when the plan failed)."""
    return await spend_question(ctx, tool_state(ctx), [r for _, r in plan.dubs] or plan.request)


def _described(result: GenerationResult, plan: LipsyncPlan, download: DownloadResult | None) -> LipsyncResult:
    """The result: the generation's, validated once by `describe`, with what this call asked and saved."""
    described = LipsyncResult.model_construct(
        **dict(result),
        asked=plan.asked,
        uploads=plan.uploads or None,
        saved_path=download.path if download is not None else None,
        download_url=download.download_url if download is not None else None,
    )
    if download is not None and download.download_url is not None:
        described.next_step = steps.download_link_given(download.file_name, download.expires_at, download.download_url)
    elif download is not None:
        described.next_step = steps.video_saved(download.path, download.size_bytes)
    return described


@sync_tool(
    title="Lip-sync a face to audio or a script",
    read_only=False,
    destructive=False,
    idempotent=False,
    meta=file_params(*ATTACHABLE),
)
async def lipsync(
    ctx: Context[Any, Any],
    args: LipsyncArguments,
    plan: Annotated[LipsyncPlan, Resolve(_plan)],
    spend: Annotated[ElicitationResult[SpendConsent], Resolve(_spend)],
) -> Annotated[CallToolResult, LipsyncResult]:
    """Lip-sync in one call: a face (video, or image on sync-3) to audio, to a script in a voice, to several
    speakers (segments), or dubbed into another language (target_language, the video alone).

    Media: a URL, an asset id or a local file. Models: lipsync-2 (video default; ~1-3 min per 30 s),
    lipsync-2-pro (finer detail), sync-3 (best; images; ~10-15 min per 30 s), react-1 (expressions, <= 15 s).
    Waits with progress; a longer job returns its id for get_generation. `asked` says what was sent.
    """
    state = tool_state(ctx)
    if plan.error is not None:
        return fail(plan.error)
    request = plan.request
    assert request is not None  # a plan without an error has its body
    key = args.idempotencyKey or new_idempotency_key()
    if plan.dubs:
        return await _dub_each(ctx, state, plan, args, spend, key)
    check = await guard_spend(ctx, state, request, spend)
    if check.refusal is not None:
        return fail(check.refusal)
    # Follows the generation named by a 503 IDEMPOTENCY_OUTCOME_UNKNOWN itself (reference §13).
    plan.progress.next_phase()
    if plan.direct is not None:
        generation, sent = await create_with_files(state.client, request, plan.direct, key, plan.progress)
        plan.uploads = [
            UploadedMedia(argument=s.argument, assetId=s.asset_id, reused=False, bytesSent=s.size) for s in sent
        ]
    else:
        generation = await state.client.generations.create(request, idempotency_key=key)
    remember_start(state, generation.id, "lipsync")
    await state.updates.observe(generation)
    await plan.progress.report(100.0, f"create: 100 % (generation {generation.id} is {generation.status})")
    warnings = request.warnings()
    timed_out: bool | None = None
    if args.wait:
        generation, timed_out = await _follow(state, plan.progress, generation, plan.wait_seconds, warnings)
    saved: DownloadResult | None = None
    if args.download and generation.status == "COMPLETED":
        saved = await _download(ctx, state, plan.progress, generation, warnings)
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
    try:
        return await follow_observed(state, generation.id, timeout, progress)
    except SyncAPIError as exc:
        info = await explain(exc, state.catalog)
        warnings.append(failures.wait_stopped(info))
        return generation, True


async def _download(
    ctx: Context[Any, Any], state: ToolState, progress: Progress, generation: Generation, warnings: list[str]
) -> DownloadResult | None:
    """Save the finished video; a failed download is a warning, the generation stands."""
    progress.next_phase()
    try:
        return await deliver(ctx, state, progress, generation.id)
    except DownloadFailed as exc:
        warnings.append(failures.not_downloaded(exc.info))
    except SyncAPIError as exc:
        info = await explain(exc, state.catalog)
        warnings.append(failures.not_downloaded(info, generation.id))
    return None


async def _dub_each(
    ctx: Context[Any, Any],
    state: ToolState,
    plan: LipsyncPlan,
    args: LipsyncArguments,
    spend: ElicitationResult[Any],
    key: str,
) -> CallToolResult:
    """Several languages: one spend check for them all, then one generation per language (services/dubbing.py)."""
    check = await guard_spend(ctx, state, [r for _, r in plan.dubs], spend)
    if check.refusal is not None:
        return fail(check.refusal)
    plan.progress.next_phase()
    created, outcomes = await _create_each(state, plan.progress, key, plan.dubs)
    first = next((g for g in created if g is not None), None)
    if first is None:
        error = outcomes[0].error
        assert error is not None
        return fail(failures.no_language_created(error))
    timed_out = None
    if args.wait:
        plan.progress.next_phase()
        timed_out = await _follow_each(state, plan.progress, created, outcomes, plan.wait_seconds)
        first = next(g for g in created if g is not None)
    result = await describe(state, first, via="lipsync", idempotency_key=key, wait_timed_out=timed_out)
    result.estimated_cost_usd = check.estimated_cost_usd
    result.next_step = summary(outcomes, key)
    described = _described(result, plan, None)
    described.languages = outcomes
    return ok(described, [generation_link(g.id) for g in created if g is not None])


async def _create_each(
    state: ToolState, progress: Progress, key: str, dubs: list[tuple[str, CreateGenerationRequest]]
) -> tuple[list[Generation | None], list[LanguageOutcome]]:
    """Create every language's generation; a failed create is recorded and the others go on."""
    created: list[Generation | None] = []
    outcomes: list[LanguageOutcome] = []
    for n, (language, request) in enumerate(dubs, start=1):
        own = language_key(key, language)
        try:
            generation = await state.client.generations.create(request, idempotency_key=own)
        except SyncAPIError as exc:
            created.append(None)
            info = await explain(exc, state.catalog)
            outcomes.append(LanguageOutcome(language=language, status="CREATE_FAILED", idempotencyKey=own, error=info))
            continue
        remember_start(state, generation.id, "lipsync")
        await state.updates.observe(generation)
        created.append(generation)
        outcomes.append(
            LanguageOutcome(language=language, id=generation.id, status=generation.status, idempotencyKey=own)
        )
        await progress.report(
            100.0 * n / len(dubs), f"create: {language} is generation {generation.id} ({n} of {len(dubs)})"
        )
    return created, outcomes


async def _follow_each(
    state: ToolState,
    progress: Progress,
    created: list[Generation | None],
    outcomes: list[LanguageOutcome],
    timeout: float,
) -> bool:
    """Follow every created generation within one shared wait; True when the wait ran out first."""
    deadline = time.monotonic() + timeout
    timed_out = False
    for n, (generation, outcome) in enumerate(zip(created, outcomes, strict=True)):
        left = deadline - time.monotonic()
        if generation is None or left <= 0:
            timed_out = timed_out or generation is not None
            continue
        try:
            current, ran_out = await follow_observed(state, generation.id, left)
        except SyncAPIError:  # a failing poll ends this wait; the generation keeps running and its id is kept
            timed_out = True
            continue
        timed_out = timed_out or ran_out
        outcome.status, outcome.output_url = current.status, current.output_url
        created[n] = current
        done = done_count(outcomes)
        await progress.report(
            100.0 * done / len(outcomes),
            f"wait: {outcome.language} is {current.status} ({done} of {len(outcomes)} done)",
        )
    return timed_out
