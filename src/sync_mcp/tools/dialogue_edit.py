"""`edit_dialogue`: change what is said in a video, in the speaker's own voice. The corrected text (aligned with
the transcript's words, services/alignment.py) or explicit word edits become a dialogue-edit preview; the tool
waits for it and returns the preview audio, what each edited stretch said before and after, and the price of
the final lip-synced video. The billed video is created only on the user's go-ahead: asked through elicitation
when the client supports it, or by a second call with `confirm: true` after the user approved.

The preview is made in the resolver (`_plan`) so the go-ahead question can show it; resolvers may run again on
each round of the 2026-07-28 protocol, so the jobs the plan creates are remembered (per caller key and body, in
the server's spend memory) and a second round follows the same jobs instead of creating new ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.elicitation import AcceptedElicitation
from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import ValidationError

from sync_mcp.api import CreateGenerationRequest, Generation, SyncAPIError, new_idempotency_key
from sync_mcp.api.types.dialogue_edits import PREVIEW_READY, DialogueEdit, DialogueEditOperation, DialogueEditRequest
from sync_mcp.api.types.transcriptions import JobError, TranscriptionRequest, TranscriptWord
from sync_mcp.guidance import refusals, steps
from sync_mcp.guidance.errors import ErrorInfo, InputError, explain
from sync_mcp.services.alignment import Span, align, spans
from sync_mcp.services.dialogue import follow_preview, hosted_url, transcribe
from sync_mcp.services.media_sources import classify
from sync_mcp.toolkit.dialogue_edit_arguments import Change, DialogueEditResult, EditDialogueArguments
from sync_mcp.toolkit.generations import follow_observed, remember_start
from sync_mcp.toolkit.results import Progress, fail, generation_link, ok, sync_tool
from sync_mcp.toolkit.spending import (
    SpendConsent,
    SpendEstimate,
    can_elicit,
    estimate_spend,
    guard_spend,
    remembered_estimate,
)
from sync_mcp.toolkit.state import ToolState, caller_api_key, caller_folders, tool_state, wait_seconds


@dataclass
class DialoguePlan:
    progress: Progress
    confirm: bool = False
    error: ErrorInfo | None = None
    transcription_id: str | None = None
    waiting: str | None = None
    """Set when a wait ran out or a job failed before a playable preview: the status to report."""
    job_error: JobError | None = None
    preview: DialogueEdit | None = None
    words: list[TranscriptWord] = field(default_factory=list)
    edits: list[DialogueEditOperation] = field(default_factory=list)
    request: CreateGenerationRequest | None = None
    """The final video's create body, once the preview is playable."""
    wait_seconds: float = 0.0
    """How long this call may wait (`timeout`): for the preview, or after a go-ahead for the video itself."""


