"""`lipsync`: the everyday cases in one call. A visual (video or image) and what drives the lips: audio, a
script for a voice, several speakers over ranges of the video (`segments`), or the video's own speech dubbed
into another language (`target_language`); each media argument a URL, an asset id or a local file. Upload,
create, wait with progress, optionally download under a chosen name.

The parameters, their rules and the create body they ask for are `lipsync_request.py` (no network). The work
before the create runs in the resolver (`_plan`), so the spend guard's resolver can price the real body and ask
the user before anything is charged (see `spending`): every check that needs no network runs first (argument
combinations, local files, the body's own rules with placeholder asset ids for local files), then local files
are uploaded (reusing earlier uploads of the same bytes) and the body is built; when every local file is small
and no spend check needs an estimate, the files are instead sent with the create itself (`direct_create`). The
tool body applies the spend guard, creates with an Idempotency-Key minted once, and follows the job. A wait that
ends early, or fails, still returns the generation id and the call to make next.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync_mcp.api import CreateGenerationRequest, Generation, SyncAPIError, new_idempotency_key
from sync_mcp.guidance.errors import ErrorInfo, InputError, explain
from sync_mcp.services.direct_create import DirectFile, create_with_files, direct_files
from sync_mcp.services.downloads import DownloadFailed, DownloadResult
from sync_mcp.services.media_sources import MediaSource, resolve
from sync_mcp.toolkit.argument_types import ATTACHABLE, file_params, with_attachments
from sync_mcp.toolkit.progress import Progress
from sync_mcp.toolkit.results import fail, generation_link, ok, sync_tool
from sync_mcp.toolkit.state import ToolState, caller_folders, tool_state
from sync_mcp.toolkit.wait_bound import DEFAULT_WAIT_SECONDS, wait_seconds

from .arguments import model_parameters, with_model_parameters
from .downloads import deliver
from .generations import GenerationResult, describe, follow_observed, remember_start
from .lipsync_languages import LanguageOutcome, create_each, follow_each, for_language, languages, summary
from .lipsync_request import LipsyncArguments, asked, create_request, read_media, renamed
from .spending import SpendConsent, SpendEstimate, guard_spend, spend_question


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
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    request: CreateGenerationRequest | None = None
    error: ErrorInfo | None = None
    uploads: list[UploadedMedia] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    direct: list[DirectFile] | None = None
    """Local files to send with the create itself (then `request` holds placeholders for them)."""
    dubs: list[tuple[str, CreateGenerationRequest]] = field(default_factory=list)
    """Several target languages: each language's create body (`request` is the first's)."""


async def _plan(ctx: Context[Any, Any], **arguments: Any) -> LipsyncPlan:
    """Check everything, upload local files, build the create body. Failures come back as values."""
    state = tool_state(ctx)
    plan = LipsyncPlan(progress=Progress(ctx))
    try:
        args = await with_attachments(state, LipsyncArguments.model_validate(arguments), ATTACHABLE)
        several = languages(args)
        args, every = (for_language(args, several[0]), args) if several else (args, args)
        plan.wait_seconds = wait_seconds(args.timeout, state.settings.max_wait_seconds)
        media = read_media(args, caller_folders(ctx, state.settings))
        checked = create_request(args, media)  # the body's own rules, before any upload
        for code in several or ():
            create_request(for_language(every, code), media)
        # One face and one voice, all local files small and no spend check to price them first: the files travel
        # with the create itself (services/direct_create.py), and nothing is uploaded beforehand.
        plan.direct = None if checked.segments or several else direct_files(state.settings, media.sources)
        if plan.direct is not None:
            plan.progress.plan(1 + args.wait + args.download)
            plan.request = checked
        else:
            local = [s for s in media.sources if s is not None and s.local is not None]
            plan.progress.plan(len(local) + 1 + args.wait + args.download)
            resolved = [await _sent(state, plan, s) for s in media.sources]
            plan.request = create_request(args, media, resolved)
            plan.dubs = [(code, create_request(for_language(every, code), media, resolved)) for code in several or ()]
        plan.asked = asked(args, plan.request, media.speakers)
        if plan.dubs:
            plan.asked = [f"dubbed to: {code}, a generation of its own" for code, _ in plan.dubs] + plan.asked[1:]
    except (InputError, ValidationError, SyncAPIError) as exc:
        plan.error = await explain(exc, state.catalog)
        if isinstance(exc, ValidationError):
            plan.error = renamed(plan.error)
    return plan


async def _sent(state: ToolState, plan: LipsyncPlan, source: MediaSource | None) -> dict[str, str] | None:
    """A media source as the body sends it: a URL or asset id as given, a local file uploaded (or found uploaded)."""
    if source is None:
        return None
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
    return done.wire


CTX = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)
_plan.__signature__ = inspect.Signature([CTX, *model_parameters(LipsyncArguments)])  # type: ignore[attr-defined]


async def _spend(
    ctx: Context[Any, Any], plan: Annotated[LipsyncPlan, Resolve(_plan)]
) -> SpendEstimate | Elicit[SpendConsent] | None:
    """The spend guard's question for the planned body (none when the plan failed)."""
    return await spend_question(ctx, tool_state(ctx), [r for _, r in plan.dubs] or plan.request)