def _memory_key(ctx: Context[Any, Any], kind: str, body: dict[str, Any]) -> str:
    text = json.dumps([caller_api_key(ctx), kind, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def _job_id(ctx: Context[Any, Any], kind: str, body: dict[str, Any]) -> str | None:
    known = await tool_state(ctx).spend_estimates.recall(_memory_key(ctx, kind, body))
    return str(known["id"]) if known and isinstance(known.get("id"), str) else None


async def _remember(ctx: Context[Any, Any], kind: str, body: dict[str, Any], job_id: str) -> None:
    await tool_state(ctx).spend_estimates.remember(_memory_key(ctx, kind, body), {"id": job_id})


def _edit_source(args: EditDialogueArguments) -> None:
    given = sum(v is not None for v in (args.new_text, args.edits))
    if (args.edit_id is None and given != 1) or (args.edit_id is not None and given):
        raise refusals.edit_needs_one_source()


async def _new_preview(
    ctx: Context[Any, Any], state: ToolState, plan: DialoguePlan, args: EditDialogueArguments, url: str, limit: float
) -> DialogueEdit | None:
    """Transcribe (unless given), turn the request into edits, create the preview (None: no transcript yet)."""
    request = TranscriptionRequest.model_validate({"sourceVideoUrl": url})
    known = args.transcription_id or await _job_id(ctx, "transcription", request.to_wire())
    job, _ = await transcribe(state.client, None if known else request, known, limit, plan.progress)
    if not known:
        await _remember(ctx, "transcription", request.to_wire(), job.id)
    plan.transcription_id = job.id
    if job.status != "COMPLETED" or job.transcript is None:
        plan.waiting, plan.job_error = job.status, job.error
        return None
    plan.words = job.transcript.words()
    plan.edits = args.edits or align(plan.words, args.new_text or "")
    if not plan.edits:
        raise refusals.nothing_to_edit()
    body = DialogueEditRequest.model_validate(
        {"sourceVideoUrl": url, "transcript": job.transcript.to_wire(), "edits": [e.to_wire() for e in plan.edits]}
    )
    earlier = await _job_id(ctx, "dialogue-edit", body.to_wire())
    if earlier is not None:
        return await state.client.dialogue_edits.get(earlier)
    preview = await state.client.dialogue_edits.create(body)
    await _remember(ctx, "dialogue-edit", body.to_wire(), preview.id)
    return preview


def _same_video(preview: DialogueEdit, url: str, edit_id: str) -> None:
    if preview.source_video_url is not None and preview.source_video_url != url:
        raise refusals.preview_of_another_video(edit_id, preview.source_video_url)


def _operations(raw: list[dict[str, Any]]) -> list[DialogueEditOperation]:
    """The edits a preview reports, as far as they are of the known kinds."""
    edits = []
    for item in raw:
        try:
            edits.append(DialogueEditOperation.model_validate(item))
        except ValidationError:
            continue
    return edits


async def _plan(ctx: Context[Any, Any], args: EditDialogueArguments) -> DialoguePlan:
    """Transcribe, align, create and follow the preview; failures come back as values."""
    state = tool_state(ctx)
    # confirm is a go-ahead for a preview the user has heard: it counts only together with edit_id.
    plan = DialoguePlan(progress=Progress(ctx, phases=2), confirm=args.confirm and args.edit_id is not None)
    try:
        _edit_source(args)
        limit = plan.wait_seconds = wait_seconds(args.timeout, state.settings.max_wait_seconds)
        source = classify(args.video, "video", field="video", folders=caller_folders(ctx))
        url = await hosted_url(state.client, source, plan.progress)
        if args.edit_id is not None:
            preview: DialogueEdit | None = await state.client.dialogue_edits.get(args.edit_id)
            assert preview is not None
            _same_video(preview, url, args.edit_id)
            plan.words = preview.source_transcript.words() if preview.source_transcript is not None else []
            plan.edits = _operations(preview.edits)
        else:
            preview = await _new_preview(ctx, state, plan, args, url, limit)
        if preview is not None:
            plan.progress.next_phase()
            plan.preview, _ = await follow_preview(state.client, preview, limit, plan.progress)
            if plan.preview.status in PREVIEW_READY:
                body = {
                    "model": args.model,
                    "input": [{"type": "video", "url": url}],
                    "dialogueEdit": {"id": preview.id},
                }
                plan.request = CreateGenerationRequest.model_validate(body)
            else:
                plan.waiting, plan.job_error = plan.preview.status, plan.preview.error
    except (InputError, ValidationError, SyncAPIError) as exc:
        plan.error = await explain(exc, state.catalog)
    return plan


def _partial(preview: DialogueEdit | None) -> str | None:
    if preview is None or preview.status != "COMPLETED_PARTIAL":
        return None
    detail = preview.partial_detail or {}
    what = "The preview is playable, but not everything asked for was applied"
    if detail.get("failedSlots"):
        what += f"; these edited regions may sound rough: {detail['failedSlots']}"
    if detail.get("reason") == "background_bed_missing":
        what += "; only the speech was kept, without the background sound"
    elif detail.get("reason"):
        what += f" (reason: {detail['reason']})"
    return what + "."


def _change_text(span: Span) -> str:
    return f'"{span.before}" -> "{span.after}"' if span.after else f'remove "{span.before}"'


def _question(plan: DialoguePlan, estimate: SpendEstimate) -> str:
    """Deterministic per plan and estimate: the SDK matches answers to the exact question text."""
    assert plan.request is not None and plan.preview is not None
    changes = "; ".join(_change_text(s) for s in spans(plan.words, plan.edits))
    if estimate.usd is not None:
        cost = f"estimated ${estimate.usd:.2f}"
    else:
        cost = f"cost unknown ({estimate.error.error_code if estimate.error else 'no estimate'})"
    partial = f" {_partial(plan.preview)}" if _partial(plan.preview) else ""
    return (
        f"Create the lip-synced video with these changes: {changes}? Preview audio: {plan.preview.preview_audio_url}. "
        f"{plan.request.model}, {cost}.{partial}"
    )


async def _consent(
    ctx: Context[Any, Any], plan: Annotated[DialoguePlan, Resolve(_plan)]
) -> SpendEstimate | Elicit[SpendConsent] | None:
    """The price of the final video, and the go-ahead question when the client can be asked."""
    if plan.request is None:
        return None
    state = tool_state(ctx)
    estimate = await estimate_spend(ctx, state, plan.request)
    cap = state.settings.max_cost_usd
    over_cap = cap is not None and (estimate.error is not None or (estimate.usd or 0.0) > cap)
    if plan.confirm or over_cap or not can_elicit(ctx):
        return estimate
    return Elicit(_question(plan, estimate), SpendConsent)


def _waiting_step(plan: DialoguePlan, video: str) -> str:
    if plan.preview is None:
        if plan.waiting == "FAILED":
            return steps.transcription_failed()
        return steps.still_transcribing_for_edit(plan.transcription_id)
    if plan.waiting == "FAILED":
        return steps.preview_failed()
    return steps.preview_in_progress(video, plan.preview.id)


def _result(plan: DialoguePlan, video: str, estimate: SpendEstimate | None) -> DialogueEditResult:
    preview = plan.preview
    step = (
        _waiting_step(plan, video)
        if plan.request is None
        else steps.preview_ready(video, preview.id if preview else "", estimate.usd if estimate is not None else None)
    )
    return DialogueEditResult(
        transcriptionId=plan.transcription_id,
        editId=preview.id if preview else None,
        status=preview.status if preview else (plan.waiting or "PENDING"),
        previewAudioUrl=preview.preview_audio_url if preview else None,
        changes=[
            Change(before=s.before, after=s.after, wordIds=s.word_ids, startMs=s.start_ms)
            for s in spans(plan.words, plan.edits)
        ],
        partial=_partial(preview),
        estimatedCostUsd=estimate.usd if estimate is not None else None,
        error=plan.job_error,
        nextStep=step,
    )


@sync_tool(title="Edit what a video says", read_only=False, destructive=False)
async def edit_dialogue(
    ctx: Context[Any, Any],
    args: EditDialogueArguments,
    plan: Annotated[DialoguePlan, Resolve(_plan)],
    consent: Annotated[ElicitationResult[SpendConsent], Resolve(_consent)],
) -> Annotated[CallToolResult, DialogueEditResult]:
    """Change spoken words in a video, in the speaker's voice ("say Wednesday", "cut the um").

    new_text (corrected sentences) or edits by word id become an audio preview: previewAudioUrl, each change
    and the final video's estimated cost. The billed video needs the user's go-ahead: asked here if the client
    can, else call again with edit_id and confirm=true. After the go-ahead the video is followed within timeout
    (generationStatus, outputUrl).
    """
    state = tool_state(ctx)
    if plan.error is not None:
        return fail(plan.error)
    answer = consent.data if isinstance(consent, AcceptedElicitation) else None
    estimate = answer if isinstance(answer, SpendEstimate) else None
    if estimate is None and plan.request is not None:  # asked: the estimate the question showed
        estimate = await remembered_estimate(ctx, plan.request)
    result = _result(plan, args.video, estimate)
    if plan.request is None:
        return ok(result)
    approved = plan.confirm or (isinstance(answer, SpendConsent) and answer.approve)
    if not approved and (isinstance(answer, SpendConsent) or not isinstance(consent, AcceptedElicitation)):
        result.next_step = steps.edit_declined()
        return ok(result)
    if not approved:
        return ok(result)
    return await _create(ctx, state, plan, consent, result)


async def _create(
    ctx: Context[Any, Any],
    state: ToolState,
    plan: DialoguePlan,
    consent: ElicitationResult[Any],
    result: DialogueEditResult,
) -> CallToolResult:
    """The go-ahead was given: the spend cap still applies, then the generation is created once."""
    assert plan.request is not None
    check = await guard_spend(ctx, state, plan.request, consent)
    if check.refusal is not None:
        return fail(check.refusal)
    key = new_idempotency_key()
    try:
        generation = await state.client.generations.create(plan.request, idempotency_key=key)
    except SyncAPIError as exc:
        exc.idempotency_key = key
        raise
    remember_start(state, generation.id, "edit_dialogue")
    await state.updates.observe(generation)
    result.generation_id, result.idempotency_key = generation.id, key
    result.estimated_cost_usd = (
        check.estimated_cost_usd if check.estimated_cost_usd is not None else result.estimated_cost_usd
    )
    generation = await _follow_video(state, plan, generation)
    result.generation_status, result.output_url = generation.status, generation.output_url
    result.next_step = steps.edited_video(generation.id, generation.status)
    return ok(result, [generation_link(generation.id)])


async def _follow_video(state: ToolState, plan: DialoguePlan, generation: Generation) -> Generation:
    """The video is followed for what is left of this call's wait, like lipsync's; a failing poll ends the wait
    without losing the created generation."""
    plan.progress.plan(3)
    plan.progress.next_phase()
    try:
        followed, _ = await follow_observed(state, generation.id, plan.wait_seconds, plan.progress)
    except SyncAPIError:
        return generation
    return followed