def _described(result: GenerationResult, plan: LipsyncPlan, download: DownloadResult | None) -> LipsyncResult:
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    if download is not None and download.download_url is not None:
        data["nextStep"] = (
            f"Done. Give the user this download link (it saves the video as {download.file_name}, until "
            f"{download.expires_at}): {download.download_url}"
        )
    elif download is not None:
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
            "downloadUrl": download.download_url if download is not None else None,
        }
    )


PLAN = inspect.Parameter("plan", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[LipsyncPlan, Resolve(_plan)])
SPEND = inspect.Parameter(
    "spend", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[ElicitationResult[SpendConsent], Resolve(_spend)]
)


@sync_tool(
    title="Lip-sync a face to audio or a script",
    read_only=False,
    destructive=False,
    idempotent=False,
    meta=file_params(*ATTACHABLE),
)
@with_model_parameters(LipsyncArguments, [PLAN, SPEND, CTX])
async def lipsync(ctx: Context[Any, Any], **arguments: Any) -> Annotated[CallToolResult, LipsyncResult]:
    """Lip-sync in one call: a face (video, or image on sync-3) to audio, to a script in a voice, to several
    speakers (segments), or dubbed into another language (target_language, the video alone).

    Media: a URL, an asset id or a local file. Models: lipsync-2 (video default; ~1-3 min per 30 s),
    lipsync-2-pro (finer detail), sync-3 (best; images; ~10-15 min per 30 s), react-1 (expressions, <= 15 s).
    Waits with progress; a longer job returns its id for get_generation. `asked` says what was sent.
    """
    state = tool_state(ctx)
    plan: LipsyncPlan = arguments["plan"]
    if plan.error is not None:
        return fail(plan.error)
    request = plan.request
    assert request is not None  # a plan without an error has its body
    if plan.dubs:
        return await _dub_each(ctx, state, plan, arguments)
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
        generation = await state.client.generations.create(request, idempotency_key=key)
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
            saved = await deliver(ctx, state, plan.progress, generation.id)
        except DownloadFailed as exc:
            warnings.append(f"Not downloaded: {exc.info.message} {exc.info.fix}")
        except SyncAPIError as exc:
            info = await explain(exc, state.catalog)
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
    try:
        return await follow_observed(state, generation.id, timeout, progress)
    except SyncAPIError as exc:
        info = await explain(exc, state.catalog)
        warnings.append(f"Waiting stopped ({info.error_code}: {info.message}); the generation was created.")
        return generation, True


async def _dub_each(
    ctx: Context[Any, Any], state: ToolState, plan: LipsyncPlan, arguments: dict[str, Any]
) -> CallToolResult:
    """Several languages: one spend check for them all, then one generation per language (lipsync_languages.py)."""
    check = await guard_spend(ctx, state, [r for _, r in plan.dubs], arguments["spend"])
    if check.refusal is not None:
        return fail(check.refusal)
    key = arguments.get("idempotencyKey") or new_idempotency_key()
    plan.progress.next_phase()
    created, outcomes = await create_each(state, plan.progress, key, plan.dubs)
    first = next((g for g in created if g is not None), None)
    if first is None:
        error = outcomes[0].error
        assert error is not None
        return fail(error.model_copy(update={"message": f"No language was created. {error.message}"}))
    timed_out = None
    if arguments.get("wait", True):
        timed_out = await follow_each(state, plan.progress, created, outcomes, plan.wait_seconds)
        first = next(g for g in created if g is not None)
    result = await describe(state, first, via="lipsync", idempotency_key=key, wait_timed_out=timed_out)
    result.estimated_cost_usd = check.estimated_cost_usd
    result.next_step = summary(outcomes, key)
    described = _described(result, plan, None)
    described.languages = outcomes
    return ok(described, [generation_link(g.id) for g in created if g is not None])
